"""Structured JSON logs: one line per record, no message text unless LOG_TEXT=1."""

from __future__ import annotations

import json
import logging
import re
import sys
import time


def describe(exc: BaseException) -> str:
    """The exception's class and the first line of its cause: a driver's own message rather
    than SQLAlchemy's trailer ("Background on this error at ..."), and no SQL parameters."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{exc.__class__.__name__}: {lines[0] if lines else cause.__class__.__name__}"[:500]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        turn = getattr(record, "turn", None)
        if isinstance(turn, dict):
            out.update(turn)
        if record.exc_info and record.exc_info[1] is not None:
            out["error"] = describe(record.exc_info[1])
        return json.dumps(out, default=str)


LIBRARY_LOG_LIMIT = 300
TEXT_FIELD = re.compile(r"""(["']text["']\s*:\s*)(["'])(?:\\.|(?!\2).)*\2""", re.S)


class BoundedLibraryLogs(logging.Filter):
    """Libraries (bolt, the SDKs) may log whole request bodies: cut their lines short and,
    unless LOG_TEXT=1, take message text out. Our own loggers never log text."""

    def __init__(self, keep_text: bool = False) -> None:
        super().__init__()
        self.keep_text = keep_text

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("partnerbot.") and not record.name.startswith("partnerbot.slack.bolt"):
            return True
        text = record.getMessage()
        if not self.keep_text:
            text = TEXT_FIELD.sub(r"\1\2[redacted]\2", text)
        if len(text) > LIBRARY_LOG_LIMIT:
            text = text[:LIBRARY_LOG_LIMIT] + f"… ({len(text)} characters)"
        record.msg, record.args = text, ()
        return True


def configure(level: int = logging.INFO, stream=None, keep_text: bool = False) -> None:  # type: ignore[no-untyped-def]
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(BoundedLibraryLogs(keep_text))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("alembic", "sqlalchemy", "apscheduler.executors", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
