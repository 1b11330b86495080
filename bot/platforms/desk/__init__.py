"""The department's web desk (/desk): staff sign in with the district's identity provider and work the
consultation queue, the staff list and the audit log in a browser. See bot/platforms/desk/app.py."""

from __future__ import annotations

from typing import Any


def install(app: Any, runtime: Any) -> None:
    from bot.platforms.desk.app import install as install_desk

    install_desk(app, runtime)
