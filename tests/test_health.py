"""Partnership health: the CSV columns, the rules, and the chat questions, against a
real SQLite file with a known set of partnerships (tests/fixtures/partners_health.csv),
on Tue 2026-12-01 (school year 2026-27)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from bot.core import Reply
from bot.directory import health
from bot.directory.importer import import_partners
from bot.directory.sample import generate
from bot.models import Partnership, TrainingSession
from bot.db import Database
from bot.seed import prepare
from bot.trainings.announce import break_on
from bot.trainings.sample import add_sample_calendar
from tests.conftest import FIXTURES, Harness

TODAY = dt.date(2026, 12, 1)
HEADER = ("organization,school,services,school_year,agreement_type,status,agreement_signed,agreement_expires,"
          "dsa_needed,dsa_school_year,insurance_expires,background_check_date,principal_approved,outcomes")


@pytest.fixture
def h(harness: Harness) -> Iterator[Harness]:
    with harness.database.session() as session:
        report = import_partners(session, FIXTURES / "partners_health.csv")
        assert not report.problems, report.problems
    yield harness


def _csv(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "p.csv"
    path.write_text("\n".join((HEADER, *rows)) + "\n")
    return path


# -- the CSV columns -----------------------------------------------------------------------------------

def test_the_new_columns_are_imported(h: Harness) -> None:
    with h.database.session() as session:
        rows = {(p.organisation.name, p.school.name): p for p in session.scalars(select(Partnership))}
    alpha = rows[("Alpha Tutoring Collective", "Garfield")]
    assert (alpha.agreement_signed, alpha.dsa_needed, alpha.dsa_school_year, alpha.insurance_expires,
            alpha.background_checked, alpha.principal_approved, alpha.outcomes) == (
        dt.date(2026, 8, 20), True, "2026-27", dt.date(2027, 6, 30), dt.date(2026, 9, 1), dt.date(2026, 8, 25),
        "Raise reading one level")
    beta = rows[("Beta Mentors Alliance", "Garfield")]
    assert (beta.dsa_needed, beta.dsa_school_year, beta.principal_approved, beta.outcomes) == (True, None, None, None)
    # from when each needs attention: 60 days before the insurance ends; at once (things are missing)
    assert (alpha.attention_from, beta.attention_from) == (dt.date(2027, 5, 1), dt.date.min)


def test_bad_dates_and_unknown_values_are_reported_per_row(harness: Harness, tmp_path: Path) -> None:
    path = _csv(tmp_path,
                "Ok Org,Garfield,Tutoring,2026-27,mou,active,2026-08-01,,no,,,2026-09-01,2026-08-01,x",
                "Bad Date Org,Garfield,Tutoring,2026-27,mou,active,2026-13-01,,no,,,,,",
                "Maybe Org,Garfield,Tutoring,2026-27,mou,active,,,maybe,,,,,",
                "Year Org,Garfield,Tutoring,2026-27,mou,active,,,yes,2026-28,,,,",
                "Backwards Org,Garfield,Tutoring,2026-27,mou,active,2026-09-01,2026-08-01,,,,,,",
                "Future Org,Garfield,Tutoring,2026-27,mou,active,,,,,,2099-01-01,,")
    with harness.database.session() as session:
        report = import_partners(session, path)
    problems = {p.line: p.message for p in report.problems}
    assert sorted(problems) == [3, 4, 5, 6, 7] and report.created == 1
    assert "agreement_signed '2026-13-01' is not a date" in problems[3]
    assert "dsa_needed 'maybe' is not yes or no" in problems[4]
    assert "dsa_school_year '2026-28' is not a school year" in problems[5]
    assert "agreement_expires is before agreement_signed" in problems[6]
    assert "background_check_date 2099-01-01 is in the future" in problems[7]


def test_importing_again_changes_nothing_and_a_file_without_the_columns_keeps_them(h: Harness, tmp_path: Path) -> None:
    with h.database.session() as session:
        again = import_partners(session, FIXTURES / "partners_health.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 6)
    plain = tmp_path / "plain.csv"
    plain.write_text("organization,school,services,school_year,agreement_type,status\n"
                     "Alpha Tutoring Collective,Garfield,Tutoring,2026-27,psc,active\n")
    with h.database.session() as session:
        import_partners(session, plain)
        alpha = session.scalars(select(Partnership).where(Partnership.insurance_expires.is_not(None))).first()
        assert alpha is not None and alpha.insurance_expires == dt.date(2027, 6, 30)
    cleared = _csv(tmp_path, "Alpha Tutoring Collective,Garfield,Tutoring,2026-27,psc,active,2026-08-20,,yes,2026-27,,"
                             "2026-09-01,2026-08-25,Raise reading one level")
    with h.database.session() as session:
        assert import_partners(session, cleared).updated == 1
    with h.database.session() as session:
        assert session.scalars(select(Partnership.insurance_expires).join(Partnership.school)
                               .where(Partnership.agreement_signed == dt.date(2026, 8, 20))).all().count(None) == 1


# -- the rules ---------------------------------------------------------------------------------------

def _states(on_file: health.OnFile) -> dict[str, str]:
    return {i.what: i.state for i in health.assess(on_file, TODAY)}


def test_each_item_is_current_expiring_expired_missing_or_not_needed() -> None:
    full = health.OnFile("personal_services_contract", "2026-27", dt.date(2026, 8, 1), None, True, "2026-27",
                         dt.date(2027, 6, 1), dt.date(2026, 9, 1), dt.date(2026, 8, 2), "outcomes")
    assert set(_states(full).values()) == {"current"}
    assert _states(health.OnFile("mou", "2026-27")) == {
        "agreement": "missing", "dsa": "not_needed", "insurance": "not_needed", "background_check": "missing",
        "principal_approval": "missing", "outcomes": "missing"}
    soon = health.OnFile("personal_services_contract", "2026-27", dt.date(2026, 8, 1), dt.date(2027, 1, 10), True,
                         "2025-26", dt.date(2026, 11, 30), dt.date(2025, 12, 20), dt.date(2026, 8, 2), "x")
    states = _states(soon)
    assert (states["agreement"], states["dsa"], states["insurance"], states["background_check"]) == (
        "expiring", "expired", "expired", "expiring")
    assert health.needs_dsa_for(full, "2027-28") and not health.needs_dsa_for(full, "2026-27")


# -- in chat -------------------------------------------------------------------------------------------

def _rows(reply: Reply) -> dict[str, list[str]]:
    return {f"{r['organisation']}@{r['school']}": [f"{i['what']}:{i['state']}" for i in r["items"]]
            for r in reply.data["rows"]}


def test_whats_missing_for_partners_at_a_school(h: Harness) -> None:
    reply = h.ask("what's missing for our partners at Garfield?")
    assert reply.intent == "partners" and reply.data["kind"] == "health" and reply.data["school"] == "Garfield"
    assert _rows(reply) == {
        "Beta Mentors Alliance@Garfield": ["dsa:missing", "background_check:expired", "principal_approval:missing",
                                          "outcomes:missing"],
        "Gamma Arts Project@Garfield": ["agreement:missing", "insurance:expiring", "background_check:expiring"],
    }
    assert "What to do next" in reply.text and "which agreement applies" in reply.text
    assert [b.label for b in reply.buttons] == ["Which agreement applies?", "Ask the department"]


def test_which_partners_need_a_new_dsa_for_next_year(h: Harness) -> None:
    reply = h.ask("which partners need a new DSA for next year?")
    assert reply.data["next_year"] == "2027-28"
    assert sorted(_rows(reply)) == ["Alpha Tutoring Collective@Franklin", "Alpha Tutoring Collective@Garfield",
                                    "Beta Mentors Alliance@Garfield", "Epsilon Readers Network@Lowell"]
    assert "from 2027-06-01" in reply.text
    # Beta has no DSA even for this year: listed first, and said so
    assert reply.text.splitlines()[1] == "• *Beta Mentors Alliance* at Garfield: no DSA on file even for 2026-27"
    named = h.ask("who still needs a data sharing agreement for 2027-28?", session="s-2")
    assert named.data.get("next_year") == "2027-28" and len(named.data["rows"]) == 4


def test_is_an_organisations_insurance_current(h: Harness) -> None:
    yes = h.ask("is Alpha Tutoring Collective's insurance current?")
    assert yes.data["organisation"] == "Alpha Tutoring Collective" and yes.data["rows"] == []
    assert yes.text.startswith("Yes: Alpha Tutoring Collective's insurance certificate is current (until 2027-03-01)")
    soon = h.ask("is the insurance certificate for Gamma Arts Project still valid", session="s-2")
    assert _rows(soon) == {"Gamma Arts Project@Garfield": ["insurance:expiring"]}
    assert soon.text.startswith("Yes, but not for long: 1 of 1 paid (PSC) partnership of *Gamma Arts Project*")
    unpaid = h.ask("does Beta Mentors Alliance have insurance on file", session="s-3")
    assert "only when the school or district pays" in unpaid.text


def test_which_schools_have_partners_without_an_agreement(h: Harness) -> None:
    reply = h.ask("which schools have partners without an agreement?")
    assert reply.data["schools"] == [{"school": "Franklin", "partnerships": 1}, {"school": "Garfield", "partnerships": 1}]


def test_compliance_by_region(h: Harness) -> None:
    reply = h.ask("compliance by region")
    rows = {r["region"]: r for r in reply.data["distribution"]["rows"]}
    assert reply.data["distribution"]["kind"] == "compliance_by_region" and reply.table is not None
    central = rows["Central"]  # Garfield and Lowell
    assert (central["partnerships"], central["complete"], central["agreement"], central["dsa"]) == (4, 2, 1, 1)


def test_partner_lookups_show_each_partners_status(h: Harness) -> None:
    reply = h.ask("partners at Garfield")
    lines = {p["organisation"]: p["paperwork"] for p in reply.data["partners"]}
    assert lines["Alpha Tutoring Collective"] == []
    assert lines["Gamma Arts Project"] == ["agreement missing", "insurance certificate expires 2026-12-20",
                                           "background check expires 2027-01-15"]
    assert "Alpha Tutoring Collective*: Tutoring and academic support · PSC · all on file" in reply.text


# -- sample data -------------------------------------------------------------------------------------------

def test_sample_data_shows_every_state_and_answers_the_readme_examples(sqlite_url: str, notifier) -> None:  # type: ignore[no-untyped-def]
    rows = generate([f"School {n}" for n in range(40)] + ["Rainier Beach", "Garfield", "Franklin", "Lowell"],
                    600, 90, today=TODAY)
    states = set()
    for row in rows:
        values, errors = health.parse_columns(row, TODAY)
        assert not errors
        on_file = health.OnFile(row["agreement_type"] if row["agreement_type"] != "psc" else "personal_services_contract",
                                row["school_year"], **values)
        states |= {(i.what, i.state) for i in health.assess(on_file, TODAY)}
    every = {(what, state) for what in ("agreement", "insurance", "background_check")
             for state in ("current", "missing", "expiring", "expired")}
    every |= {("dsa", "current"), ("dsa", "missing"), ("dsa", "expired"), ("dsa", "not_needed"),
              ("principal_approval", "missing"), ("outcomes", "missing")}  # a DSA expires only in July
    assert every <= states, every - states
    from bot.seed import seed_database
    from tests.conftest import make_settings
    harness = Harness(make_settings(sqlite_url), notifier, dt.datetime(2026, 12, 1, 17, tzinfo=dt.timezone.utc))
    with harness.database.session() as session:
        seed_database(session, load_samples=True)
    tutoring = harness.ask("tutoring partners at Rainier Beach")
    assert tutoring.data["school"] == "Rainier Beach" and tutoring.data["total"] >= 1
    garfield = harness.ask("what's missing for our partners at Garfield?", session="g")
    assert garfield.data["rows"] and "Sample data" in (garfield.footer or "")
    harness.close()


def test_sample_trainings_never_fall_on_a_weekend_or_a_break(harness: Harness) -> None:
    saturday_before_christmas = dt.date(2026, 12, 19)
    with harness.database.session() as session:
        add_sample_calendar(session, today=saturday_before_christmas)
    with harness.database.session() as session:
        days = [t.starts_at.date() for t in session.scalars(select(TrainingSession))]
    assert days and all(d.weekday() < 5 and break_on(d) is None for d in days), days


def test_upgrading_to_0008_fills_each_items_attention_date_from_what_is_on_file(any_db_url: str) -> None:
    """A database at 0007 with paperwork on file: the upgrade (`partnerbot db upgrade`, or a start on
    SQLite) stores, per item, from when it needs attention, as the importer computes it."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from bot.db import alembic_config

    engine = create_engine(any_db_url)
    with engine.begin() as conn:  # start from an empty database (the template is at head)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    with engine.begin() as conn:
        for table in reversed(__import__("bot.models", fromlist=["Base"]).Base.metadata.sorted_tables):
            conn.execute(text(f"DROP TABLE IF EXISTS {table.name}" + (" CASCADE" if engine.dialect.name == "postgresql" else "")))
    config = alembic_config(engine)
    command.upgrade(config, "0007")
    with engine.begin() as conn:
        _insert(conn, "school", id=1, name="Garfield")
        _insert(conn, "organisation", id=1, name="Beta")
        _insert(conn, "partnership", id=1, organisation_id=1, school_id=1, school_year="2026-27",
                agreement_type="personal_services_contract", status="active", agreement_signed=dt.date(2026, 9, 1),
                insurance_expires=dt.date(2027, 3, 1), dsa_needed=False, background_checked=dt.date(2026, 9, 15),
                outcomes="Raise reading", attention_from=dt.date.min)
    prepare(Database.connect(any_db_url), load_samples=False, auto_migrate=True)  # as `partnerbot db upgrade`
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT attention_agreement, attention_dsa, attention_insurance, "
                                   "attention_background_check, attention_principal_approval, attention_outcomes "
                                   "FROM partnership")).one()
    as_dates = [value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value) for value in stored]
    expected = health.attention_columns(health.OnFile(
        "personal_services_contract", "2026-27", dt.date(2026, 9, 1), None, False, None, dt.date(2027, 3, 1),
        dt.date(2026, 9, 15), None, "Raise reading"))
    assert as_dates == [expected[f"attention_{what}"] for what in health.NAMES]
    assert as_dates[2] == dt.date(2026, 12, 31) and as_dates[4] == dt.date.min and as_dates[1] is None
    engine.dispose()


