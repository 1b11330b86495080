"""Fitted models kept on disk between processes, under a digest of what shaped them.

A process reads the file for its digest, or fits and writes it (atomically, so a
concurrent reader never sees half a file). Files of other digests older than an
hour are removed. An unreadable file is treated as absent: the caller fits again.
`key` makes the digest: of the data a model is fitted from, and of the code that fits it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, TypeVar

if TYPE_CHECKING:  # pragma: no cover - typing only
    from importlib.resources.abc import Traversable

log = logging.getLogger("partnerbot.cache")
T = TypeVar("T")
KEEP_OTHERS_SECONDS = 3600


def key(values: Iterable[object], sources: Iterable[Path | Traversable]) -> str:
    """The digest a fitted thing is filed under: each value (as JSON) and each source file's bytes
    (code, or a data file read through importlib.resources), so new data or an edit to the code that
    reads it fits again."""
    h = hashlib.sha256()
    for value in values:
        h.update(json.dumps(value, sort_keys=True, default=str).encode() + b"\0")
    for source in sources:
        h.update(source.read_bytes() + b"\0")
    return h.hexdigest()


def read(path: Path | None, kind: type[T]) -> T | None:
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as f:
            value = pickle.load(f)  # noqa: S301 - our own cache directory, written by this code
        return value if isinstance(value, kind) else None
    except Exception:  # a half-written or foreign file: fit again
        log.warning("cache file unreadable; fitting again", extra={"turn": {"path": str(path)}})
        return None


def write(path: Path | None, value: object) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = path.name.rsplit("-", 1)[0]
        for old in path.parent.glob(f"{prefix}-*.pickle"):
            if old != path and time.time() - old.stat().st_mtime > KEEP_OTHERS_SECONDS:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cache file not written", extra={"turn": {"error": str(exc)}})
