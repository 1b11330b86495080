"""The partner directory: school names, import validation, lookups and distribution."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.directory.importer import ImportFileError, import_partners
from bot.directory.schools import SchoolIndex
from bot.models import Organisation, Partnership, PartnershipService
from tests.conftest import FIXTURES


@pytest.fixture
def index(harness):
    with harness.database.session() as s:
        return SchoolIndex.from_session(s)


def test_a_cached_index_is_read_only_for_the_same_schools(harness, tmp_path: Path) -> None:
    """The index is kept on disk between processes; a renamed school must not be served from a
    file built before the rename, and an unreadable file is rebuilt."""
    from bot.models import School

    cache = tmp_path / "cache"
    with harness.database.session() as s:
        first = SchoolIndex.from_session(s, cache)
        assert first.find("who works with Garfeild?").found.name == "Garfield"
        again = SchoolIndex.from_session(s, cache)
        assert again.names == first.names and again.common_words == first.common_words
        assert len(list(cache.glob("school-index-*.pickle"))) == 1
        s.execute(update(School).where(School.name == "Garfield").values(name="Quincy Jones", building="Quincy Jones"))
        renamed = SchoolIndex.from_session(s, cache)
        assert renamed.find("who works with Quincy Jones?").found.name == "Quincy Jones"
        assert renamed.find("Garfield High School").found is None
        for file in cache.glob("school-index-*.pickle"):
            file.write_bytes(b"not a pickle")
        assert SchoolIndex.from_session(s, cache).find("Quincy Jones").found.name == "Quincy Jones"


def test_an_index_is_filed_under_the_knowledge_it_was_built_from(harness, tmp_path: Path, monkeypatch) -> None:
    """A server holds the alias file as it read it at start; after the file is edited on disk, the
    index it builds must not be filed under the edited file's digest, or every new process would
    read the old aliases back. Here the process's view has an alias the file on disk lacks."""
    from bot.directory import schools

    on_disk = schools.load_yaml

    def with_alias(name: str):  # type: ignore[no-untyped-def]
        spec = dict(on_disk(name))
        if name == "school_aliases.yaml":
            spec["aliases"] = {**(spec.get("aliases") or {}), "Zorblax": "Nathan Hale"}
        return spec

    cache = tmp_path / "cache"
    with harness.database.session() as s:
        monkeypatch.setattr(schools, "load_yaml", with_alias)
        assert SchoolIndex.from_session(s, cache).find("who works with Zorblax?").found.name == "Nathan Hale"
        monkeypatch.setattr(schools, "load_yaml", on_disk)
        assert SchoolIndex.from_session(s, cache).find("who works with Zorblax?").found is None


@pytest.mark.parametrize("text,school", [
    ("Roosevelt High School", "Roosevelt"),                 # display name + type words
    ("ROOSEVELT HIGH SCHOOL", "Roosevelt"),                 # building name
    ("Hamilton International Middle School", "Hamilton Int'l"),  # Int'l / International
    ("hamilton int'l", "Hamilton Int'l"),
    ("Beacon Hill elementary", "Beacon Hill Int'l"),
    ("Beacon Hill Elem", "Beacon Hill Int'l"),
    ("Beacon Hill ES", "Beacon Hill Int'l"),
    ("Mercer MS", "Mercer Int'l"),
    ("Garfield HS", "Garfield"),
    ("Salmon Bay K-8", "Salmon Bay K-8"),
    ("salmon bay", "Salmon Bay K-8"),
    ("MLK", "Martin Luther King Jr"),
    ("TOPS", "TOPS K-8"),
    ("REMS", "Robert Eagle Staff"),
    ("Rainer Beach", "Rainier Beach"),                      # typos
    ("Whitmen", "Whitman"),
    ("Garfeild", "Garfield"),
    ("Louisa Boren", "Louisa Boren STEM"),
    ("Cleveland High", "Cleveland STEM"),
    ("Brighton elementary", "Martin Luther King Jr"),       # building name of another display name
    ("West Seattle Elementary", "West Seattle Elementary"),
    ("who works with Aki Kurose?", "Aki Kurose"),
])
def test_school_names_resolve(index, text: str, school: str) -> None:
    match = index.find(text)
    assert match.found is not None, (text, match)
    assert match.found.name == school


