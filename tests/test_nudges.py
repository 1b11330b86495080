"""School contacts and paperwork nudges: the contacts import (with Slack's
users.lookupByEmail on the fake Web API), nudges once per item and threshold across two
clocks (SQLite and PostgreSQL), none on a break day, and snooze / renewal in progress."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Iterator

import pytest
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot.core import Message
from bot.directory.contacts import import_contacts
from bot.directory.importer import import_partners
from bot.models import NudgeSent, SchoolContact, Ticket
from bot.notify import RecordingNotifier
from bot.platforms.slack.names import email_lookup
from bot.scheduler import Clock
from tests.conftest import FIXTURES, Harness, make_settings
from tests.fakes import FakeSlack, ServerThread

TUESDAY = dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.timezone.utc)  # 09:00 in Seattle, a school day
CONTACTS = ("school,role,slack,teams,name\n"
            "Garfield,principal,U0PRINCIPAL,,Pat Principal\n"
            "Garfield,partnership lead,lead@district.example,,Lee Lead\n")


def _with_partners(h: Harness) -> None:
    with h.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems


def _contacts(h: Harness, tmp_path: Path, text: str = CONTACTS, lookup=None):  # type: ignore[no-untyped-def]
    path = tmp_path / "contacts.csv"
    path.write_text(text)
    with h.database.session() as session:
        return import_contacts(session, path, resolvers={"slack": lookup or (lambda email: "U0LEAD")})


def _digests(notifier: RecordingNotifier) -> list:  # type: ignore[type-arg]
    return [post for post, _ in notifier.sent if post.kind == "nudge.digest"]


# -- the contacts import ---------------------------------------------------------------------------------

def test_contacts_import_resolves_slack_emails_through_users_lookup_by_email(harness: Harness, tmp_path: Path) -> None:
    slack = FakeSlack(users_by_email={"lead@district.example": "U0LEAD"})
    with ServerThread(slack.app()) as server:
        lookup = email_lookup(WebClient(token="xoxb-test", base_url=f"{server.url}/api/"))
        report = _contacts(harness, tmp_path, lookup=lookup)
        again = _contacts(harness, tmp_path, lookup=lookup)
    assert (report.created, report.problems) == (2, [])
    assert [c["email"] for c in slack.named("users.lookupByEmail")] == ["lead@district.example"] * 2
    with harness.database.session() as session:
        found = {(c.role, c.slack_user, c.name) for c in session.scalars(select(SchoolContact))}
    assert found == {("principal", "U0PRINCIPAL", "Pat Principal"), ("partnership_lead", "U0LEAD", "Lee Lead")}
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    unreachable = email_lookup(WebClient(token="xoxb-test", base_url=f"{server.url}/api/"))  # Slack gone
    failed = _contacts(harness, tmp_path, lookup=unreachable)
    assert "could not be looked up" in failed.problems[0].message


def test_contact_rows_with_problems_are_reported_by_line(harness: Harness, tmp_path: Path) -> None:
    text = ("school,role,slack,teams\n"
            "Nowhere High,principal,U0A1234,\n"
            "Garfield,janitor,U0A1234,\n"
            "Garfield,principal,nobody@district.example,\n"
            "Garfield,principal,,not-an-id\n"
            "Garfield,partnership lead,,\n"
            "Lowell,principal,U0LOWELL,\n"
            "Lowell,principal,U0OTHER,\n")
    report = _contacts(harness, tmp_path, text, lookup=lambda email: None)
    problems = {p.line: p.message for p in report.problems}
    assert "unknown school 'Nowhere High'" in problems[2]
    assert "role 'janitor' is not principal or partnership lead" in problems[3]
    assert "slack 'nobody@district.example': no user has this e-mail" in problems[4]
    assert "teams 'not-an-id' is neither a teams user id nor an e-mail" in problems[5]
    assert "give a user on slack or teams" in problems[6]
    assert "duplicate of line 7" in problems[8]
    assert report.created == 1


def test_an_email_without_a_lookup_is_a_clear_problem(harness: Harness, tmp_path: Path) -> None:
    """`partnerbot import contacts` passes Slack's lookup only with SLACK_BOT_TOKEN; Teams' reads the
    rosters of the teams the bot is in, and says so when it is in none."""
    from tests.test_cli import run

    path = tmp_path / "c.csv"
    path.write_text(CONTACTS + "Lowell,principal,,pat@district.example\n")
    done = run(["import", "contacts", str(path)], harness.settings.database_url)
    assert done.returncode == 1
    assert "slack 'lead@district.example' is an e-mail and no slack lookup is configured" in done.stderr
    assert ("teams 'pat@district.example' could not be looked up (the bot is in no Teams team yet: add it to "
            "the contacts' team, or give their AAD object ids)") in done.stderr
    assert "1 new" in done.stdout


# -- nudges ------------------------------------------------------------------------------------------------

@pytest.fixture
def nudging(any_db_url: str, tmp_path: Path) -> Iterator[tuple[Harness, RecordingNotifier]]:
    notifier = RecordingNotifier()
    h = Harness(make_settings(any_db_url, DEPARTMENT_SLACK_CHANNEL="C-DEPT"), notifier, TUESDAY)
    _with_partners(h)
    _contacts(h, tmp_path)
    yield h, notifier
    h.close()


def test_each_contact_gets_each_item_once_across_two_clocks_and_restarts(
        nudging: tuple[Harness, RecordingNotifier]) -> None:
    h, notifier = nudging
    clocks = [Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now) for _ in range(2)]
    barrier = threading.Barrier(2)

    def run(clock: Clock) -> None:
        barrier.wait()
        clock.nudges()

    threads = [threading.Thread(target=run, args=(c,)) for c in clocks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    clocks[0].nudges()  # a restart the same day
    digests = _digests(notifier)
    assert sorted(d.target for d in digests) == ["U0LEAD", "U0PRINCIPAL"]
    items = sorted((i["what"], i["threshold"]) for i in digests[0].data["items"])
    # Garfield (tests/fixtures/partners_health.csv): Beta's DSA, background check, approval and outcomes;
    # Gamma's agreement, insurance (expires in 19 days) and background check (45 days)
    assert items == sorted([
        ("dsa", "missing"), ("background_check", "expired"), ("principal_approval", "missing"),
        ("outcomes", "missing"), ("agreement", "missing"), ("insurance", "30"), ("background_check", "60")])
    assert "Beta Mentors Alliance" in digests[0].text and "What to do next" in digests[0].text
    summaries = [post for post, _ in notifier.sent if post.kind == "nudge.summary"]
    assert len(summaries) == 1 and summaries[0].target == "C-DEPT"
    with h.database.session() as session:
        assert session.scalar(select(func.count()).select_from(NudgeSent)) == 14
    h.now += dt.timedelta(days=12)  # Sunday Dec 13 + ... -> Dec 13 is a Sunday: nothing
    assert clocks[0].nudges() == 0
    h.now = TUESDAY + dt.timedelta(days=13)  # Mon Dec 14: Gamma's insurance is 6 days away, crossing 7
    clocks[1].nudges()
    later = _digests(notifier)[2:]
    assert sorted(d.target for d in later) == ["U0LEAD", "U0PRINCIPAL"]
    assert [(i["what"], i["threshold"]) for i in later[0].data["items"]] == [("insurance", "7")]


def test_no_nudges_during_a_school_break(nudging: tuple[Harness, RecordingNotifier]) -> None:
    h, notifier = nudging
    h.now = dt.datetime(2026, 12, 22, 17, 0, tzinfo=dt.timezone.utc)  # a Tuesday in winter break
    assert Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now).nudges() == 0
    assert _digests(notifier) == []


def test_snooze_and_renewal_in_progress_hold_the_item_and_renewal_opens_a_ticket(
        nudging: tuple[Harness, RecordingNotifier]) -> None:
    h, notifier = nudging
    clock = Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now)
    clock.nudges()
    digest = next(d for d in _digests(notifier) if d.target == "U0PRINCIPAL")
    buttons = {b.label: b for b in digest.buttons}
    stranger = h.bot.handle(Message("x", "U0STRANGER", "slack", "D1", "D1", action="nudge.snooze",
                                    value=buttons["Snooze: Beta Mentors Alliance"].value))
    assert stranger.data["error"] == "not_a_contact"
    snoozed = h.bot.handle(Message("x", "U0PRINCIPAL", "slack", "D1", "D1", action="nudge.snooze",
                                   value=buttons["Snooze: Beta Mentors Alliance"].value))
    assert snoozed.data["held"] == "snoozed"
    renewing = h.bot.handle(Message("x", "U0LEAD", "slack", "D2", "D2", action="nudge.renewing",
                                    value=buttons["Renewal in progress: Gamma Arts Project"].value))
    assert renewing.data["ticket_id"] == "C-1001"
    with h.database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.topic == "agreements" and "Gamma Arts Project" in ticket.description
    h.now = TUESDAY + dt.timedelta(days=13)  # Gamma's insurance crosses 7 days, but its renewal is in progress
    before = len(_digests(notifier))
    clock.nudges()
    assert [i["what"] for d in _digests(notifier)[before:] for i in d.data["items"]] == []


def test_renewal_in_progress_pressed_twice_opens_one_ticket(nudging: tuple[Harness, RecordingNotifier]) -> None:
    h, notifier = nudging
    Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now).nudges()
    digests = {d.target: d for d in _digests(notifier)}
    label = "Renewal in progress: Gamma Arts Project"
    value = next(b.value for b in digests["U0LEAD"].buttons if b.label == label)
    first = h.bot.handle(Message("x", "U0LEAD", "slack", "D2", "D2", action="nudge.renewing", value=value))
    again = h.bot.handle(Message("x", "U0PRINCIPAL", "slack", "D1", "D1", action="nudge.renewing", value=value))
    assert first.data["ticket_id"] == "C-1001" and again.data["ticket_id"] is None
    with h.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def _insurance_until(h: Harness, until: dt.date) -> int:
    from bot.models import Organisation, Partnership

    with h.database.session() as session:
        gamma = session.scalars(select(Partnership).join(Organisation)
                                .where(Organisation.name == "Gamma Arts Project")).one()
        gamma.insurance_expires = until
        session.commit()
        return gamma.id


def test_thresholds_that_fall_in_a_break_are_sent_on_the_last_school_day_before_it(
        nudging: tuple[Harness, RecordingNotifier]) -> None:
    """Insurance expiring July 31: its 60-day nudge on June 1, and its 30- and 7-day ones (in the
    summer break, June 18 to August 31) together on June 17, the last school day."""
    h, notifier = nudging
    gamma = _insurance_until(h, dt.date(2027, 7, 31))
    clock = Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now)

    def insurance_sent() -> list[str]:
        return [i["threshold"] for d in _digests(notifier) if d.target == "U0LEAD"
                for i in d.data["items"] if i["what"] == "insurance" and i["partnership_id"] == gamma]

    h.now = dt.datetime(2027, 5, 28, 17, 0, tzinfo=dt.timezone.utc)  # a Friday, 64 days before; Monday is 61
    clock.nudges()
    assert insurance_sent() == []
    h.now = dt.datetime(2027, 6, 1, 17, 0, tzinfo=dt.timezone.utc)  # a Tuesday: 60 days
    clock.nudges()
    assert insurance_sent() == ["60"]
    h.now = dt.datetime(2027, 6, 17, 17, 0, tzinfo=dt.timezone.utc)  # Thursday, the last school day: 44 days
    clock.nudges()
    assert insurance_sent() == ["60", "7"]
    last = [d for d in _digests(notifier) if d.target == "U0LEAD"][-1]
    assert any(line.startswith("• *Gamma Arts Project*: insurance") and "expires 2027-07-31" in line
               for line in last.text.splitlines()), last.text
    h.now = dt.datetime(2027, 6, 28, 17, 0, tzinfo=dt.timezone.utc)  # in the break: nothing
    assert clock.nudges() == 0


def test_a_new_person_in_a_role_hears_what_their_predecessor_was_told(
        nudging: tuple[Harness, RecordingNotifier], tmp_path: Path) -> None:
    h, notifier = nudging
    clock = Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now)
    clock.nudges()
    told = {(i["what"], i["threshold"]) for d in _digests(notifier) if d.target == "U0PRINCIPAL" for i in d.data["items"]}
    _contacts(h, tmp_path, CONTACTS.replace("U0PRINCIPAL,,Pat Principal", "U0NEWHEAD,,Noor New"))
    clock.nudges()
    new = {(i["what"], i["threshold"]) for d in _digests(notifier) if d.target == "U0NEWHEAD" for i in d.data["items"]}
    assert new == told and len(told) == 7
    assert clock.nudges() == 0  # and once only


def test_a_teams_contact_is_nudged_once_the_bot_can_reach_them(any_db_url: str, tmp_path: Path) -> None:
    from bot.platforms.teams import references

    notifier = RecordingNotifier()
    h = Harness(make_settings(any_db_url), notifier, TUESDAY)
    try:
        _with_partners(h)
        guid = "6F1C2E4A-0B3D-4C5E-8F9A-1B2C3D4E5F60"
        report = _contacts(h, tmp_path, f"school,role,slack,teams\nGarfield,principal,,{guid}\n"
                                        "Garfield,partnership lead,,29:1AbCdEf\n")
        assert report.problems == []
        clock = Clock(h.settings, h.database, {"teams": notifier}, now=lambda: h.now)
        assert clock.nudges() == 0  # the bot has never met either: nothing sent, nothing marked sent
        with h.database.session() as session:
            assert session.scalar(select(func.count()).select_from(NudgeSent)) == 0
            assert session.scalar(select(SchoolContact.teams_user).where(SchoolContact.role == "principal")) == guid.lower()
            for aad, member in ((guid.lower(), "29:principal"), ("aad-of-lead", "29:1AbCdEf")):
                activity = {"serviceUrl": "https://smba.example/", "channelId": "msteams",
                            "conversation": {"id": f"a:{member}", "conversationType": "personal"},
                            "from": {"id": member, "aadObjectId": aad}, "recipient": {"id": "28:bot"}}
                references.remember(session, activity, aad, may_move=True)
            session.commit()
        assert clock.nudges() == 2
        assert sorted(d.target for d in _digests(notifier)) == sorted([guid.lower(), "29:1AbCdEf"])
    finally:
        h.close()


def test_reimporting_without_some_columns_keeps_those_fields_of_the_same_person(harness: Harness, tmp_path: Path) -> None:
    guid = "6f1c2e4a-0b3d-4c5e-8f9a-1b2c3d4e5f60"

    def stored() -> tuple[str, str, str, str]:
        with harness.database.session() as session:
            c = session.scalars(select(SchoolContact).where(SchoolContact.role == "principal")).one()
            return c.slack_user, c.teams_user, c.name, c.email

    first = _contacts(harness, tmp_path, "school,role,slack,teams,name,email\n"
                                         f"Garfield,principal,U0PRINCIPAL,{guid},Pat Principal,pat@district.example\n"
                                         "Garfield,partnership lead,U0LEAD,,Lee Lead,\n")
    assert first.summary() == "2 rows read: 2 new, 0 updated, 0 unchanged."  # nothing about organisations
    same = _contacts(harness, tmp_path, "school,role,slack\nGarfield,principal,U0PRINCIPAL\n")
    assert (same.updated, same.unchanged) == (0, 1)
    assert stored() == ("U0PRINCIPAL", guid, "Pat Principal", "pat@district.example")
    no_slack = _contacts(harness, tmp_path, "school,role,slack\nGarfield,principal,\n")  # an empty cell clears it
    assert no_slack.problems == [] and stored() == ("", guid, "Pat Principal", "pat@district.example")
    _contacts(harness, tmp_path, f"school,role,slack,teams\nGarfield,principal,U0PRINCIPAL,{guid}\n")
    new_person = _contacts(harness, tmp_path, "school,role,slack\nGarfield,principal,U0NEWHEAD\n")
    assert new_person.updated == 1
    assert stored() == ("U0NEWHEAD", "", "", "")  # the old principal's Teams id, name and e-mail go with them
    nobody = _contacts(harness, tmp_path, "school,role,slack\nGarfield,partnership lead,\n")
    assert "give a user on slack or teams" in nobody.problems[0].message  # nothing would be left to reach


def test_the_email_lookup_waits_out_slacks_rate_limit(harness: Harness, tmp_path: Path) -> None:
    slack = FakeSlack(users_by_email={"lead@district.example": "U0LEAD"})
    slack.fail["users.lookupByEmail"] = [(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"})]
    with ServerThread(slack.app()) as server:
        report = _contacts(harness, tmp_path, lookup=email_lookup(WebClient(token="x", base_url=f"{server.url}/api/")))
    assert report.problems == [] and report.created == 2
    assert len(slack.named("users.lookupByEmail")) == 2  # refused once, then answered


def test_an_item_still_current_before_a_break_is_nudged_if_its_days_run_out_during_it(
        nudging: tuple[Harness, RecordingNotifier]) -> None:
    """Insurance expiring August 25 is 69 days away on June 17 (current), but its 60, 30 and 7 days
    all fall in the summer break: it is nudged on June 17, as expiring."""
    h, notifier = nudging
    gamma = _insurance_until(h, dt.date(2027, 8, 25))
    h.now = dt.datetime(2027, 6, 17, 17, 0, tzinfo=dt.timezone.utc)
    Clock(h.settings, h.database, {"slack": notifier}, now=lambda: h.now).nudges()
    sent = [i for d in _digests(notifier) if d.target == "U0LEAD" for i in d.data["items"]
            if i["what"] == "insurance" and i["partnership_id"] == gamma]
    assert [i["threshold"] for i in sent] == ["7"]


def test_a_teams_roster_that_cannot_be_read_is_tried_once_per_import(harness: Harness) -> None:
    from bot.directory.contacts import LookupFailed
    from bot.platforms.teams import references
    from bot.platforms.teams.roster import EmailLookup

    class Unreachable:
        calls = 0

        async def members(self, service_url: str, team_id: str) -> list[dict[str, str]]:
            Unreachable.calls += 1
            raise ConnectionError("connector down")

    with harness.database.session() as session:
        references.remember(session, {"serviceUrl": "https://smba.example/", "conversation": {
            "id": "19:t@thread.tacv2", "conversationType": "channel"}, "from": {"id": "29:a", "aadObjectId": "aad-a"},
            "channelData": {"team": {"id": "19:t@thread.tacv2"}}}, "aad-a", may_move=True)
    lookup = EmailLookup(harness.database, Unreachable())  # type: ignore[arg-type]
    for email in ("one@district.example", "two@district.example"):
        with pytest.raises(LookupFailed, match="roster could not be read"):
            lookup(email)
    assert Unreachable.calls == 1
