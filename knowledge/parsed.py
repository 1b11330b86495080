"""YAML files parsed once per content, the result kept beside the file as Python keeps bytecode.

A one-question run (`partnerbot ask`) reads about twenty knowledge files; parsing them is
ten times slower than unpickling what an earlier process parsed, and the parser's import
is spared too. The copy is filed where the file's bytecode would go (its `__pycache__`
folder, or under PYTHONPYCACHEPREFIX), named by a digest of the file's bytes and of the
installed parser, so an edit (even one that keeps size and mtime) is never served stale.
As with bytecode, nothing is written when `sys.dont_write_bytecode` is set
(PYTHONDONTWRITEBYTECODE) or the folder is read-only, a copy gets the file's permissions,
and a damaged copy is parsed again. Files read from a zip are parsed each time. Trust is
the same as for `.pyc` files: whoever can write that folder can already change the code.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - typing only
    from importlib.resources.abc import Traversable

FORMAT = 1
"""Bump when the kept layout changes."""
DIGEST_CHARS = 20


def parse_yaml(text: str) -> Any:
    """Parse with libyaml when present (30x faster than pure Python); imported only when a file
    has no kept copy."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def load(resource: Traversable) -> Any:
    """The parsed content of a YAML file, from its kept copy when the content has one."""
    data = resource.read_bytes()
    kept = _kept_path(resource, data) if isinstance(resource, Path) and sys.implementation.cache_tag else None
    if kept is not None:
        try:
            return pickle.loads(kept.read_bytes())  # noqa: S301 - written by `_keep`, see the module's note
        except Exception:  # noqa: BLE001 - none yet, or a half-written or foreign copy: parse
            pass
    value = parse_yaml(data.decode("utf-8"))  # the very bytes the digest was taken of
    if kept is not None and not sys.dont_write_bytecode:
        _keep(kept, value, resource)
    return value


def _kept_path(path: Path, data: bytes) -> Path:
    digest = hashlib.sha256(f"{FORMAT}:{_parser_identity()}:".encode() + data).hexdigest()[:DIGEST_CHARS]
    folder = Path(importlib.util.cache_from_source(str(path))).parent  # honours PYTHONPYCACHEPREFIX
    return folder / f"{path.name}.{digest}.pickle"


@lru_cache(maxsize=1)
def _parser_identity() -> str:
    """The installed PyYAML, by its file's place, size and time, so an upgraded parser is not served
    an old parser's result. (Its version from package metadata costs 20 times as much to read.)"""
    spec = importlib.util.find_spec("yaml")
    if spec is None or not spec.origin:
        return "none"
    try:
        stat = os.stat(spec.origin)
    except OSError:
        return spec.origin
    return f"{spec.origin}:{stat.st_size}:{stat.st_mtime_ns}"


def _keep(kept: Path, value: Any, source: Path) -> None:
    """Write atomically (a concurrent reader never sees half a copy), then drop copies of older contents."""
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=kept.parent, prefix=".parsed-")
    except OSError:
        return  # a read-only install: parse each time, as Python compiles each time
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.chmod(tmp, source.stat().st_mode & 0o666)  # readable by whoever can read the file itself
        os.replace(tmp, kept)
    except Exception:  # noqa: BLE001 - a full disk, say: the parsed value is still good
        Path(tmp).unlink(missing_ok=True)
        return
    for old in kept.parent.glob(f"{glob.escape(source.name)}.{'[0-9a-f]' * DIGEST_CHARS}.pickle"):
        if old != kept:
            old.unlink(missing_ok=True)