@pytest.mark.parametrize("text,expected", [
    ("Marshall", {"Thurgood Marshall", "Queen Anne (interim at John Marshall)"}),
    ("West Seattle", {"West Seattle Elementary", "West Seattle High"}),
    ("Wilson-Pacific", {"Cascadia", "Licton Springs K-8", "Robert Eagle Staff"}),
])
def test_ambiguous_names_are_not_guessed(index, text: str, expected: set[str]) -> None:
    match = index.find(text)
    assert match.ambiguous and {s.name for s in match.schools} == expected


@pytest.mark.parametrize("text", ["Washington State Patrol WATCH check", "how many partnerships", "Zzyzx Academy of Nothing"])
def test_non_school_text_finds_no_school(index, text: str) -> None:
    assert index.find(text).found is None


@pytest.fixture
def imported(harness):
    with harness.database.session() as s:
        report = import_partners(s, FIXTURES / "partners.csv")
    assert report.problems == [] and report.created == 8
    return harness


def test_lookup_lists_partners_newest_verified_first(imported) -> None:
    reply = imported.ask("Which partners serve Franklin High School?")
    assert reply.intent == "partners"
    assert reply.data["school"] == "Franklin" and reply.data["service"] is None
    names = [p["organisation"] for p in reply.data["partners"]]
    assert names == ["Harbor Health Partners", "Northwind Tutoring Alliance"]  # the ended one is left out
    assert reply.data["partners"][1]["services"] == ["STEM", "Tutoring and academic support"]
    assert "PSC" in reply.text and "MOU" in reply.text


def test_service_filter(imported) -> None:
    reply = imported.ask("tutoring partners at Franklin")
    assert reply.data["service"] == "Tutoring and academic support"
    assert [p["organisation"] for p in reply.data["partners"]] == ["Northwind Tutoring Alliance"]
    mental = imported.ask("any mental health partners at franklin?")
    assert [p["organisation"] for p in mental.data["partners"]] == ["Harbor Health Partners"]


def test_organisation_filter(imported) -> None:
    reply = imported.ask("Which schools does Northwind Tutoring Alliance serve?")
    assert reply.data["organisation"] == "Northwind Tutoring Alliance"
    assert sorted(p["school"] for p in reply.data["partners"]) == ["Aki Kurose", "Franklin"]
    typo = imported.ask("what schools does northwind tutoring aliance work at")
    assert typo.data["organisation"] == "Northwind Tutoring Alliance", typo.text
    terse = imported.ask("Northwind Tutoring Aliance schools?", session="terse")  # a typo inside a name said alone
    assert terse.intent == "partners" and terse.data["organisation"] == "Northwind Tutoring Alliance", terse.text


def test_a_name_with_a_typo_is_found_and_a_name_written_exactly_wins() -> None:
    from bot.text import alike

    assert alike("colective", "collective") and alike("aliance", "alliance")
    assert not alike("arts", "arks") and not alike("kolective", "collective")  # short words exact; first letter kept


def test_ambiguous_school_offers_buttons_and_button_answers(imported) -> None:
    reply = imported.ask("who works with Marshall?")
    assert reply.data["school"] is None and len(reply.buttons) == 2
    picked = imported.press(reply, label="Thurgood Marshall")
    assert picked.data["school"] == "Thurgood Marshall"


def test_a_schools_name_with_its_type_beats_a_building_of_that_name(harness) -> None:
    """"Van Asselt Elementary" is the school Van Asselt, not the VAN ASSELT ELEM building that houses
    Wing Luke and the Early Learning Center; a building name shared by no school's own name still counts."""
    for text in ("partners at Van Asselt elementary", "who works with van asselt elem"):
        assert harness.ask(text, session=text).data["school"] == "Van Asselt", text
    assert harness.ask("partners at West Seattle High School", session="ws").data["school"] == "West Seattle High"
    assert harness.ask("partners at west seattle hs", session="ws2").data["school"] == "West Seattle High"