def _insert(conn, table: str, **values: object) -> None:  # type: ignore[no-untyped-def]
    """A row in a table as an older revision has it (reflected), its other required columns filled."""
    import sqlalchemy as sa

    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    for column in reflected.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.types.NullType) else str
        values[column.name] = {str: "", bool: False, int: 0, float: 0.0}.get(
            kind, dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc))
    conn.execute(reflected.insert().values(**values))


def test_a_question_about_one_item_counts_and_lists_only_partnerships_missing_it(h: Harness) -> None:
    """At Garfield both Beta and Gamma need attention, but only Beta lacks the principal's approval."""
    reply = h.ask("which partners at Garfield are missing principal approval?")
    assert reply.data["focus"] == "principal_approval"
    assert _rows(reply) == {"Beta Mentors Alliance@Garfield": ["principal_approval:missing"]}
    assert reply.data["found"] == 1 and reply.text.startswith("1 of 3 partnerships at *Garfield* needs attention")


def test_a_school_with_more_to_do_than_is_shown_counts_them_all(h: Harness, tmp_path: Path) -> None:
    """Beyond the first SHOWN partnerships the answer counts the rest, and names the next step of
    every item any of them lacks (not only of those shown)."""
    from handlers.health import SHOWN

    rows = ["organization,school,services,school_year,agreement_type,status,last_verified,agreement_signed,dsa_needed,"
            "background_check_date,principal_approved,outcomes"]
    rows += [f"Org {n:02d},Lowell,Tutoring,2026-27,mou,active,2026-10-01,2026-08-01,no,2026-09-01,2026-08-01,"
             for n in range(SHOWN + 5)]  # no measurable outcomes
    # its background check runs out in December: less urgent than anything missing, so not among those shown
    rows.append("Org 99,Lowell,Tutoring,2026-27,mou,active,2026-10-01,2026-08-01,no,2025-12-20,2026-08-01,Reading")
    path = tmp_path / "many.csv"
    path.write_text("\n".join(rows) + "\n")
    with h.database.session() as session:
        assert not import_partners(session, path).problems
    reply = h.ask("what's missing for our partners at Lowell?")
    assert reply.data["found"] == SHOWN + 6 and len(reply.data["rows"]) == SHOWN
    assert reply.text.startswith(f"{SHOWN + 6} of {SHOWN + 7} partnerships at *Lowell* need attention")
    assert "…and 6 more." in reply.text
    assert "Org 99" not in reply.text
    assert "• background check: the partner" in reply.text and "• measurable outcomes: record" in reply.text


