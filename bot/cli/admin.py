"""`partnerbot db`, `staff`, `tickets` and `report`: the department's terminal tools."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from sqlalchemy import select

from bot import audit
from bot.app import open_database
from bot.models import StaffPerson
from bot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", metavar="{upgrade,current}")
    db_sub.required = True
    db_sub.add_parser("upgrade", help="migrate the database to the current schema").set_defaults(run=run_db_upgrade)
    db_sub.add_parser("current", help="show the schema revision").set_defaults(run=run_db_current)

    staff = sub.add_parser("staff", help="department staff who may work tickets")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="{add,remove,list}")
    staff_sub.required = True
    for name in ("add", "remove"):
        p = staff_sub.add_parser(name, help="desk EMAIL: who may sign in to the desk; slack/teams/cli ID: a chat id")
        p.add_argument("platform", choices=("desk", "slack", "teams", "cli"))
        p.add_argument("user_id", help="the e-mail address for desk; the platform's user id otherwise")
        p.add_argument("--name", default="")
        p.add_argument("--role", choices=("staff", "admin"), default="staff", help="desk only")
        p.add_argument("--person", default="", metavar="EMAIL",
                       help="link this chat id to the desk staff member with this e-mail (one person everywhere)")
        p.set_defaults(run=run_staff)
    staff_sub.add_parser("list").set_defaults(run=run_staff)

    tickets = sub.add_parser("tickets", help="consultation tickets")
    t_sub = tickets.add_subparsers(dest="tickets_command", metavar="{list,show,claim,resolve}")
    t_sub.required = True
    listing = t_sub.add_parser("list")
    listing.add_argument("--status", choices=("open", "unclaimed", "all"), default="open")
    for name in ("show", "claim", "resolve"):
        p = t_sub.add_parser(name)
        p.add_argument("number", help="C-1042 or 1042")
        if name == "resolve":
            p.add_argument("note", nargs="?", default="", help="the resolution, before or after the options")
            p.set_defaults(trailing_text="note")
    for p in (listing, *[t_sub.choices[n] for n in ("show", "claim", "resolve")]):
        p.add_argument("--json", action="store_true")
        p.add_argument("--as", dest="actor", default="", help="your user id (platform:id), default cli:$USER")
        p.set_defaults(run=run_tickets)

    teach = sub.add_parser("teach", help="file a question under an intent, or a statement under a fact, so the bot "
                                          "learns it (retrains now)")
    teach.add_argument("text", help="the question (or statement) as people say it")
    teach.add_argument("intent", help="an intent: a file name in knowledge/intents/ (agreement, partners, ...); or a "
                                      "fact the statement states, slot=value: payer=partner, space=lease, ... "
                                      "(knowledge/facts/)")
    teach.set_defaults(run=run_teach)

    prune = sub.add_parser("prune", help="delete what is past its retention period now (clock does it daily)")
    prune.set_defaults(run=run_prune)

    report = sub.add_parser("report", help="what people asked this month, and ticket times")
    report.add_argument("--month", help="YYYY-MM (default: this month)")
    report.add_argument("--json", action="store_true")
    report.add_argument("--html", type=Path, metavar="FILE",
                        help="write the district picture (charts, map, compliance) as one self-contained HTML page")
    report.set_defaults(run=run_report)


def run_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database, current_revision
    from bot.seed import prepare

    database = Database.connect(settings.database_url)
    prepare(database, load_samples=settings.load_sample_data, auto_migrate=True, refresh=True)
    print(f"database is at revision {current_revision(database.engine)}")
    return 0


def run_db_current(args: argparse.Namespace, settings: Settings) -> int:
    from bot.db import Database, current_revision, head_revision

    database = Database.connect(settings.database_url)
    current, head = current_revision(database.engine), head_revision(database.engine)
    print(f"current: {current or 'empty'}; head: {head}" + ("" if current == head else " (run `partnerbot db upgrade`)"))
    return 0 if current == head else 1


def run_staff(args: argparse.Namespace, settings: Settings) -> int:
    from bot.models import StaffMember

    database = open_database(settings)
    with database.session() as session:
        if args.staff_command == "list":
            people = list(session.scalars(select(StaffPerson).order_by(StaffPerson.email)))
            for someone in people:
                print(f"desk:{someone.email}  {someone.role}" + (f"  {someone.name}" if someone.name else ""))
            rows = list(session.scalars(select(StaffMember).order_by(StaffMember.platform, StaffMember.user_id)))
            emails = {p.id: p.email for p in people}
            for row in rows:
                print(f"{row.platform}:{row.user_id}" + (f"  {row.display_name}" if row.display_name else "")
                      + (f"  -> desk:{emails[row.person_id]}" if row.person_id in emails else ""))
            configured = [(platform, user) for platform, users in sorted(settings.department_staff.items())
                          for user in sorted(users)]
            for platform, user in configured:
                print(f"{'slack/teams' if platform == '*' else platform}:{user}  (from DEPARTMENT_STAFF)")
            if not rows and not configured and not people:
                print("No department staff yet: `partnerbot staff add slack U0123ABC` or set DEPARTMENT_STAFF.")
            return 0
        if args.platform == "desk":
            return _desk_staff(session, args)
        person = None
        if args.person:
            person = session.scalar(select(StaffPerson).where(StaffPerson.email == args.person.strip().lower()))
            if person is None:
                print(f"{args.person} is not on the desk's staff list: `partnerbot staff add desk {args.person}` first",
                      file=sys.stderr)
                return 1
        existing = session.scalar(select(StaffMember).where(
            StaffMember.platform == args.platform, StaffMember.user_id == args.user_id))
        if args.staff_command == "add":
            if existing is None:
                existing = StaffMember(platform=args.platform, user_id=args.user_id, display_name=args.name)
                session.add(existing)
            if person is not None:
                existing.person_id = person.id
                existing.display_name = existing.display_name or person.name
            audit.record(session, cli_actor(), "staff.add", f"{args.platform}:{args.user_id}",
                         after={"person": person.email if person else None})
            print(f"{args.platform}:{args.user_id} is department staff" + (f" ({person.email})" if person else ""))
            return 0
        if existing is None:
            print(f"{args.platform}:{args.user_id} was not staff", file=sys.stderr)
            return 1
        session.delete(existing)
        audit.record(session, cli_actor(), "staff.remove", f"{args.platform}:{args.user_id}")
        print(f"removed {args.platform}:{args.user_id}")
        return 0


def cli_actor() -> str:
    """Who runs a command in the terminal, as tickets, teaching and the audit log name them."""
    import getpass

    return f"cli:{getpass.getuser()}"


def _desk_staff(session, args: argparse.Namespace) -> int:  # type: ignore[no-untyped-def]
    """Who may sign in to the desk, keyed by the e-mail the identity provider signs."""
    email = args.user_id.strip().lower()
    if "@" not in email:
        print(f"partnerbot staff: {args.user_id!r} is not an e-mail address", file=sys.stderr)
        return 2
    person = session.scalar(select(StaffPerson).where(StaffPerson.email == email))
    if args.staff_command == "add":
        before = {"name": person.name, "role": person.role} if person else None
        if person is None:
            person = StaffPerson(email=email, name=args.name, role=args.role)
            session.add(person)
        else:
            person.name, person.role = args.name or person.name, args.role
        audit.record(session, cli_actor(), "staff.change" if before else "staff.add", email, before=before,
                     after={"name": person.name, "role": person.role})
        print(f"desk:{email} may sign in to the desk as {args.role}")
        return 0
    if person is None:
        print(f"desk:{email} was not on the desk's staff list", file=sys.stderr)
        return 1
    audit.record(session, cli_actor(), "staff.remove", email, before={"name": person.name, "role": person.role})
    session.delete(person)
    print(f"removed desk:{email}")
    return 0


def run_tickets(args: argparse.Namespace, settings: Settings) -> int:
    from bot.platforms import outbox as platform_outbox
    from bot.tickets import service
    from bot.tickets.service import Actor, TicketError

    database = open_database(settings)
    outbox = platform_outbox(settings)
    platform, _, user = (args.actor or cli_actor()).partition(":")
    if not user:  # "--as alex": a terminal user
        platform, user = "cli", platform
    actor = Actor(platform, user, user)
    now = dt.datetime.now(dt.timezone.utc)
    with database.session() as session:
        try:
            if args.tickets_command == "list":
                which = {"open": "open", "unclaimed": "unclaimed", "all": "all"}[args.status]
                tickets = service.listing(session, which, actor, limit=500)
                if args.json:
                    print(json.dumps([service.ticket_data(t) for t in tickets]))
                else:
                    for t in tickets:
                        print(f"{t.number}  {t.status:<9} {service.topic_label(t.topic):<32} {t.requester_name or t.requester_id}")
                    print(f"{len(tickets)} tickets")
                return 0
            digits = "".join(ch for ch in args.number if ch.isdigit())
            if not digits:
                print(f"partnerbot tickets: {args.number!r} is not a ticket number", file=sys.stderr)
                return 2
            ticket_id = service.ticket_id_from_number(int(digits))
            if args.tickets_command in ("claim", "resolve") and not service.is_staff(session, settings, actor.platform, actor.user_id):
                print(f"partnerbot tickets: {actor.platform}:{actor.user_id} is not department staff "
                      "(partnerbot staff add, or --as platform:id)", file=sys.stderr)
                return 1
            if args.tickets_command == "claim":
                ticket = service.claim(session, outbox, ticket_id, actor, now)
            elif args.tickets_command == "resolve":
                ticket = service.resolve(session, outbox, ticket_id, actor, args.note, now)
            else:
                ticket = service.get(session, ticket_id)
        except TicketError as exc:
            print(f"partnerbot tickets: {exc}", file=sys.stderr)
            return 1
        if args.json:
            data = service.ticket_data(ticket)
            data["description"] = ticket.description
            data["events"] = [{"kind": e.kind, "by": f"{e.actor_platform}:{e.actor_id}", "at": e.at.isoformat(),
                               "note": e.note} for e in ticket.events]
            print(json.dumps(data))
        else:
            print(service.describe(session, ticket, settings.tz).replace("*", ""))
            for e in ticket.events:
                print(f"  {e.at.astimezone(settings.tz):%Y-%m-%d %H:%M} {e.kind} by {e.actor_platform}:{e.actor_id}"
                      + (f": {e.note}" if e.note else ""))
    return 0


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from bot.insights import build_report, month_window

    now = dt.datetime.now(settings.tz)
    if args.month:
        try:
            now = dt.datetime.strptime(args.month + "-01", "%Y-%m-%d").replace(tzinfo=settings.tz)
        except ValueError:
            print(f"partnerbot report: --month {args.month!r} is not like 2026-11", file=sys.stderr)
            return 2
    start, end = month_window(now)
    database = open_database(settings)
    if args.html:
        return _write_html_report(args.html, settings, database)
    with database.session() as session:
        report = build_report(session, start, end, settings.llm)
    print(json.dumps(report.to_dict()) if args.json else report.to_text())
    return 0


def _write_html_report(path: Path, settings: Settings, database) -> int:  # type: ignore[no-untyped-def]
    from bot.district_report import district_report

    with database.session() as session:
        page = district_report(session, settings, dt.datetime.now(dt.timezone.utc))
    try:
        path.write_text(page, encoding="utf-8")
    except OSError as exc:
        print(f"partnerbot report: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({len(page) // 1024} KB)")
    return 0


def run_teach(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from bot.app import build_classifier, build_registry
    from bot.text import clean
    from bot.understanding.facts import FACT_LABEL
    from bot.understanding.learning import teach, teachable_facts, teachable_intents

    text = clean(args.text)
    facts = teachable_facts()
    if FACT_LABEL in args.intent:
        slot, _, value = args.intent.partition(FACT_LABEL)
        if value not in facts.get(slot, ()):
            known = "; ".join(f"{name}={'|'.join(values)}" for name, values in facts.items())
            print(f"partnerbot teach: {args.intent!r} is not a fact the bot reads; use one of: {known}", file=sys.stderr)
            return 2
    elif args.intent not in teachable_intents():
        print(f"partnerbot teach: {args.intent!r} is not an intent; use one of: {', '.join(teachable_intents())}, "
              f"or a fact such as payer=partner", file=sys.stderr)
        return 2
    if not text:
        print("partnerbot teach: give the question's text", file=sys.stderr)
        return 2
    database = open_database(settings)
    with database.session() as session:
        added = teach(session, text, args.intent, cli_actor(), dt.datetime.now(dt.timezone.utc))
    started = time.perf_counter()
    classifier = build_classifier(settings, build_registry(), database)
    with database.session() as session:
        reading = classifier.understand(text, _lookups(session))
    understood = reading.intent
    if FACT_LABEL in args.intent:
        slot = args.intent.partition(FACT_LABEL)[0]
        found = reading.facts(slot)
        understood = f"{slot}={found[-1].value}" if found else f"nothing about {slot}"
    print(("taught" if added else "already taught") + f": {text!r} -> {args.intent}; "
          f"retrained in {time.perf_counter() - started:.1f} s; it now reads as {understood}")
    return 0


def _lookups(session):  # type: ignore[no-untyped-def]
    from bot.directory.lookups import Directory

    return Directory().lookups(session)


def run_prune(args: argparse.Namespace, settings: Settings) -> int:
    from bot.retention import prune

    removed = prune(open_database(settings), settings, dt.datetime.now(dt.timezone.utc))
    if not removed:
        print("nothing to prune: every retention period is 0 (kept for good)")
    for what, count in removed.items():
        print(f"{what}: {count} deleted")
    return 0
