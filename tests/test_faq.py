"""FAQ answers come from knowledge/faq.yaml, pick the specific entry, cite a source."""

from __future__ import annotations

import pytest

from bot.core import Message


@pytest.mark.parametrize("text,intent,must_say", [
    ("Do schools run background checks for partner staff?", "background_checks", "own"),
    ("how much does a WATCH check cost", "background_checks", "$11"),
    ("national or state background check for someone new to Washington", "background_checks", "three years"),
    ("Can a partner see our students' assessment scores?", "data_sharing", "Data Sharing Agreement"),
    ("when do we renew a DSA", "data_sharing", "June 1"),
    ("Where is the partnership summary one-pager?", "partnership_tools", "One-Pager"),
    ("is there a partnership playbook", "partnership_tools", "2022"),
    ("Where do I take the partnership requirements training module?", "training_module", "district login"),
])
def test_faq_answers(harness, text: str, intent: str, must_say: str) -> None:
    reply = harness.ask(text)
    assert reply.intent == intent
    assert must_say in reply.text
    assert reply.data["source"]
    assert reply.footer and reply.footer.startswith("Source:")


def test_department_email_comes_from_configuration(sqlite_url: str) -> None:
    from bot.db import Database
    from bot.seed import prepare
    from tests.conftest import make_bot, make_settings

    settings = make_settings(sqlite_url, DEPARTMENT_EMAIL="partners-desk@schools.example")
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    text = make_bot(settings, database).handle(Message("link to the partnership training module", "U1")).text
    database.dispose()
    assert "partners-desk@schools.example" in text and "partnerships@district.example" not in text


def test_knowledge_files_validate() -> None:
    from handlers.agreement import knowledge
    from bot.faq_entries import shipped
    from handlers.faq import TOPICS

    loaded = shipped()
    assert set(loaded) == set(TOPICS) == {"data_sharing", "background_checks", "partnership_tools", "training_module"}
    for topic in loaded.values():  # every topic answers something, with its source; every entry can be reached
        assert topic.overview and topic.source
        assert all(entry.answer and (entry.cues or entry.questions) for entry in topic.entries)
    assert all(len(loaded[name].entries) >= 3 for name in ("data_sharing", "background_checks"))
    agreements, notes, questions = knowledge()
    assert set(agreements) >= {"personal_services_contract", "mou", "alignment_agreement", "ptsa_enrichment"}
    assert all(a.source for a in agreements.values())
    assert set(questions) == {"who_pays", "lease", "coordinator", "confirm"}
