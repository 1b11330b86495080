"""`ticket_status`: requesters check their requests; department staff work the queue.

Staff-only commands (claim, assign, note, resolve, reopen, queue listings)
check the role first and log refusals.
"""

from __future__ import annotations

import json
import logging
import re

from typing import Any

from bot import dialogue
from bot.config import STAFF_PLATFORMS
from bot.core import Button, FormField, FormPart, Message, Reply
from bot.turn import Turn
from bot.dialogue import Answer, Form, Prompt, Slot
from bot.models import Ticket
from bot.models.tickets import TICKET_NUMBER_OFFSET
from bot.router import Registry
from bot.text import clean
from bot.tickets import service
from bot.tickets.service import Actor, TicketError, find_numbers
from bot.understanding import Understanding

log = logging.getLogger("partnerbot.tickets")
RESOLVE_FLOW = "ticket_resolve"
ASSIGNEE = re.compile(r"\bto\s+<?@?([A-Za-z0-9:_.\-]+)>?", re.I)
COMMAND = re.compile(r"^\s*(claim|assign|note|add a note to|resolve|close|reopen|cancel)\b", re.I)


def actor_of(message: Message) -> Actor:
    return Actor.of(message)


def _is_staff(turn: Turn, message: Message) -> bool:
    return service.is_staff(turn.session, turn.settings, message.platform, message.user)


def _refuse(message: Message, what: str) -> Reply:
    log.warning("staff-only action refused", extra={"turn": {"platform": message.platform, "user": message.user,
                                                             "action": what}})
    return Reply(
        "Sorry, only the partnerships department staff can do that. You can check your own requests with \"my requests\".",
        "ticket_status", 1.0, {"refused": what},
    )


def _error(exc: TicketError) -> Reply:
    return Reply(str(exc), "ticket_status", 1.0, {"error": "ticket", "message": str(exc)})


def _ticket_reply(turn: Turn, ticket: Ticket, lead: str, buttons: tuple[Button, ...] = ()) -> Reply:
    turn.state.remember(CONTEXT, {"ticket": ticket.id}, turn.now)
    body = service.describe(turn.session, ticket, turn.settings.tz)
    return Reply(f"{lead}\n{body}" if lead else body, "ticket_status", 1.0, service.ticket_data(ticket), buttons=buttons)


CONTEXT = "tickets"
OTHERS = ("other", "others", "the rest", "all of them", "all my", "any more", "anything else", "ones")


def refine(message: Message, turn: Turn, previous: dict[str, Any]) -> Reply | None:
    """"and my other ones?" after a ticket's status: all of the user's requests."""
    u = turn.understanding
    if len(u.tokens) <= 8 and u.has(*OTHERS) and not find_numbers(u.text):
        return my_requests(message, turn)
    return None


def is_command(u: Understanding, turn: Turn) -> bool:
    """"resolve C-1042 sent the MOU template" is a command, whatever the note says."""
    return bool(COMMAND.match(u.text) and find_numbers(u.text))


def handle(message: Message, turn: Turn) -> Reply:
    u = turn.understanding
    text = u.text
    numbers = find_numbers(text)
    command = COMMAND.match(text)
    staff = _is_staff(turn, message)
    if command:
        verb = command.group(1).lower()
        if verb == "cancel" and numbers:
            return _run(turn, lambda: service.cancel(turn.session, turn.outbox, numbers[0], actor_of(message), turn.now),
                        "Cancelled.")
        if not staff:
            return _refuse(message, verb)
        if not numbers:
            return Reply(f"Which ticket? Say, for example, \"{verb} C-1042\".", "ticket_status", 1.0, {"asking": "ticket"})
        return _command(verb, numbers[0], text[command.end():], message, turn)
    if staff and u.has("unclaimed", "queue", "list open", "open tickets", "all open", "open requests", "assigned to me",
                       "my tickets", "mine"):
        which = "unclaimed" if u.has("unclaimed", "queue") else ("mine" if u.has("assigned to me", "my tickets", "mine") else "open")
        return queue_listing(turn, message, which)
    if numbers:
        return _status_of(numbers[0], message, turn, staff)
    return my_requests(message, turn)


def _run(turn: Turn, action, lead: str) -> Reply:  # type: ignore[no-untyped-def]
    try:
        ticket = action()
    except TicketError as exc:
        return _error(exc)
    return _ticket_reply(turn, ticket, lead)