def test_an_organisation_named_like_a_school_is_the_organisation(harness: Harness, tmp_path: Path) -> None:
    """"Cascade Arts Partners" contains the school name "Cascade": the organisation's exact name wins
    over a school read inside it; a school named elsewhere in the message still counts."""
    path = tmp_path / "cascade.csv"
    path.write_text(
        "organization,school,services,school_year,agreement_type,status,last_verified,agreement_signed,"
        "insurance_expires,background_check_date,principal_approved,outcomes\n"
        "Cascade Arts Partners,Garfield,arts,2026-27,psc,active,2026-10-01,2026-08-01,2027-09-01,2026-09-01,2026-08-01,Shows\n"
        "Cascade Arts Partners,Alki,arts,2026-27,psc,active,2026-10-01,2026-08-01,2026-10-20,2026-09-01,2026-08-01,Shows\n"
        "Other Org,Cascade PPP,tutoring,2026-27,mou,active,2026-10-01,2026-08-01,,2026-09-01,2026-08-01,Shows\n")
    with harness.database.session() as session:
        assert not import_partners(session, path).problems
    for n, text in enumerate(("is the insurance for Cascade Arts Partners ok?", "is Cascade Arts Partners insured?")):
        reply = harness.ask(text, session=f"c-{n}")
        assert (reply.data["kind"], reply.data["focus"]) == ("health", "insurance"), text
        assert (reply.data["organisation"], reply.data["school"]) == ("Cascade Arts Partners", None), text
    both = harness.ask("what's missing for Cascade Arts Partners at Alki?", session="c-3")
    assert (both.data["organisation"], both.data["school"]) == ("Cascade Arts Partners", "Alki")
    school = harness.ask("who works at cascade ppp", session="c-4")
    assert school.data["school"] == "Cascade PPP"


