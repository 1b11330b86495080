"""The intent classifier: learned from knowledge files, answered in plain Python, cached, taught, decoupled."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from bot.understanding import model as model_module
from bot.understanding.classifier import Classifier, Example, shipped_examples
from bot.understanding.model import train
from knowledge import intent_examples


def test_every_intent_has_forty_varied_examples() -> None:
    examples = intent_examples()
    assert set(examples) >= {"agreement", "partners", "trainings", "consultation", "ticket_status", "report_outdated",
                             "data_sharing", "background_checks", "partnership_tools", "training_module", "help",
                             "unknown", "smalltalk"}
    for label, texts in examples.items():
        assert len(set(t.lower() for t in texts)) >= 40, label


def test_plain_python_answers_equal_scikit_learn(tmp_path) -> None:
    """The exported arrays give exactly scikit-learn's probabilities (the model is fitted by scikit-learn)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [["w:pay", "w:tutor", "c: pa", "e:payer:school"], ["w:partner", "w:at", "w:<school>", "c:art"],
            ["w:upcom", "w:train", "c:rul"], ["w:pay", "w:partner", "c:art", "c: pa"], ["w:train", "w:at", "c:rul"]]
    labels = ["agreement", "partners", "trainings", "agreement", "trainings"]
    mine = train(docs, labels, regularisation=3.0)
    words = TfidfVectorizer(analyzer=model_module._words, lowercase=False, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer=model_module._chars, lowercase=False, sublinear_tf=True)
    matrix = hstack([words.fit_transform(docs), chars.fit_transform(docs)]).tocsr()
    reference = LogisticRegression(C=3.0, max_iter=3000, class_weight="balanced").fit(matrix, labels)
    probe = [["w:pay", "w:pay", "c:art", "w:unseen"], ["w:train"], ["c:rul", "e:payer:school"], []]
    expected = reference.predict_proba(hstack([words.transform(probe), chars.transform(probe)]).tocsr())
    for row, features in enumerate(probe):
        got = mine.probabilities(features)
        assert [got[label] for label in reference.classes_] == pytest.approx(list(expected[row]), abs=1e-9)


