"""`partnerbot import partners|schools|trainings|contacts FILE` and `partnerbot sample-data`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Iterable, TypeVar

from bot.app import open_database
from bot.config import Settings
from bot.db import Database
from bot.directory.importer import ImportFileError, import_partners, import_schools
from bot.directory.sample import generate, write_csv

T = TypeVar("T")
MAX_SHOWN_PROBLEMS = 50


def register(sub: argparse._SubParsersAction) -> None:
    imp = sub.add_parser("import", help="import partners, schools, trainings or school contacts from a file")
    kinds = imp.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    for kind, helptext in (("partners", "partnerships CSV"), ("schools", "schools CSV"),
                           ("trainings", "training calendar (.csv or .ics)"),
                           ("contacts", "school contacts CSV (school, role, slack, teams)")):
        p = kinds.add_parser(kind, help=helptext)
        p.add_argument("file", type=Path)
        p.add_argument("--strict", action="store_true", help="import nothing if any row has a problem")
        p.add_argument("--dry-run", action="store_true", help="check the file, import nothing")
        if kind == "partners":
            p.add_argument("--not-tracked", default="", metavar="ITEMS",
                           help="paperwork the district does not keep here, never reported missing, for rows without "
                                "a not_tracked cell: any of agreement, dsa, insurance, background_check, "
                                "principal_approval, outcomes, separated by commas")
        p.set_defaults(run=run_import)
    sample = sub.add_parser("sample-data", help="write a generated partnership CSV (for demos and benchmarks)")
    sample.add_argument("--partnerships", type=int, default=600)
    sample.add_argument("--organisations", "--organizations", type=int, default=90)
    sample.add_argument("--seed", type=int, default=2026)
    sample.add_argument("--out", type=Path, required=True)
    sample.set_defaults(run=run_sample)


def progress(items: Iterable[T], total: int) -> Iterable[T]:
    from tqdm import tqdm  # only when importing: not on every command's start

    return tqdm(items, total=total, unit="row", disable=total < 2000, file=sys.stderr, desc="importing")


def _lookups(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    """E-mails to user ids per platform: Slack's users.lookupByEmail when a bot token is configured;
    Teams' rosters of the teams the bot is in, when Teams is. Also what to store once the contacts
    are (how to reach the Teams members found)."""
    resolvers, afterwards = {}, []
    if settings.slack_bot_token:
        from slack_sdk import WebClient

        from bot.platforms.slack.names import email_lookup

        client = WebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url, timeout=10)
        resolvers["slack"] = email_lookup(client)
    from bot.platforms.teams import TeamsPlatform, sdk

    if TeamsPlatform().configured(settings):
        from bot.platforms.teams.roster import EmailLookup

        teams = EmailLookup(database, sdk(settings))
        resolvers["teams"], afterwards = teams, [teams.remember]
    return resolvers, afterwards


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    database = open_database(settings)
    try:
        with database.session() as session:
            if args.kind == "partners":
                report = import_partners(session, args.file, strict=args.strict, progress=progress,
                                         not_tracked=args.not_tracked)
            elif args.kind == "schools":
                report = import_schools(session, args.file, strict=args.strict)
            elif args.kind == "contacts":
                from bot.directory.contacts import import_contacts

                resolvers, afterwards = _lookups(settings, database)
                report = import_contacts(session, args.file, strict=args.strict, resolvers=resolvers)
                if report.committed and not args.dry_run:
                    for remember in afterwards:
                        remember(session)
            else:
                from bot.trainings.importer import import_trainings

                report = import_trainings(session, args.file, settings.tz, dt.datetime.now(dt.timezone.utc), strict=args.strict)
            if args.dry_run or not report.committed:
                report.committed = False
                session.rollback()
            elif args.kind == "trainings":
                from bot.platforms import outbox
                from bot.trainings.announce import queue_calendar_changes

                queue_calendar_changes(session, settings, outbox(settings), report)
    except ImportFileError as exc:
        print(f"partnerbot import: {exc}", file=sys.stderr)
        return 2
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for problem in report.problems[:MAX_SHOWN_PROBLEMS]:
        print(f"problem: {problem}", file=sys.stderr)
    if len(report.problems) > MAX_SHOWN_PROBLEMS:
        print(f"... and {len(report.problems) - MAX_SHOWN_PROBLEMS} more problems", file=sys.stderr)
    print(report.summary())
    if report.problems and args.strict:
        print("nothing was imported because of --strict; fix the rows above and try again", file=sys.stderr)
    return 1 if report.problems else 0


def run_sample(args: argparse.Namespace, settings: Settings) -> int:
    from knowledge import load_csv_rows

    if args.partnerships < 1 or args.organisations < 1:
        print("partnerbot sample-data: --partnerships and --organisations must be positive", file=sys.stderr)
        return 2
    names = [row["name"] for row in load_csv_rows("schools.csv")]
    rows = generate(names, args.partnerships, args.organisations, seed=args.seed)
    write_csv(rows, args.out)
    print(f"wrote {len(rows)} partnerships over {len(names)} schools to {args.out}")
    return 0