def test_partnership_health_is_the_paperwork_not_health_services(h: Harness) -> None:
    reply = h.ask("partnership health at Garfield")
    assert (reply.data["kind"], reply.data["school"], reply.data["checked"]) == ("health", "Garfield", 3)


def test_partnership_health_names_no_health_service(harness: Harness) -> None:
    from bot.directory.lookups import Directory

    with harness.database.session() as session:
        lookups = Directory().lookups(session)
        for text, named in (("partnership health at Garfield", False), ("health partners at Garfield", True)):
            service = harness.bot.classifier.understand(text, lookups).entities.service
            assert (service is not None) == named, (text, service)


def test_expired_or_expiring_narrows_a_one_item_question(h: Harness, tmp_path: Path) -> None:
    """At Garfield, Beta's background check has expired, Gamma's expires in 45 days and Zeta has none."""
    path = tmp_path / "zeta.csv"
    path.write_text("organization,school,services,school_year,agreement_type,status,last_verified,agreement_signed\n"
                    "Zeta Coaches,Garfield,mentoring,2026-27,mou,active,2026-10-01,2026-08-01\n")
    with h.database.session() as session:
        assert not import_partners(session, path).problems
    expired = h.ask("which partners at Garfield have expired background checks?")
    assert _rows(expired) == {"Beta Mentors Alliance@Garfield": ["background_check:expired"]}
    assert (expired.data["found"], expired.data["state"]) == (1, "expired")
    soon = h.ask("which partners at Garfield have background checks expiring soon?", session="s-2")
    assert _rows(soon) == {"Gamma Arts Project@Garfield": ["background_check:expiring"]}
    none = h.ask("expired insurance at Garfield", session="s-3")  # Gamma's is expiring, not expired
    assert none.data["found"] == 0
    assert none.text.startswith("None of the 2 paid partnerships at *Garfield* has an expired insurance certificate")