def test_the_model_is_cached_and_not_retrained(tmp_path, monkeypatch) -> None:
    examples = [Example(t, label) for label, texts in intent_examples().items() for t in texts[:12]]
    first = Classifier.build(examples, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("intent-model-*.pickle"))) == 1

    def no_training(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("trained again although nothing changed")

    monkeypatch.setattr("bot.understanding.classifier.train", no_training)
    monkeypatch.setattr("bot.understanding.classifier._vocabulary", no_training)  # the words come from the file too
    second = Classifier.build(examples, cache_dir=tmp_path)
    assert second.digest == first.digest
    assert second.model.coef == first.model.coef
    assert second.reader.tokenizer.vocabulary == first.reader.tokenizer.vocabulary
    assert second.reader.tokenizer.correct("trainnig") == first.reader.tokenizer.correct("trainnig") == "training"
    with pytest.raises(AssertionError, match="trained again"):
        Classifier.build(examples + [Example("a brand new phrasing", "help")], cache_dir=tmp_path)


def test_a_corrupt_cache_file_is_replaced(tmp_path) -> None:
    examples = [Example(t, label) for label, texts in intent_examples().items() for t in texts[:8]]
    built = Classifier.build(examples, cache_dir=tmp_path)
    path = next(tmp_path.glob("intent-model-*.pickle"))
    path.write_bytes(b"not a pickle")
    again = Classifier.build(examples, cache_dir=tmp_path)
    assert again.model.labels == built.model.labels


def test_entities_are_placeholders_so_one_school_teaches_all(harness) -> None:
    for school in ("Franklin", "Aki Kurose", "Concord Int'l", "Olympic Hills"):
        assert harness.ask(f"mentoring partners at {school}", session=school).data["school"] == school


def test_agreement_facts_reach_the_classifier_as_evidence(harness) -> None:
    from bot.understanding.classifier import _TrainingLookups
    from tests.conftest import brain

    classifier = brain()[1]
    features, _ = classifier.reader.read("we pay the tutor from our budget", _TrainingLookups())
    assert "e:payer:school" in features
    features, _ = classifier.reader.read("when is payday?", _TrainingLookups())
    assert not any(f.startswith("e:payer") for f in features), "payday is not a partner being paid"


def test_teaching_an_example_retrains_the_running_bot(sqlite_url, tmp_path) -> None:
    from bot.app import build_classifier, build_registry
    from bot.config import Settings
    from bot.db import Database
    from bot.directory.lookups import Directory
    from bot.seed import prepare
    from bot.understanding.learning import teach

    settings = Settings.from_env({"DATABASE_URL": sqlite_url, "PARTNERBOT_CACHE_DIR": str(tmp_path)})
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    classifier = build_classifier(settings, build_registry(), database)
    phrase = "zorblat wibble frobnication"
    with database.session() as session:
        lookups = Directory().lookups(session)
        assert classifier.understand(phrase, lookups).intent != "trainings"
        assert classifier.refresh(session, wait=True) is False, "nothing changed yet"
        assert teach(session, phrase, "trainings", "cli:test", dt.datetime.now(dt.timezone.utc))
    with database.session() as session:
        assert classifier.refresh(session, wait=True) is True
        assert classifier.understand(phrase, Directory().lookups(session)).intent == "trainings"
    database.dispose()


def test_the_router_never_imports_the_handlers() -> None:
    """Handlers register on a registry passed to them; nothing imports back (no cycle, no global registry)."""
    code = ("import sys, bot.router, bot.dialogue, bot.understanding.classifier; "
            "assert not any(m == 'handlers' or m.startswith('handlers.') for m in sys.modules), "
            "sorted(m for m in sys.modules if m.startswith('handlers')); "
            "assert not hasattr(bot.router, 'registry')")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shipped_examples_are_all_loaded() -> None:
    assert len(shipped_examples()) == sum(len(t) for t in intent_examples().values())


def test_staff_teach_from_the_unanswered_list_in_chat(harness) -> None:
    from sqlalchemy import select

    from bot.models import TaughtExample

    harness.ask("How do I book a field trip bus?", user="U-9")
    refused = harness.ask("unanswered questions", user="U-9")
    assert "unanswered" not in refused.data, "only staff see the list"
    listing = harness.ask("unanswered questions", user="staff-1", session="dept")
    assert listing.data["unanswered"][0]["text"] == "How do I book a field trip bus?"
    pick = harness.press(listing.buttons[0], user="staff-1", session="dept")
    assert pick.data["teaching"] == "How do I book a field trip bus?"
    unknown = next(b for b in pick.buttons if b.value.startswith("unknown|"))
    filed = harness.press(unknown, user="staff-1", session="dept")
    assert filed.data["taught"] == {"text": "How do I book a field trip bus?", "intent": "unknown", "new": True}
    assert "only the partnerships department" in harness.press(unknown, user="U-9").text
    with harness.database.session() as s:
        rows = list(s.scalars(select(TaughtExample)))
    assert [(r.text, r.intent, r.taught_by) for r in rows] == [("How do I book a field trip bus?", "unknown", "cli:staff-1")]


@pytest.mark.parametrize("source", ["text.py", "directory/schools.py", "understanding/tokens.py"])
def test_the_model_is_filed_under_the_code_that_reads_examples(source: str, monkeypatch) -> None:
    """Cleaning text and finding school names shape the features: an edit there is another model."""
    from pathlib import Path

    from bot.understanding import classifier

    examples = [Example("which agreement for a tutor at Garfield", "agreement")]
    before = classifier._digest(examples, ())
    edited = (Path(classifier.__file__).parent.parent / source).resolve()
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: real(self) + (b"# edited" if self.resolve() == edited else b""))
    assert classifier._digest(examples, ()) != before


def test_the_model_is_filed_under_the_same_name_in_every_process() -> None:
    """Answer workers load the model their parent trained: a digest that hangs on set order (the
    hash seed of each process) made every worker train its own again, 10-20 s before its first answer."""
    code = ("from bot.understanding.classifier import _digest, shipped_examples; "
            "print(_digest(shipped_examples(), ()))")
    digests = {subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(digests) == 1


def test_a_cached_model_is_found_without_building_the_fact_examples(monkeypatch) -> None:
    """Naming the cache from the fact files' bytes: a start with a cached model neither parses every
    example clause nor makes their activity variants (it had cost a cold start ~30 ms)."""
    from bot.app import build_registry, classifier_builder
    from bot.config import Settings

    build = classifier_builder(Settings.from_env({}), build_registry())
    first = build(())

    def not_on_a_hit() -> None:
        raise AssertionError("the fact examples were built for a cached model")

    monkeypatch.setattr("bot.understanding.classifier.shipped_facts", not_on_a_hit)
    second = build(())
    assert second.digest == first.digest and second.reader.facts is not None


@pytest.mark.parametrize("change", ["a fact file's bytes", "a taught fact"])
def test_the_model_is_filed_under_the_facts_it_learns_from(change: str, monkeypatch) -> None:
    from pathlib import Path

    from bot.understanding import classifier
    from bot.understanding.facts import FactExample

    examples = [Example("which agreement for a tutor at Garfield", "agreement")]
    shipped = classifier.FactTeaching(shipped=True)
    before = classifier._digest(examples, (), shipped)
    if change == "a taught fact":
        after = classifier._digest(examples, (), classifier.FactTeaching(True, (FactExample("payer", "partner", "x"),)))
    else:
        edited = next(f for f in shipped.files() if f.name == "payer.yaml")
        real = Path.read_bytes
        monkeypatch.setattr(Path, "read_bytes", lambda self: real(self) + (b"# edited" if self == edited else b""))
        after = classifier._digest(examples, (), shipped)
    assert after != before
