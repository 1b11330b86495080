"""`partnerbot ask` (one turn, or JSON lines with --batch) and `partnerbot chat`."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any, TextIO

from bot.app import create_bot
from bot.config import Settings
from bot.core import Message, Reply
from bot.platforms.console.render import render_text
from bot.router import Bot

MAX_LINE = 100_000


def register(sub: argparse._SubParsersAction) -> None:
    ask = sub.add_parser("ask", help="answer one question (or JSON lines with --batch)")
    ask.add_argument("text", nargs="?", help="the question")
    ask.add_argument("--session", default=None, help="conversation id; asks with the same id continue a conversation "
                                                     "(without it each ask starts a fresh one)")
    ask.add_argument("--as", dest="actor", default="", help="who asks, as platform:id (default cli:cli-user)")
    ask.add_argument("--user", default="", help=argparse.SUPPRESS)  # older spelling of --as cli:ID
    ask.add_argument("--platform", default="cli", help=argparse.SUPPRESS)
    ask.add_argument("--json", action="store_true", help="print the reply as JSON")
    ask.add_argument("--batch", action="store_true", help="read JSON lines on stdin, write one JSON reply per line")
    ask.set_defaults(run=run_ask, short_lived=True)
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--session", default="console")
    chat.add_argument("--as", dest="actor", default="",
                      help="who you are, as platform:id, as for `partnerbot tickets` (default cli:$USER: staff "
                           "commands work when DEPARTMENT_STAFF lists it)")
    chat.add_argument("--user", default="", help=argparse.SUPPRESS)
    chat.set_defaults(run=run_chat)


def speaker(args: argparse.Namespace, default: str) -> tuple[str, str]:
    """(platform, user id) from --as platform:id (or the older --user ID on the terminal)."""
    chosen = args.actor or (f"{getattr(args, 'platform', 'cli')}:{args.user}" if args.user else default)
    platform, _, user = chosen.partition(":")
    return (platform, user) if user else ("cli", platform)


def run_ask(args: argparse.Namespace, settings: Settings) -> int:
    if args.text is None and not args.batch:
        print("partnerbot ask: give the question as an argument, or use --batch", file=sys.stderr)
        return 2
    bot = create_bot(settings)
    if args.batch:
        return run_batch(bot, sys.stdin, sys.stdout, sys.stderr)
    session = args.session or f"ask-{uuid.uuid4().hex[:12]}"  # a one-shot question carries nothing over
    try:
        platform, user = speaker(args, "cli:cli-user")
        reply = bot.handle(Message(args.text, user, platform, session, session))
    finally:
        bot.database.dispose()  # say goodbye to the server: bot.launch ends this process without teardown
    if args.json:
        print(json.dumps(reply.to_dict(), ensure_ascii=False))
    else:
        print(render_text(reply))
    return 0


def run_batch(bot: Bot, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """One JSON reply per input line, in order; a bad line gets an error reply and exit 1."""
    failures = 0
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            message = parse_batch_line(line, number)
        except ValueError as exc:
            failures += 1
            print(f"partnerbot ask --batch: line {number}: {exc}", file=stderr)
            error = Reply(f"Line {number} could not be read: {exc}", "unknown", 0.0, {"error": "bad_input", "line": number})
            stdout.write(json.dumps(error.to_dict(), ensure_ascii=False) + "\n")
            stdout.flush()
            continue
        reply = bot.handle(message)
        stdout.write(json.dumps(reply.to_dict(), ensure_ascii=False) + "\n")
        stdout.flush()
    return 1 if failures else 0


def parse_batch_line(line: str, number: int) -> Message:
    if len(line) > MAX_LINE:
        raise ValueError(f"the line is longer than {MAX_LINE} characters")
    try:
        item: Any = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object like {\"session\": ..., \"user\": ..., \"text\": ...}")
    session = str(item.get("session") or "batch")
    user = str(item.get("user") or "batch-user")
    action = item.get("action")
    text = item.get("text")
    if action is None and not isinstance(text, str):
        raise ValueError("each line needs a \"text\" string (or an \"action\" and \"value\" of a button)")
    if action is not None and not isinstance(action, str):
        raise ValueError("\"action\" must be a string")
    value = item.get("value")
    return Message(
        text=text if isinstance(text, str) else "",
        user=user,
        platform=str(item.get("platform") or "cli"),
        channel=session,
        session_key=session,
        action=action,
        value=None if value is None else str(value),
        user_name=item.get("user_name"),
    )


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    platform, user = speaker(args, f"cli:{getpass.getuser()}")
    bot = create_bot(settings)
    print(f"partnerbot: ask me about agreements, partners, trainings or consultations. You are {platform}:{user} "
          "(--as to be someone else). Ctrl-D to leave.")
    while True:
        try:
            text = input("you> ")
        except EOFError:
            print()
            return 0
        if text.strip().lower() in ("quit", "exit", "bye"):
            return 0
        reply = bot.handle(Message(text, user, platform, args.session, args.session))
        print("bot> " + render_text(reply).replace("\n", "\n     "))