def test_a_short_follow_up_changes_one_thing_of_a_paperwork_answer(h: Harness) -> None:
    first = h.ask("what's missing for our partners at Garfield?")
    assert first.data["found"] == 2
    arts = h.ask("only the arts ones")  # Gamma is the arts partner at Garfield
    assert (arts.data["kind"], arts.data["school"]) == ("health", "Garfield")
    assert list(_rows(arts)) == ["Gamma Arts Project@Garfield"] and "(Arts)" in arts.text
    franklin = h.ask("and at Franklin?")  # still the arts ones: Franklin has none
    assert (franklin.data["school"], franklin.data["checked"]) == ("Franklin", 0)
    dsas = h.ask("what about Lowell's DSAs?")
    assert (dsas.data["school"], dsas.data["focus"]) == ("Lowell", "dsa")
    lookup = h.ask("tutoring partners at Lowell")  # a new question, not a follow-up
    assert lookup.data.get("kind") != "health" and lookup.data["school"] == "Lowell"


def test_a_paperwork_question_pointing_back_at_a_partner_list_keeps_its_school(h: Harness) -> None:
    listed = h.ask("partners at Garfield")
    assert listed.data.get("kind") != "health" and listed.data["school"] == "Garfield"
    missing = h.ask("which are missing paperwork?")
    assert (missing.data["kind"], missing.data["school"]) == ("health", "Garfield")
    assert set(_rows(missing)) == {"Beta Mentors Alliance@Garfield", "Gamma Arts Project@Garfield"}
    assert "from your last question" in missing.text
    district = h.ask("which partnerships across the district are missing paperwork?")  # a question of its own
    assert district.data.get("school") is None


