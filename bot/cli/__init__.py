"""The `partnerbot` command line: one sub-command module per area."""

from __future__ import annotations

import argparse
import gc
import logging
import sys

from bot.cli import admin, converse, imports, people, server
from bot.config import ConfigError, Settings
from bot.db import DatabaseError
from bot.logs import configure


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnerbot",
        description="The School and Community Partnerships assistant (Slack, Teams, web chat, console).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in (converse, server, imports, admin, people):
        module.register(sub)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with words after an option joined to a command's free text where it has one
    (`tickets resolve C-1001 --as cli:dana "sent the form"`: argparse alone refuses the last word)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    field = getattr(args, "trailing_text", None)
    if extra and field and not any(word.startswith("-") for word in extra):
        setattr(args, field, " ".join(filter(None, [getattr(args, field, ""), *extra])))
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    return run(parse(argv))


def is_short_lived(args: argparse.Namespace) -> bool:
    """A single answer (`ask` without --batch): see `bot.launch`."""
    return bool(getattr(args, "short_lived", False)) and not getattr(args, "batch", False)


def run(args: argparse.Namespace) -> int:
    if not is_short_lived(args):
        gc.enable()  # bot.launch started with the collector off
    level = logging.INFO if getattr(args, "verbose", False) or args.command in ("serve", "clock") else logging.WARNING
    configure(level)
    try:
        settings = Settings.from_env()
        configure(level, keep_text=settings.log_text)
        return int(args.run(args, settings) or 0)
    except ConfigError as exc:
        print(f"partnerbot: configuration error: {exc}", file=sys.stderr)
        return 2
    except DatabaseError as exc:
        print(f"partnerbot: database error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `partnerbot report | head`: the reader left; not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
