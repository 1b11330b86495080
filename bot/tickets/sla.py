"""Re-post tickets nobody has claimed after N business hours, once per interval."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.models import Ticket
from bot.notify import DEPARTMENT, Notice, Outbox
from bot.tickets.service import department_post, school_name

DAY_START, DAY_END = dt.time(8, 0), dt.time(17, 0)


def business_hours_between(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> float:
    """Working hours (Mon–Fri, 08:00–17:00 local) between two instants."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    while day <= last:
        if day.weekday() < 5:
            open_at = dt.datetime.combine(day, DAY_START, tzinfo=tz)
            close_at = dt.datetime.combine(day, DAY_END, tzinfo=tz)
            lo, hi = max(open_at, start), min(close_at, end)
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += dt.timedelta(days=1)
    return total


def send_sla_reminders(session: Session, settings: Settings, outbox: Outbox, now: dt.datetime) -> int:
    if settings.consult_sla_hours <= 0:
        return 0
    count = 0
    for ticket in session.scalars(select(Ticket).where(Ticket.status == "open")):
        hours = business_hours_between(ticket.created_at, now, settings.tz)
        interval = int(hours // settings.consult_sla_hours)
        if interval <= ticket.sla_reminders_sent:
            continue
        text, buttons = department_post(ticket, school_name(session, ticket))
        text = f"Still unclaimed after {interval * settings.consult_sla_hours:g} business hours:\n{text}"
        count += len(outbox.queue(session, f"ticket:{ticket.id}:sla:{interval}",
                              Notice("ticket.sla", DEPARTMENT, text, buttons, {"ticket_id": ticket.id}), now=now))
        ticket.sla_reminders_sent = interval
    return count
