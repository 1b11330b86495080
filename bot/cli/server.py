"""`partnerbot serve`, `partnerbot clock` and `partnerbot announce`."""

from __future__ import annotations

import argparse

from bot.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the web server (Slack, Teams, web chat, /healthz)")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 3978")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--socket-mode", action="store_true", help="connect to Slack over Socket Mode (SLACK_APP_TOKEN)")
    serve.set_defaults(run=run_serve)
    clock = sub.add_parser("clock", help="run the scheduler (announcements, reminders, SLA reminders)")
    clock.set_defaults(run=run_clock)
    announce = sub.add_parser("announce", help="post the weekly training digest")
    mode = announce.add_mutually_exclusive_group(required=True)
    mode.add_argument("--now", action="store_true", help="post this week's digest now (once per week and channel)")
    mode.add_argument("--preview", action="store_true", help="print the digest and where it would go; post nothing")
    announce.set_defaults(run=run_announce)
    slack = sub.add_parser("slack-manifest", help="print the Slack app manifest for this server, to paste at api.slack.com")
    slack.add_argument("--url", default=None, help="public https URL of this server (default: $PUBLIC_URL)")
    slack.set_defaults(run=run_slack_manifest)
    package = sub.add_parser("teams-package", help="write the Teams app package (zip) to upload")
    package.add_argument("--url", default=None, help="public https URL of this server (default: $PUBLIC_URL)")
    package.add_argument("--out", default="partnerbot-teams.zip")
    package.set_defaults(run=run_teams_package)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.server import serve

    return serve(settings, host=args.host, port=args.port or settings.port, socket_mode=args.socket_mode)


def run_clock(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler import run_clock as clock

    return clock(settings)


def run_announce(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler import announce_now, preview_digest

    return preview_digest(settings) if args.preview else announce_now(settings)


def run_teams_package(args: argparse.Namespace, settings: Settings) -> int:
    import os
    import sys
    from pathlib import Path

    from bot.platforms.teams.package import PackageError, build

    try:
        out = build(settings.microsoft_app_id, args.url or os.environ.get("PUBLIC_URL", ""), Path(args.out))
    except PackageError as exc:
        print(f"partnerbot teams-package: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it in Teams (Apps > Manage your apps > Upload an app)")
    return 0


def run_slack_manifest(args: argparse.Namespace, settings: Settings) -> int:
    import os
    import sys

    from bot.platforms.slack.manifest import ManifestError, filled

    try:
        print(filled(args.url or os.environ.get("PUBLIC_URL", "")), end="")
    except ManifestError as exc:
        print(f"partnerbot slack-manifest: {exc}", file=sys.stderr)
        return 2
    return 0