def _command(verb: str, ticket_id: int, rest: str, message: Message, turn: Turn) -> Reply:
    actor = actor_of(message)
    s, settings, outbox, now = turn.session, turn.settings, turn.outbox, turn.now
    rest = re.sub(r"^\s*[cC][- ]?\d+\s*[:,-]?\s*", "", rest).strip()
    if verb == "claim":
        return _run(turn, lambda: service.claim(s, outbox, ticket_id, actor, now), "You have it.")
    if verb == "assign":
        m = ASSIGNEE.search(rest)
        if not m:
            return Reply("Assign to whom? Say \"assign C-1042 to @name\".", "ticket_status", 1.0, {"asking": "assignee"})
        platform, sep, user = m.group(1).partition(":")
        if not sep or platform not in STAFF_PLATFORMS:  # "U123" or a Teams id like "29:abc" on this platform
            platform, user = message.platform, m.group(1)
        assignee = Actor(platform, user, user)
        return _run(turn, lambda: service.assign(s, settings, outbox, ticket_id, actor, assignee, now), "Reassigned.")
    if verb in ("note", "add a note to"):
        return _run(turn, lambda: service.add_note(s, outbox, ticket_id, actor, rest, now), "Note added.")
    if verb in ("resolve", "close"):
        if not rest:
            return _ask_resolution(ticket_id, message, turn)
        return _run(turn, lambda: service.resolve(s, outbox, ticket_id, actor, rest, now), "Resolved; the requester has been told.")
    return _run(turn, lambda: service.reopen(s, outbox, ticket_id, actor, now), "Reopened.")


def _number(ticket_id: int) -> str:
    return f"C-{ticket_id + TICKET_NUMBER_OFFSET}"


def _ask_note(values: dict[str, Any], turn: Turn) -> Prompt:
    return Prompt(f"What was the resolution of {_number(int(values['id']))}? (One line the requester will see.) "
                  "Say \"cancel\" to keep it open.")


def _parse_note(answer: Answer) -> str | None:
    return clean(answer.u.text) if answer.pending and answer.u.tokens else None


def _resolution_form(values: dict[str, Any], slot: str, turn: Turn) -> FormPart:
    ticket_id = int(values["id"])
    return FormPart(f"Resolve {_number(ticket_id)}",
                    (FormField("note", "Resolution (the requester sees it)", "multiline", max_length=2000,
                               placeholder="One line the requester will see"),),
                    Button("Resolve", "ticket.resolve_note", str(ticket_id)))


RESOLUTION = Form(
    name=RESOLVE_FLOW,
    intent="ticket_status",
    title="resolution",
    slots=(Slot("resolution", _ask_note, _parse_note, free_text=True),),
    complete=lambda values, message, turn: _resolve_with_note(message, turn, int(values["id"]), values["resolution"]),
    answer_action="ticket.resolution",
    describe=lambda values, turn: {"id": int(values["id"]), "ticket_id": _number(int(values["id"]))},
    cancelled="OK, the ticket stays as it was.",
    draw=_resolution_form,
)


def _ask_resolution(ticket_id: int, message: Message, turn: Turn) -> Reply:
    """Ask for the note; chat platforms show it as a form (Slack modal, Teams card)."""
    return dialogue.start(RESOLUTION, {"id": ticket_id}, message, turn)


def _resolve_with_note(message: Message, turn: Turn, ticket_id: int, note: str) -> Reply:
    if not _is_staff(turn, message):
        return _refuse(message, "resolve")
    if not note.strip():
        return _ask_resolution(ticket_id, message, turn)
    return _run(turn, lambda: service.resolve(turn.session, turn.outbox, ticket_id, actor_of(message), note, turn.now),
                "Resolved; the requester has been told.")


def resolve_form(message: Message, turn: Turn) -> Reply:
    """A submitted resolution form: `{"note": "...", "context": "3"}` (the ticket id in context)."""
    try:
        form = json.loads(message.value or "{}")
        ticket_id, note = int(form["context"]), clean(str(form.get("note") or ""))
    except (ValueError, KeyError, TypeError):
        return _error(TicketError("That form has no ticket number."))
    if turn.state.form == RESOLVE_FLOW:
        turn.state.end_form()
    return _resolve_with_note(message, turn, ticket_id, note)