def test_a_building_is_named_without_its_site_word(harness) -> None:
    """The COLMAN SITE houses Thurgood Marshall: staff say "Colman" or "the Colman building"."""
    for text in ("partners at the Colman building", "partners at Colman", "who works with the colman site"):
        assert harness.ask(text, session=text).data["school"] == "Thurgood Marshall", text


def test_unknown_school_suggests(imported) -> None:
    reply = imported.ask("partners at Lowel Elementry")
    assert reply.data["school"] == "Lowell"
    nothing = imported.ask("partners at Qqqqq Zzzzz")
    assert nothing.data["school"] is None and "couldn't find a school" in nothing.text
    close = imported.ask("partners at Bryent", session="close")
    assert close.data["school"] is None and close.data["suggestions"][0] == "Bryant"
    assert [b.label for b in close.buttons][0] == "Bryant" and "Did you mean" in close.text
    for name in ("Hogwarts", "Springfield Elementary", "Sunnyvale"):  # nothing like a district school
        made_up = imported.ask(f"partners at {name}", session=name)
        assert made_up.data["suggestions"] == [] and "Did you mean" not in made_up.text, name


def test_asks_which_school_then_uses_the_answer(imported) -> None:
    ask = imported.ask("which partners serve my school?")
    assert ask.data["asking"] == "school"
    reply = imported.ask("Lowell")
    assert reply.data["school"] == "Lowell" and reply.data["partners"][0]["organisation"] == "Sound Mentors Collective"


def test_paging_with_more(harness, tmp_path: Path) -> None:
    rows = ["organization,school,services,school_year,agreement_type,status,contact_email,website,last_verified"]
    rows += [f"Org {i:02d},Lowell,arts,2026-27,mou,active,,,2026-10-{i + 1:02d}" for i in range(12)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows))
    with harness.database.session() as s:
        import_partners(s, path)
    first = harness.ask("partners at Lowell")
    assert first.data["total"] == 12 and len(first.data["partners"]) == 8
    assert first.data["partners"][0]["organisation"] == "Org 11"
    second = harness.press(first, label="More")
    assert [p["organisation"] for p in second.data["partners"]] == ["Org 03", "Org 02", "Org 01", "Org 00"]


def test_distribution_questions(imported) -> None:
    none = imported.ask("which schools have no mentoring partner?")
    rows = {r["school"] for r in none.data["distribution"]["rows"]}
    assert none.data["distribution"]["kind"] == "schools_without"
    assert "Lowell" not in rows and "Hamilton Int'l" not in rows and "Franklin" in rows
    region = imported.ask("how many partnerships per region?")
    by_region = {r["region"]: r["partnerships"] for r in region.data["distribution"]["rows"]}
    assert by_region["Southeast"] == 5  # Franklin x2, Aki Kurose, Rainier Beach, Beacon Hill
    fewest = imported.ask("schools with the fewest partners")
    assert fewest.data["distribution"]["kind"] == "fewest_partners"
    top = imported.ask("top services across the district")
    assert top.data["distribution"]["rows"][0]["partnerships"] >= 2


def test_import_validates_every_row(harness, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "organization,school,services,school_year,agreement_type,status,contact_email,website,last_verified\n"
        "Good Org,Lowell,arts,2026-27,mou,active,,,2026-10-01\n"
        "Bad School Org,Lowel Elementry School X,arts,2026-27,mou,active,,,\n"
        "Bad Date Org,Lowell,arts,2026-27,mou,active,,,31/12/2026\n"
        "Bad Service Org,Lowell,juggling,2026-27,mou,active,,,\n"
        "Good Org,Lowell,arts,2026-27,mou,active,,,2026-10-01\n"
    )
    with harness.database.session() as s:
        report = import_partners(s, path)
    messages = {p.line: p.message for p in report.problems}
    assert report.created == 1
    assert "unknown school" in messages[3] and "did you mean" in messages[3]
    assert "last_verified" in messages[4]
    assert "unknown service 'juggling'" in messages[5]
    assert "duplicate of line 2" in messages[6]


