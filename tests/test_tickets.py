"""Consultations: intake, the ticket life cycle, notifications, permissions, races, SLA."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from bot.directory.importer import import_partners
from bot.models import CorrectionRequest, OutboxMessage, Ticket, TicketEvent
from bot.tickets import service
from bot.tickets.service import Actor, TicketError
from bot.tickets.sla import business_hours_between, send_sla_reminders
from tests.conftest import FIXTURES


def events(h, ticket_id: int) -> list[str]:
    with h.database.session() as s:
        return list(s.scalars(select(TicketEvent.kind).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)))


def test_intake_asks_topic_school_description_then_confirms(harness) -> None:
    first = harness.ask("I need a consultation about a partnership")
    assert first.intent == "consultation" and first.data["ticket_id"] is None and first.data["asking"] == "topic"
    school_q = harness.press(first, label="Agreements and contracts")
    assert school_q.data["asking"] == "school"
    describe = harness.ask("Rainer Beach")
    assert describe.data["asking"] == "description" and describe.data["draft"]["school"] == "Rainier Beach"
    confirm = harness.ask("Our PTSA and a CBO both want to run the same after-school program")
    assert confirm.data["asking"] == "confirm"
    done = harness.press(confirm, label="Send request")
    assert done.data["ticket_id"] == "C-1001"
    with harness.database.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.topic, ticket.status, ticket.requester_id) == ("agreements", "open", "U-1")
        assert ticket.school_id is not None and "CBO" in ticket.description
    assert events(harness, 1) == ["created"]


def test_one_shot_request_creates_the_ticket_at_once(harness) -> None:
    reply = harness.open_ticket("I need a consultation: our data sharing agreement with a tutoring partner at Lowell expired and they need attendance data")
    assert reply.data["ticket_id"] == "C-1001" and reply.data["topic"] == "data_sharing"
    assert reply.data["school"] == "Lowell"


def test_cancel_intake_creates_nothing(harness) -> None:
    harness.ask("I need a consultation")
    reply = harness.ask("cancel")
    assert reply.data.get("cancelled") is True
    with harness.database.session() as s:
        assert s.scalars(select(Ticket)).first() is None


def test_full_life_cycle_with_notifications(harness) -> None:
    created = harness.open_ticket("I need a consultation: please review the MOU draft for Sound Mentors at Lowell before signing",
                          user="U-REQ")
    number = created.data["ticket_id"]
    harness.deliver()
    posted = [n for n, _ in harness.notifier.sent if n.kind == "ticket.new"]
    assert len(posted) == 1 and posted[0].target == "department"
    assert [b.label for b in posted[0].buttons] == ["Claim", "Resolve"]
    assert number in posted[0].text and "MOU draft" in posted[0].text

    claim = harness.press(posted[0].buttons[0], user="staff-1")
    assert claim.data["status"] == "claimed" and claim.data["assignee"] == "staff-1"
    harness.deliver()
    update, previous = next((n, p) for n, p in harness.notifier.sent if n.kind == "ticket.update")
    assert previous == "post-1", "the claim updates the original department post"
    assert "Claimed by staff-1" in update.text and [b.label for b in update.buttons] == ["Resolve"]
    told = [n for n, _ in harness.notifier.sent if n.kind == "ticket.requester"]
    assert told[0].target == "U-REQ" and "has your request" in told[0].text

    note = harness.ask(f"note {number} called the principal, sending template", user="staff-1")
    assert note.data["status"] == "claimed"
    resolved = harness.ask(f"resolve {number} sent the MOU template and checklist", user="staff-1")
    assert resolved.data["status"] == "resolved"
    harness.deliver()
    final = [n for n, _ in harness.notifier.sent if n.kind == "ticket.requester"][-1]
    assert "resolved" in final.text and "sent the MOU template and checklist" in final.text
    assert events(harness, 1) == ["created", "claimed", "note", "resolved"]
    status = harness.ask(f"status of {number}", user="U-REQ")
    assert status.intent == "ticket_status" and status.data["status"] == "resolved"


def test_resolve_button_asks_for_a_note(harness) -> None:
    harness.open_ticket("I need a consultation: question about background checks for PTA-paid coaches at Garfield")
    with harness.database.session() as s:
        ticket_id = s.scalars(select(Ticket.id)).one()
    from bot.core import Button

    ask = harness.press(Button("Resolve", "ticket.resolve", str(ticket_id)), user="staff-2", session="dept")
    assert ask.data["asking"] == "resolution"
    done = harness.ask("explained WATCH rules by phone", user="staff-2", session="dept")
    assert done.data["status"] == "resolved"


def test_non_staff_are_refused_politely_and_logged(harness, caplog) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison", user="U-REQ")
    with caplog.at_level("WARNING", logger="partnerbot.tickets"):
        reply = harness.ask("claim C-1001", user="U-REQ")
    assert reply.data["refused"] == "claim" and "only the partnerships department" in reply.text
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert harness.ask("resolve C-1001 done", user="U-OTHER").data["refused"] == "resolve"


def test_requesters_see_only_their_own_tickets(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison", user="U-A")
    mine = harness.ask("my requests", user="U-A")
    assert [t["ticket_id"] for t in mine.data["tickets"]] == ["C-1001"]
    assert harness.ask("my requests", user="U-B").data["tickets"] == []
    assert harness.ask("status of C-1001", user="U-B").data["error"] == "not_found"
    assert harness.ask("Is my consultation ticket open still?", user="U-A").intent == "ticket_status"


def test_staff_queue_listings(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison", user="U-A")
    harness.open_ticket("I need a consultation: data sharing agreement renewal for a tutoring partner", user="U-B")
    harness.ask("claim C-1002", user="staff-1")
    unclaimed = harness.ask("list unclaimed tickets", user="staff-2")
    assert [t["ticket_id"] for t in unclaimed.data["tickets"]] == ["C-1001"]
    mine = harness.ask("my tickets", user="staff-1")
    assert [t["ticket_id"] for t in mine.data["tickets"]] == ["C-1002"]


def test_bad_ticket_actions(harness) -> None:
    assert "can't find C-1999" in harness.ask("claim C-1999", user="staff-1").text
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison", user="U-A")
    harness.ask("resolve C-1001 answered", user="staff-1")
    again = harness.ask("claim C-1001", user="staff-2")
    assert "resolved" in again.text and again.data["error"] == "ticket"
    reopened = harness.ask("reopen C-1001", user="staff-2")
    assert reopened.data["status"] == "open"


def test_mentions_are_stored_as_typed_and_long_text_kept(harness) -> None:
    text = "I need a consultation: <!channel> <@U123> @everyone please look at this " + "x" * 20_000
    reply = harness.open_ticket(text)
    assert reply.data["ticket_id"] == "C-1001" and "long" in reply.text
    harness.deliver()
    with harness.database.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert "<!channel> <@U123> @everyone" in ticket.description and len(ticket.description) > 20_000
    post = harness.notifier.sent[0][0]
    assert len(post.text) < 2000 and "truncated" in post.text


def test_outbox_retries_after_a_notifier_failure(harness) -> None:
    harness.notifier.fail_next = 1
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    assert harness.deliver() == 0
    with harness.database.session() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert row.attempts == 1 and row.sent_at is None and row.last_error == "simulated failure"
    assert harness.deliver() == 0, "not before the back-off has passed"
    harness.now += dt.timedelta(minutes=1)
    assert harness.deliver() == 1
    assert harness.deliver() == 0, "never sent twice"
    assert len(harness.notifier.sent) == 1
    with harness.database.session() as s:
        assert s.scalars(select(Ticket)).one().status == "open"


def test_concurrent_claims_have_one_winner(any_harness) -> None:
    h = any_harness
    h.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    results: dict[str, str] = {}
    barrier = threading.Barrier(6)

    def attempt(user: str) -> None:
        barrier.wait()
        with h.database.session() as s:
            try:
                service.claim(s, h.bot.outbox, 1, Actor("cli", user, user), h.now)
                results[user] = "won"
            except TicketError as exc:
                results[user] = str(exc)

    threads = [threading.Thread(target=attempt, args=(f"staff-{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6, results  # every thread reported (none died with an unexpected error)
    winners = [u for u, r in results.items() if r == "won"]
    assert len(winners) == 1, results
    assert all(f"already claimed by {winners[0]}" in r for u, r in results.items() if u != winners[0])
    assert events(h, 1) == ["created", "claimed"]


def test_life_cycle_on_every_database(any_harness) -> None:
    h = any_harness
    number = h.open_ticket("I need a consultation: background checks for PTA-paid coaches at Garfield", user="U-R").data["ticket_id"]
    h.ask(f"claim {number}", user="staff-1")
    h.ask(f"resolve {number} explained the WATCH rules", user="staff-1")
    h.deliver()
    kinds = [n.kind for n, _ in h.notifier.sent]
    assert kinds.count("ticket.new") == 1 and kinds.count("ticket.requester") == 2


def test_business_hours() -> None:
    tz = __import__("zoneinfo").ZoneInfo("America/Los_Angeles")
    friday_4pm = dt.datetime(2026, 12, 4, 16, 0, tzinfo=tz)
    monday_10am = dt.datetime(2026, 12, 7, 10, 0, tzinfo=tz)
    assert business_hours_between(friday_4pm, monday_10am, tz) == 3.0


def test_sla_reminder_once_per_interval(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    with harness.database.session() as s:
        assert send_sla_reminders(s, harness.settings, harness.bot.outbox, harness.now + dt.timedelta(hours=4)) == 0
        later = harness.now + dt.timedelta(days=4)  # Tue 09:00 -> Sat: 4 business days of 9 hours = 36 hours
        assert send_sla_reminders(s, harness.settings, harness.bot.outbox, later) == 1
        assert send_sla_reminders(s, harness.settings, harness.bot.outbox, later) == 0, "same interval never twice"
        assert send_sla_reminders(s, harness.settings, harness.bot.outbox, later + dt.timedelta(days=4)) == 1  # 54 hours: interval 2
    with harness.database.session() as s:
        keys = sorted(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "ticket.sla")))
    assert keys == ["ticket:1:sla:1:log:department", "ticket:1:sla:2:log:department"]


def test_claimed_tickets_get_no_sla_reminder(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    harness.ask("claim C-1001", user="staff-1")
    with harness.database.session() as s:
        assert send_sla_reminders(s, harness.settings, harness.bot.outbox, harness.now + dt.timedelta(days=10)) == 0


def test_report_outdated_creates_a_correction_ticket(harness) -> None:
    reply = harness.ask("The partner list for Leschi is outdated, Sound Mentors left in June", user="U-R")
    assert reply.intent == "report_outdated" and reply.data["ticket_id"] == "C-1001"
    with harness.database.session() as s:
        correction = s.scalars(select(CorrectionRequest)).one()
        ticket = s.get(Ticket, correction.ticket_id)
        assert ticket.topic == "database_correction" and correction.reporter == "U-R"
        assert correction.school_id == ticket.school_id is not None


def test_staff_added_from_the_cli_is_recognised(harness) -> None:
    from bot.models import StaffMember

    with harness.database.session() as s:
        s.add(StaffMember(platform="cli", user_id="new-staff"))
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    assert harness.ask("claim C-1001", user="new-staff").data["status"] == "claimed"


def test_resolve_prompt_steps_aside_for_a_new_question_and_can_be_cancelled(harness) -> None:
    from bot.core import Button

    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    ask = harness.press(Button("Resolve", "ticket.resolve", "1"), user="staff-1", session="dept")
    assert ask.data["asking"] == "resolution"
    other = harness.ask("which partners serve Garfield?", user="staff-1", session="dept")
    assert other.intent == "partners" and "Back to your resolution" in other.text
    with harness.database.session() as s:
        assert s.get(Ticket, 1).status == "open"
    harness.press(Button("Resolve", "ticket.resolve", "1"), user="staff-1", session="dept")
    assert harness.ask("never mind", user="staff-1", session="dept").data["cancelled"] is True
    assert ask.form is not None and [f.name for f in ask.form.fields] == ["note"]
    assert (ask.form.submit.action, ask.form.submit.value) == ("ticket.resolve_note", "1")
    form = harness.press(Button("Resolve", "ticket.resolve_note", '{"note": "sent the PSC checklist", "context": "1"}'),
                         user="staff-1", session="elsewhere")
    assert form.data["status"] == "resolved"


def test_transitions_are_conditional(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison", user="U-R")
    with harness.database.session() as s:
        service.cancel(s, harness.bot.outbox, 1, Actor("cli", "U-R"), harness.now)
    with harness.database.session() as s:
        with pytest.raises(TicketError, match="already cancelled"):
            service.cancel(s, harness.bot.outbox, 1, Actor("cli", "U-R"), harness.now)
        with pytest.raises(TicketError, match="is cancelled"):
            service.assign(s, harness.settings, harness.bot.outbox, 1, Actor("cli", "staff-1"), Actor("cli", "staff-2"), harness.now)
        with pytest.raises(TicketError, match="already cancelled"):
            service.resolve(s, harness.bot.outbox, 1, Actor("cli", "staff-1"), "x", harness.now)
    assert events(harness, 1) == ["created", "cancelled"]


def test_assign_checks_the_assignee_and_parses_platform_ids(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison", user="U-R")
    refused = harness.ask("assign C-1001 to @U123", user="staff-1")
    assert "not department staff" in refused.text
    teams = harness.ask("assign C-1001 to teams:staff-teams-1", user="staff-1")
    assert teams.data["status"] == "claimed" and teams.data["assignee"] == "staff-teams-1"
    with harness.database.session() as s:
        assert s.get(Ticket, 1).assignee_platform == "teams"


def test_small_ticket_numbers_never_hit_a_raw_id(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    reply = harness.ask("resolve C-999 done", user="staff-1")
    assert "can't find" in reply.text
    with harness.database.session() as s:
        assert s.get(Ticket, 1).status == "open"


def test_reopen_clears_the_old_resolution(harness) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    harness.ask("resolve C-1001 sent the checklist", user="staff-1")
    reopened = harness.ask("reopen C-1001", user="staff-1")
    assert reopened.data["status"] == "open" and "Resolution" not in reopened.text
    harness.deliver()
    told = [n.text for n, _ in harness.notifier.sent if n.kind == "ticket.requester" and "reopened" in n.text]
    assert told == ["Your request C-1001 was reopened by staff-1: the department is working on it again."]

def test_vague_report_asks_what_changed_and_keeps_the_school(harness) -> None:
    ask = harness.ask("The partner list for Leschi is outdated", user="U-R")
    assert ask.intent == "report_outdated" and ask.data["asking"] == "details" and ask.data["school"] == "Leschi"
    done = harness.ask("Cedar Arts left in June", user="U-R")
    assert done.data["ticket_id"] == "C-1001" and done.data["school"] == "Leschi"
    with harness.database.session() as s:
        ticket = s.get(Ticket, 1)
        assert "outdated" in ticket.description and "Cedar Arts left in June" in ticket.description


@pytest.mark.parametrize("text, school", [("partner list for roxhill elementary", "Roxhill Elementary at E.C. Hughes"),
                                          ("could you pull up the partners listed for Roxhill this year please",
                                           "Roxhill Elementary at E.C. Hughes"),
                                          ("partners listed at Lowell", "Lowell"),
                                          ("the partner list for Garfield please", "Garfield")])
def test_a_request_for_the_list_is_not_a_correction(harness, text: str, school: str) -> None:
    """Worded like a report, but saying nothing is off: the person wants the list."""
    with harness.database.session() as session:
        import_partners(session, FIXTURES / "partners.csv")
    reply = harness.ask(text)
    assert reply.intent == "partners" and reply.data["school"] == school, text
    with harness.database.session() as session:
        assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


def test_asking_whether_an_organisation_is_listed_at_a_school_answers_yes_or_no(harness) -> None:
    """"Is Sound Mentors Collective listed at Lowell?" is answered yes or no first, with that organisation's
    schools after; never filed as a correction."""
    with harness.database.session() as session:
        import_partners(session, FIXTURES / "partners.csv")
    yes = harness.ask("is Sound Mentors Collective listed at Lowell?")
    assert yes.intent == "partners" and yes.data["school"] == "Lowell"
    assert yes.data["organisation"] == "Sound Mentors Collective"
    assert yes.text.startswith("Yes: *Sound Mentors Collective* is listed at *Lowell*")
    no = harness.ask("is Sound Mentors Collective at Garfield?", session="other")
    assert no.data["school"] == "Garfield" and no.text.startswith("No: *Sound Mentors Collective* isn't listed")
    with harness.database.session() as session:
        assert session.scalar(select(func.count()).select_from(CorrectionRequest)) == 0


@pytest.mark.parametrize("text", ["the partner list for Leschi is outdated", "the partners listed at Lowell are not right",
                                  "the partner list for Lowell says Sound Mentors but they only came once",
                                  "Sound Mentors is at Denny now, not Madison",
                                  "the partner list for Roxhill still has Cedar Arts on it",
                                  "Sound Mentors Collective doesn't come to Lowell any more",
                                  "Sound Mentors Collective is at Madison these days, not Lowell",
                                  "Lowell's partner list is off", "Lowell's list isn't accurate"])
def test_a_list_said_to_be_off_is_a_correction(harness, text: str) -> None:
    with harness.database.session() as session:
        import_partners(session, FIXTURES / "partners.csv")
    assert harness.ask(text).intent == "report_outdated", text


def test_report_button_keeps_the_school(harness) -> None:
    from bot.core import Button
    from bot.models import School

    with harness.database.session() as s:
        leschi = s.scalars(select(School.id).where(School.name == "Leschi")).one()
    ask = harness.press(Button("Report outdated info", "report_outdated.start", f"school|{leschi}"))
    assert ask.data["school"] == "Leschi"
    done = harness.ask("the tutoring group stopped coming")
    assert done.data["school"] == "Leschi"


def test_one_person_cannot_open_more_than_five_requests_an_hour(harness) -> None:
    schools = ["Lowell", "Franklin", "Garfield", "Ballard", "Roosevelt", "Madison"]
    replies = [harness.open_ticket(f"I need a consultation: please review our MOU with a tutoring partner at {school}")
               for school in schools]
    assert [r.data.get("ticket_id") for r in replies[:5]] == ["C-1001", "C-1002", "C-1003", "C-1004", "C-1005"]
    assert replies[5].data == {"ticket_id": None, "refused": "rate_limited"}
    with harness.database.session() as s:
        assert len(list(s.scalars(select(Ticket)))) == 5
    other = harness.open_ticket("I need a consultation: please review our MOU with a tutoring partner at Madison",
                                user="U-other")
    assert other.data.get("ticket_id") == "C-1006"


def test_cancelling_someone_elses_request_reveals_nothing(harness) -> None:
    harness.open_ticket("I need a consultation: please review our MOU with a tutoring partner at Lowell", user="U-owner")
    theirs = harness.ask("cancel C-1001", user="U-stranger", session="s-x")
    missing = harness.ask("cancel C-1999", user="U-stranger", session="s-x")
    assert theirs.text.replace("1001", "N") == missing.text.replace("1999", "N")
    with harness.database.session() as s:
        assert s.scalar(select(Ticket)).status == "open"
    mine = harness.ask("cancel C-1001", user="U-owner")
    assert mine.data.get("status") == "cancelled" or "Cancelled" in mine.text


def test_typing_claim_with_another_number_than_the_offered_button_claims_that_ticket(harness) -> None:
    """"claim C-1002" typed under buttons [Claim C-1001, Claim C-1002...] is that ticket, not the first
    label that looks alike (a typo in a label is forgiven; a different number never is)."""
    for user in ("U-A", "U-B", "U-C"):
        harness.open_ticket(f"I need a consultation: help with a PSC for a dance teacher at Madison ({user})", user=user)
    listing = harness.ask("list unclaimed tickets", user="staff-1", session="q")
    assert [b.label for b in listing.buttons][:3] == ["Claim C-1001", "Claim C-1002", "Claim C-1003"]
    claimed = harness.ask("claim C-1003", user="staff-1", session="q")
    assert claimed.data["ticket_id"] == "C-1003" and claimed.data["status"] == "claimed"
    still_open = harness.ask("list unclaimed tickets", user="staff-2")
    assert [t["ticket_id"] for t in still_open.data["tickets"]] == ["C-1001", "C-1002"]


def test_a_report_that_does_not_say_where_asks_which_school_before_the_ticket(harness) -> None:
    """"Our building still shows an org that left": without a school or organisation the department
    could not find the entry; the bot asks, and the ticket carries the school."""
    first = harness.ask("The partner listing for our building still shows an org that left two years ago.", user="U-R")
    assert first.intent == "report_outdated" and first.data["ticket_id"] is None and "which school" in first.text
    done = harness.ask("Leschi", user="U-R")
    assert done.data["ticket_id"] == "C-1001" and done.data["school"] == "Leschi"
    with harness.database.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert "left two years ago" in ticket.description and ticket.school_id is not None


def test_a_correction_after_a_list_is_a_report(harness) -> None:
    with harness.database.session() as session:
        import_partners(session, FIXTURES / "partners.csv")
    harness.ask("partners at Lowell")
    reply = harness.ask("correction: Sound Mentors Collective left Lowell in June")
    assert reply.intent == "report_outdated" and reply.data["ticket_id"]


@pytest.mark.parametrize("typed", ["C-1001", "c1001", "1001", "#1001"])
def test_the_desk_queue_finds_a_ticket_by_its_number_however_typed(harness, typed: str) -> None:
    harness.open_ticket("I need a consultation: help with a PSC for a dance teacher at Madison")
    harness.open_ticket("I need a consultation: an MOU for a chess club at Lowell", user="U-2", session="s-2")
    with harness.database.session() as s:
        assert [t.number for t in service.search(s, "all", typed)] == ["C-1001"]
        assert [t.number for t in service.search(s, "all", "chess")] == ["C-1002"]