def test_narrowing_a_partner_list_to_a_state_answers_that_lists_paperwork_in_that_state(h: Harness) -> None:
    h.ask("partners at Garfield")
    expired = h.ask("only the expired ones")
    assert (expired.data["kind"], expired.data["school"], expired.data["state"]) == ("health", "Garfield", "expired")
    assert _rows(expired) == {"Beta Mentors Alliance@Garfield": ["background_check:expired"]}
    assert "from your last question" in expired.text
    h.ask("partners at Garfield", session="s-2")
    assert h.ask("only the tutoring ones", session="s-2").data.get("kind") != "health"  # a service: the partners' own


def test_whats_expired_at_a_school_lists_only_expired_items(h: Harness) -> None:
    """At Garfield only Beta's background check has expired (Gamma's insurance is expiring, its agreement missing)."""
    reply = h.ask("what's expired for our partners at Garfield?")
    assert (reply.data["focus"], reply.data["state"], reply.data["found"]) == (None, "expired", 1)
    assert _rows(reply) == {"Beta Mentors Alliance@Garfield": ["background_check:expired"]}
    soon = h.ask("what's expiring soon for our partners at Garfield?", session="s-2")
    assert _rows(soon) == {"Gamma Arts Project@Garfield": ["insurance:expiring", "background_check:expiring"]}