def test_strict_import_imports_nothing(harness, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "organization,school,services,school_year,agreement_type,status\n"
        "Good Org,Lowell,arts,2026-27,mou,active\n"
        "Bad Org,Nowhere,arts,2026-27,mou,active\n"
    )
    with harness.database.session() as s:
        report = import_partners(s, path, strict=True)
        assert not report.committed and report.created == 0
    with harness.database.session() as s:
        assert s.scalar(select(func.count()).select_from(Partnership)) == 0


def test_import_reads_bom_and_latin1(harness, tmp_path: Path) -> None:
    header = "organization,school,services,school_year,agreement_type,status\n"
    (tmp_path / "bom.csv").write_bytes(("\ufeff" + header + "Café Arts,Lowell,arts,2026-27,mou,active\n").encode("utf-8"))
    (tmp_path / "latin.csv").write_bytes((header + "Niños Unidos,Lowell,mentoring,2026-27,mou,active\n").encode("latin-1"))
    with harness.database.session() as s:
        assert import_partners(s, tmp_path / "bom.csv").created == 1
        latin = import_partners(s, tmp_path / "latin.csv")
        assert latin.created == 1 and "not UTF-8" in latin.warnings[0]
    with harness.database.session() as s:
        assert set(s.scalars(select(Organisation.name))) == {"Café Arts", "Niños Unidos"}


def test_import_missing_columns_is_a_file_error(harness, tmp_path: Path) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("organization,school\nX,Lowell\n")
    with harness.database.session() as s, pytest.raises(ImportFileError, match="missing column"):
        import_partners(s, path)


