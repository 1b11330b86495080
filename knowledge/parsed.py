"""YAML files parsed once per content, the result kept beside the file as Python keeps bytecode.

A one-question run (`partnerbot ask`) reads about twenty knowledge files; parsing them is
ten times slower than unpickling what an earlier process parsed, and the parser's import
is spared too. The copy is filed in the file's `__pycache__` folder under a digest of the
file's bytes and the parser's version, so an edit (even one that keeps size and mtime) is
never served stale. As with bytecode, nothing is written when `sys.dont_write_bytecode` is
set (PYTHONDONTWRITEBYTECODE) or the folder is read-only, and a damaged copy is parsed
again. Trust is the same as for `.pyc` files: whoever can write that folder can already
change the code.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = 1
"""Bump when the kept layout changes."""


def parse_yaml(text: str) -> Any:
    import yaml  # only when a file has no kept copy

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 30x faster than pure Python
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def load(path: Path) -> Any:
    """The parsed content of the YAML file at `path`."""
    data = path.read_bytes()
    kept = _kept_path(path, data)
    try:
        return pickle.loads(kept.read_bytes())  # noqa: S301 - written by `_keep`, see the module's note
    except Exception:  # noqa: BLE001 - none yet, or a half-written or foreign copy: parse
        pass
    value = parse_yaml(data.decode("utf-8"))
    if not sys.dont_write_bytecode:
        _keep(kept, value)
    return value


def _kept_path(path: Path, data: bytes) -> Path:
    digest = hashlib.sha256(f"{FORMAT}:{_parser_version()}:".encode() + data).hexdigest()[:20]
    return path.parent / "__pycache__" / f"{path.name}.{digest}.pickle"


@lru_cache(maxsize=1)
def _parser_version() -> str:
    """PyYAML's version from its metadata, so a new parser is not served an old parser's result."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("PyYAML")
    except PackageNotFoundError:
        return "unknown"


def _keep(kept: Path, value: Any) -> None:
    """Write atomically (a concurrent reader never sees half a copy); drop copies of older contents."""
    try:
        kept.parent.mkdir(exist_ok=True)
        for old in kept.parent.glob(f"{kept.name.rsplit('.', 2)[0]}.*.pickle"):
            if old != kept:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=kept.parent, prefix=".parsed-")
    except OSError:
        return  # a read-only install: parse each time, as Python compiles each time
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, kept)
    except Exception:  # noqa: BLE001 - a full disk, say: the parsed value is still good
        Path(tmp).unlink(missing_ok=True)
