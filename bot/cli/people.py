"""`partnerbot person export|forget platform:id`: a person's data, for records requests."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.app import open_database
from bot.cli.admin import cli_actor
from bot.config import Settings

PLATFORMS = ("slack", "teams", "web", "cli", "desk", "console")
"""Where a person may be known: the chat platforms, the terminal and the desk."""


def register(sub: argparse._SubParsersAction) -> None:
    person = sub.add_parser("person", help="everything stored about one person, or forget them (records requests)")
    person_sub = person.add_subparsers(dest="person_command", metavar="{export,forget}")
    person_sub.required = True
    export = person_sub.add_parser("export", help="print everything stored about a person, as JSON")
    export.add_argument("person", metavar="PLATFORM:ID", help="slack:U0123ABC, teams:<AAD object id>, web:v-<id>")
    export.add_argument("--out", type=Path, metavar="FILE", help="write the JSON here instead of printing it")
    forget = person_sub.add_parser("forget", help="delete a person's conversations, logs, reminders and notices; "
                                                  "their tickets keep the request without the identity")
    forget.add_argument("person", metavar="PLATFORM:ID")
    forget.add_argument("--yes", action="store_true", help="really forget (nothing is deleted without it)")
    for p in (export, forget):
        p.set_defaults(run=run_person)


def run_person(args: argparse.Namespace, settings: Settings) -> int:
    from bot import people

    try:
        person = people.Person.parse(args.person, PLATFORMS)
    except people.PersonError as exc:
        print(f"partnerbot person: {exc}", file=sys.stderr)
        return 2
    if args.person_command == "forget" and not args.yes:
        print(f"partnerbot person forget: this deletes what is stored about {person.label}; "
              "run it again with --yes to do it", file=sys.stderr)
        return 2
    database = open_database(settings)
    with database.session() as session:
        if args.person_command == "export":
            data = people.export(session, person)
            people.record_export(session, person, cli_actor(), data)
        else:
            done = people.forget(session, person, cli_actor())
    if args.person_command == "export":
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")
            print(f"wrote {sum(len(rows) for rows in data['tables'].values())} rows about {person.label} to {args.out}")
        else:
            print(text)
        return 0
    print(f"forgot {person.label}:")
    for table, count in sorted(done.deleted.items()):
        if count:
            print(f"  deleted {count} from {table}")
    for table, count in sorted(done.kept_without_identity.items()):
        if count:
            print(f"  kept {count} in {table} without the identity")
    for table, why in sorted(done.kept.items()):
        print(f"  kept {table}: {why}")
    if not any(done.deleted.values()) and not any(done.kept_without_identity.values()) and not done.kept:
        print("  nothing was stored about them")
    return 0
