"""Names and frames the held-out sets found read wrongly: a compass word inside an organisation's name is no
region; a school whose name holds a service's words ("Early Learning Center") is still a school; a region said
alone after a district-wide answer narrows that answer; a correction after a hesitation still follows up;
"were paying" typed without its apostrophe states who pays; "zero" partners asks for schools without."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.directory.importer import import_partners
from tests.conftest import Harness

HEADER = ["organization", "school", "services", "school_year", "agreement_type", "status", "last_verified"]
ROWS = [("Central District Jazz Workshop", "Garfield", "arts", "mou"),
        ("Southwest Youth Arts", "Chief Sealth", "arts", "mou"),
        ("Little Sprouts Play Co", "Early Learning Center", "early learning", "mou"),
        ("Capitol Tutors", "Lowell", "tutoring", "mou"),
        ("Beacon Mentors", "Franklin", "mentoring", "mou"),
        ("North Mentors", "Ballard", "mentoring", "mou")]


@pytest.fixture
def h(harness: Harness, tmp_path: Path) -> Harness:
    path = tmp_path / "partners.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for organisation, school, service, agreement in ROWS:
            writer.writerow([organisation, school, service, "2026-27", agreement, "active", "2026-10-01"])
    with harness.database.session() as session:
        import_partners(session, path)
    return harness


@pytest.mark.parametrize("question", ["is Central District Jazz Workshop's insurance still current",
                                      "partners in the region: what about Southwest Youth Arts?"])
def test_a_compass_word_inside_an_organisations_name_is_not_a_region(h: Harness, question: str) -> None:
    reply = h.ask(question)
    assert "region on the district's map" not in reply.text
    assert "unknown_region" not in (reply.data or {})


def test_a_region_the_map_has_is_never_called_unknown(h: Harness) -> None:
    reply = h.ask("partners in the south end region")
    assert reply.data["unknown_region"].lower() == "south"
    assert "no Central region" not in h.ask("partners in the Central District Jazz region").text


def test_a_school_named_with_a_services_words_is_the_school(h: Harness) -> None:
    reply = h.ask("what partners are at the Early Learning Center")
    assert reply.data["school"] == "Early Learning Center"
    assert "Little Sprouts Play Co" in reply.text
    narrowed = h.ask("early learning partners at the Early Learning Center", session="s-2")
    assert narrowed.data["school"] == "Early Learning Center" and "early" in narrowed.data["service"].lower()


def test_a_region_after_a_district_answer_narrows_it_and_keeps_its_service(h: Harness) -> None:
    first = h.ask("are there high schools with zero mentoring partners")
    assert first.data["distribution"]["kind"] == "schools_without"
    narrowed = h.ask("only southeast schools")
    assert narrowed.data["distribution"]["kind"] == "schools_without"
    assert narrowed.data["region"] == "Southeast" and narrowed.data["service"] == first.data["service"]
    schools = [row["school"] for row in narrowed.data["distribution"]["rows"]]
    assert "Franklin" not in schools and "Ballard" not in schools  # Franklin has a mentor; Ballard is not Southeast


def test_a_correction_after_a_hesitation_keeps_the_service(h: Harness) -> None:
    assert h.ask("tutoring at Lowell").data["service"].startswith("Tutoring")
    moved = h.ask("hmm wait I meant Leschi")
    assert moved.data["school"] == "Leschi" and moved.data["service"].startswith("Tutoring")


def test_were_typed_for_were_states_who_pays(h: Harness) -> None:
    reply = h.ask("were paying $4,500 to a theater company from ASB funds for a spring workshop series, what agreement")
    assert reply.data["agreement"] == "personal_services_contract"
    assert h.ask("were they paying the coach?", session="s-2").data.get("agreement") is None