def _status_of(ticket_id: int, message: Message, turn: Turn, staff: bool) -> Reply:
    ticket = turn.session.get(Ticket, ticket_id) if ticket_id > 0 else None
    mine = ticket is not None and (ticket.requester_platform, ticket.requester_id) == (message.platform, message.user)
    if ticket is None or not (mine or staff):
        number = f"C-{ticket_id + TICKET_NUMBER_OFFSET}" if ticket_id > 0 else "that ticket"
        return Reply(f"I can't find {number} among your requests. Say \"my requests\" to see them.", "ticket_status", 1.0,
                     {"ticket_id": None, "error": "not_found"})
    buttons: tuple[Button, ...] = ()
    if staff and ticket.status == "open":
        buttons = (Button("Claim", "ticket.claim", str(ticket.id)),)
    elif mine and ticket.status in ("open", "claimed"):
        buttons = (Button("Cancel request", "ticket.cancel", str(ticket.id)),)
    return _ticket_reply(turn, ticket, "", buttons)


def my_requests(message: Message, turn: Turn) -> Reply:
    tickets = service.requested_by(turn.session, actor_of(message), include_closed=True)
    open_ones = [t for t in tickets if t.status in ("open", "claimed")]
    if not tickets:
        return Reply("You have no consultation requests. Say \"I need a consultation\" to open one.", "ticket_status", 1.0,
                     {"tickets": []}, buttons=(Button("Ask the department", "consultation.start", ""),))
    lines = [f"You have {len(open_ones)} open request{'s' if len(open_ones) != 1 else ''}:" if open_ones
             else "None of your requests is open right now. Recent ones:"]
    lines += [service.describe(turn.session, t, turn.settings.tz) for t in tickets[:5]]
    return Reply("\n\n".join(lines), "ticket_status", 1.0, {"tickets": [service.ticket_data(t) for t in tickets[:5]]})


def queue_listing(turn: Turn, message: Message, which: str) -> Reply:
    tickets = service.listing(turn.session, which, actor_of(message))
    title = {"unclaimed": "Unclaimed requests", "mine": "Requests assigned to you", "open": "Open requests"}[which]
    if not tickets:
        return Reply(f"{title}: none.", "ticket_status", 1.0, {"tickets": [], "list": which})
    lines = [f"{title} ({len(tickets)}):"] + [service.describe(turn.session, t, turn.settings.tz) for t in tickets[:10]]
    buttons = tuple(Button(f"Claim {t.number}", "ticket.claim", str(t.id)) for t in tickets[:5] if t.status == "open")
    return Reply("\n\n".join(lines), "ticket_status", 1.0,
                 {"tickets": [service.ticket_data(t) for t in tickets], "list": which}, buttons=buttons)


def _button_ticket(message: Message) -> int | None:
    return int(message.value) if (message.value or "").isdigit() else None


def _staff_button(message: Message, turn: Turn, what: str, then) -> Reply:  # type: ignore[no-untyped-def]
    """A Claim/Resolve click: check the role, then act on the ticket in the button."""
    if not _is_staff(turn, message):
        return _refuse(message, what)
    ticket_id = _button_ticket(message)
    if ticket_id is None:
        return _error(TicketError("That button has no ticket number."))
    return then(ticket_id)


def claim_button(message: Message, turn: Turn) -> Reply:
    return _staff_button(message, turn, "claim", lambda ticket_id: _run(
        turn, lambda: service.claim(turn.session, turn.outbox, ticket_id, actor_of(message), turn.now), "You have it."))


def resolve_button(message: Message, turn: Turn) -> Reply:
    return _staff_button(message, turn, "resolve", lambda ticket_id: _ask_resolution(ticket_id, message, turn))


def cancel_button(message: Message, turn: Turn) -> Reply:
    ticket_id = _button_ticket(message)
    if ticket_id is None:
        return _error(TicketError("That button has no ticket number."))
    return _run(turn, lambda: service.cancel(turn.session, turn.outbox, ticket_id, actor_of(message), turn.now), "Cancelled.")


def register(registry: Registry) -> None:
    registry.form(RESOLUTION)
    registry.command(is_command)(handle)
    registry.intent("ticket_status")(handle)
    registry.refiner(CONTEXT)(refine)
    registry.action("ticket.resolve_note")(resolve_form)
    registry.action("tickets.mine")(my_requests)
    registry.action("ticket.claim")(claim_button)
    registry.action("ticket.resolve")(resolve_button)
    registry.action("ticket.cancel")(cancel_button)