def test_reimport_with_changes_updates(harness, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("organization,school,services,school_year,agreement_type,status\nA,Lowell,arts,2026-27,mou,active\n")
    with harness.database.session() as s:
        import_partners(s, path)
    path.write_text("organization,school,services,school_year,agreement_type,status\nA,Lowell,arts;stem,2026-27,psc,active\n")
    with harness.database.session() as s:
        report = import_partners(s, path)
        assert (report.created, report.updated) == (0, 1)
    with harness.database.session() as s:
        p = s.scalars(select(Partnership)).one()
        assert p.agreement_type == "personal_services_contract"
        assert sorted(s.scalars(select(PartnershipService.service))) == ["arts", "stem"]


def test_sample_data_is_marked_in_replies(sqlite_url, notifier) -> None:
    from bot.db import Database
    from bot.seed import seed_database
    from tests.conftest import FROZEN_NOW, Harness, make_settings

    database = Database.connect(sqlite_url)
    with database.session() as s:
        seed_database(s, load_samples=True)
    database.dispose()
    h = Harness(make_settings(sqlite_url), notifier, FROZEN_NOW)
    try:
        reply = h.ask("which schools have no tutoring partner")
        assert reply.footer and "Sample data" in reply.footer
    finally:
        h.close()


def test_import_schools_upserts_and_derives_region(harness, tmp_path: Path) -> None:
    from bot.directory.importer import import_schools
    from bot.models import School

    path = tmp_path / "schools.csv"
    path.write_text("name,building,type,grades,address,zip\n"
                    "Lowell,LOWELL ELEM,Elementary,K-5,1058 E Mercer St.,98102\n"
                    "New Horizons,NEW BLDG,Elementary,K-5,1 Main St,98118\n"
                    ",X,Elementary,K-5,,98118\n")
    with harness.database.session() as s:
        report = import_schools(s, path)
        assert (report.created, report.updated, report.unchanged, len(report.problems)) == (1, 0, 1, 1)
    with harness.database.session() as s:
        new = s.scalars(select(School).where(School.name == "New Horizons")).one()
        assert new.region == "Southeast"
        assert s.scalars(select(School).where(School.name == "Lowell")).one().latitude is not None  # kept
    assert harness.ask("partners at New Horizons").data["school"] == "New Horizons"


def test_only_this_school_years_partnerships_are_current(harness, tmp_path: Path) -> None:
    path = tmp_path / "years.csv"
    path.write_text("organization,school,services,school_year,agreement_type,status\n"
                    "Old Org,Garfield,arts,2019-20,mou,active\n"
                    "Future Org,Garfield,arts,2030-31,mou,active\n"
                    "Pending Org,Garfield,arts,2026-27,mou,pending\n"
                    "Current Org,Garfield,arts,2026-27,mou,active\n")
    with harness.database.session() as s:
        import_partners(s, path)
    reply = harness.ask("partners at Garfield")
    assert sorted(p["organisation"] for p in reply.data["partners"]) == ["Current Org", "Pending Org"]
    assert "Pending Org* (pending)" in reply.text and "in 2026-27" in reply.text


def test_school_name_words_are_not_service_filters(harness, tmp_path: Path) -> None:
    path = tmp_path / "stem.csv"
    path.write_text("organization,school,services,school_year,agreement_type,status\n"
                    "Robotics Club,Cleveland STEM,sports,2026-27,mou,active\n"
                    "Chess Club,Louisa Boren STEM,arts,2026-27,mou,active\n"
                    "Maker Lab,Garfield,stem,2026-27,mou,active\n"
                    "Choir Friends,Garfield,arts,2026-27,mou,active\n")
    with harness.database.session() as s:
        import_partners(s, path)
    reply = harness.ask("partners at Cleveland STEM")
    assert reply.data["school"] == "Cleveland STEM" and reply.data["service"] is None
    assert [p["organisation"] for p in reply.data["partners"]] == ["Robotics Club"]
    assert "STEM partners" in harness.ask("which schools have STEM partners?").text
    # said shorter than the full name ("Boren" is Louisa Boren STEM), the rest of the name is still the name
    for text in ("partners at Boren STEM", "who works with boren stem k-8"):
        reply = harness.ask(text, session=text)
        assert reply.data["school"] == "Louisa Boren STEM" and reply.data["service"] is None, text
        assert [p["organisation"] for p in reply.data["partners"]] == ["Chess Club"], text
    # ... but where the school's name has no such word, it is the service asked for
    reply = harness.ask("Garfield STEM partners", session="garfield")
    assert reply.data["school"] == "Garfield" and reply.data["service"] == "STEM"
    assert [p["organisation"] for p in reply.data["partners"]] == ["Maker Lab"]


def test_an_organisation_named_anywhere_is_looked_up(imported) -> None:
    for text in ("Northwind Tutoring Alliance", "where does Northwind Tutoring Alliance work?",
                 "is Northwind Tutoring Alliance a partner?", "who works with Sound Mentors Collective?"):
        reply = imported.ask(text)
        assert reply.intent == "partners", (text, reply.intent)
        assert reply.data["organisation"] in ("Northwind Tutoring Alliance", "Sound Mentors Collective"), text
    assert imported.ask("who works with Sound Mentors Collective?").data["service"] is None


def test_of_two_services_named_the_first_wins_in_every_process() -> None:
    """Equally long synonyms ("tutoring", "STEM") tie: the one said first wins, whatever the
    process's hash seed (a set's order once decided it: a flaky answer to the same question)."""
    import os
    import subprocess
    import sys

    code = ("from bot.directory.vocab import find_service; from bot.text import stem; "
            "print(find_service(tuple(stem(w) for w in 'who does tutoring at boren stem'.split())).code, "
            "find_service(tuple(stem(w) for w in 'stem and tutoring partners'.split())).code)")
    for seed in ("1", "3", "4", "7"):
        done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                              capture_output=True, text=True, check=True)
        assert done.stdout.split() == ["tutoring", "stem"], (seed, done.stdout)


def test_a_ranking_of_services_is_not_a_ranking_of_schools(harness) -> None:  # type: ignore[no-untyped-def]
    services = harness.ask("what services do our partners offer the most?")
    assert services.data["distribution"]["kind"] == "top_services"
    schools = harness.ask("which schools have the most partners?", session="s-2")
    assert schools.data["distribution"]["kind"] == "most_partners"


