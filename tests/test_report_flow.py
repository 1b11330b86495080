"""Reporting outdated entries as people do it: a vague report asks what changed and a school's name given
as the answer says where, not what; what they say next joins the ticket; an e-mail address typed as what
changed is part of the report; a statement that a school's listing is stale reports it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.directory.importer import import_partners
from bot.models import CorrectionRequest, Ticket, TicketEvent
from tests.conftest import Harness


@pytest.fixture
def h(harness: Harness, tmp_path: Path) -> Harness:
    path = tmp_path / "partners.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["organization", "school", "services", "school_year", "agreement_type", "status"])
        writer.writerow(["Open Court Basketball League", "Leschi", "sports", "2026-27", "mou", "active"])
        writer.writerow(["Rain City Reading Buddies", "Leschi", "tutoring", "2026-27", "mou", "active"])
    with harness.database.session() as session:
        import_partners(session, path)
    return harness


def _ticket(h: Harness) -> tuple[str, list[str]]:
    with h.database.session() as session:
        ticket = session.scalars(select(Ticket)).one()
        return ticket.description, [e.kind for e in session.scalars(select(TicketEvent).order_by(TicketEvent.id))]


def test_a_schools_name_answers_where_and_what_changed_is_asked_again(h: Harness) -> None:
    asked = h.ask("I need to report outdated info in the partner database")
    assert asked.data["asking"] == "details"
    where = h.ask("Leschi")
    assert where.data["asking"] == "details" and where.data["school"] == "Leschi" and where.data["ticket_id"] is None
    sent = h.ask("Rain City Reading Buddies has a new contact, it's reading@raincity.example.org now")
    assert sent.intent == "report_outdated" and sent.data["ticket_id"] == "C-1001"
    description, _ = _ticket(h)
    assert "reading@raincity.example.org" in description


def test_what_is_said_right_after_a_report_joins_its_ticket(h: Harness) -> None:
    h.ask("who works with Leschi")
    vague = h.ask("that list isn't right anymore")
    assert vague.data["asking"] == "details"  # "anymore" says something is off, not what
    assert h.ask("Open Court Basketball League stopped coming in October").data["ticket_id"] == "C-1001"
    added = h.ask("they signed a new coach in November too, that's the only other change")
    assert added.data == {"ticket_id": "C-1001", "added": True} and "Added to *C-1001*" in added.text
    description, kinds = _ticket(h)
    assert description.endswith("that's the only other change") and kinds == ["created", "added"]
    with h.database.session() as session:
        assert "only other change" in session.scalars(select(CorrectionRequest)).one().text
    assert h.ask("thanks!").intent != "report_outdated"
    assert h.ask("who works with Leschi?").intent == "partners"  # a question is a question
    assert _ticket(h)[1] == ["created", "added"]


def test_saying_a_schools_listing_is_stale_reports_it(h: Harness) -> None:
    reply = h.ask("Leschi's partner entries are stale")
    assert reply.intent == "report_outdated" and reply.data["school"] == "Leschi"
    assert h.ask("are Leschi's partner entries stale?", session="s-2").intent == "partners"


def test_an_address_said_right_after_a_report_joins_it_unless_it_is_the_writers_own(h: Harness) -> None:
    h.ask("Leschi's partner list is old")
    assert h.ask("Open Court Basketball League stopped coming in October").data["ticket_id"] == "C-1001"
    added = h.ask("also Rain City Reading Buddies has a new contact, lupe.r@raincity.example.org")
    assert added.intent == "report_outdated" and added.data["added"] is True
    assert h.ask("my email is pat@school.example.org").intent == "email_updates"