def test_a_file_separated_by_semicolons_is_read_with_a_warning(harness, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from bot.directory.importer import import_partners

    path = tmp_path / "semi.csv"
    path.write_text("organization;school;services;school_year;agreement_type;status\n"
                    "Harbor Tutors, Inc.;Garfield;tutoring;2026-27;mou;active\n")
    with harness.database.session() as session:
        report = import_partners(session, path)
    assert report.problems == [] and report.created == 1
    assert report.warnings[0] == "the columns are separated by semicolons; the file was read that way"
    comma = tmp_path / "comma.csv"
    comma.write_text('organization,school,services,school_year,agreement_type,status\n'
                     '"Lake; River Club",Franklin,tutoring,2026-27,mou,active\n')
    with harness.database.session() as session:
        plain = import_partners(session, comma)
    assert plain.problems == [] and plain.created == 1
    assert not [w for w in plain.warnings if "separated" in w]


@pytest.mark.parametrize("text, service", [("What after-school sports programs are at Garfield?", "Sports and recreation"),
                                           ("after school tutoring at Garfield", "Tutoring and academic support"),
                                           ("after-school programs at Garfield", "Expanded learning and after school"),
                                           ("after school programs for families at Garfield",
                                            "Expanded learning and after school"),
                                           ("tutoring programs at Garfield that run after school",
                                            "Tutoring and academic support")])
def test_after_school_says_when_and_the_other_word_says_what(harness, text: str, service: str) -> None:
    assert harness.ask(text, session=text).data["service"] == service


def test_an_organisation_the_database_lacks_is_said_to_be_missing(harness) -> None:
    for text in ("Where is City Year placed this year, which schools?", "which schools does City Year serve?"):
        reply = harness.ask(text, session=text)
        assert reply.intent == "partners" and reply.data["unknown_organisation"] == "City Year", text
        assert "I don't know an organisation called \"City Year\": it isn't in the partnership database" in reply.text
    for text in ("where do our partners work", "which schools do the tutoring partners serve",
                 "where do I find partners that work in the Southeast", "which schools does the district serve",
                 "which schools do PTSA-funded partners serve"):
        assert "unknown_organisation" not in harness.ask(text, session=text).data, text


def test_staff_phrasings_of_a_lookup(harness) -> None:
    short = harness.ask("homework help partners at Aki", session="aki")
    assert (short.intent, short.data["school"], short.data["service"]) == ("partners", "Aki Kurose",
                                                                           "Tutoring and academic support")
    which = harness.ask("Can you look up the community partners for my school?", session="mine")
    assert which.intent == "partners" and which.data["asking"] == "school"
    told = harness.ask("Our family engagement coordinator wants to know who provides family support at Concord.",
                       session="concord")
    assert (told.intent, told.data["school"], told.data["service"]) == ("partners", "Concord Int'l", "Family support")


def test_one_region_of_a_by_region_answer_is_shown_by_school(imported) -> None:
    imported.ask("how many partnerships per region?")
    southeast = imported.ask("just the Southeast ones")
    assert southeast.data["distribution"]["kind"] == "by_school" and southeast.data["region"] == "Southeast"
    by_school = {r["school"]: r["partnerships"] for r in southeast.data["distribution"]["rows"]}
    assert by_school["Franklin"] == 2 and by_school["Aki Kurose"] == 1 and sum(by_school.values()) == 5
    assert southeast.table is not None and southeast.table.header == ("School", "Partnerships")


def test_a_partners_file_without_paperwork_columns_says_what_will_show_as_missing(sqlite_url: str) -> None:
    from bot.db import Database
    from bot.directory.importer import import_partners
    from bot.seed import prepare

    database = Database.connect(sqlite_url)
    prepare(database, load_samples=False)
    try:
        with database.session() as session:
            report = import_partners(session, rows=[{"organization": "Clay Studio", "school": "Garfield",
                                                     "services": "arts", "school_year": "2026-27",
                                                     "agreement_type": "mou", "status": "active",
                                                     "agreement_signed": "2026-08-01"}])
        [warning] = report.warnings
        assert warning.startswith("the file has no insurance_expires, background_check_date, principal_approved, "
                                  "outcomes columns") and "marking it as not tracked" in warning
        assert "agreement_signed" not in warning and "dsa_needed" not in warning  # absent, it misses nothing
    finally:
        database.dispose()
