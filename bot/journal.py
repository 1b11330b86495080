"""An append-only journal of JSON lines on local disk, in segment files with one owner each.

What must not be lost while the database is away (acknowledged events, the receipts of
posts a platform cannot look up) is appended here and moved into the database later. A
journal that `sync`s fsyncs every append (its lines survive a power cut); one that does
not is as durable as SQLite's own commits in WAL mode with synchronous=NORMAL: its lines
are with the kernel when `append` returns, so they survive a crash of the process, not of
the machine. The rules that make that safe, with writers and movers in several threads and
processes on one machine:

- A writer appends only to its own *open* segment, holding an exclusive `flock` on it
  from before the file has its name until it is closed. A segment is named only after
  the lock is taken (created under a temporary name, then renamed), so nobody can take
  a segment a writer is about to use.
- The writer closes (rotates) its segment when it is old or large, or when asked to
  by `replay` in its own process; a closed segment is never written again.
- `replay` takes a segment by locking it without waiting: a closed one, or an open one
  whose writer died (the kernel dropped its lock). It deletes the segment only after
  every line is in the database, still holding the lock, so two movers never both work
  on one file and nothing appended is deleted unread.
- A line is whole once written; a torn last line (a writer killed mid-write) was never
  acknowledged, and is dropped with a log line.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

log = logging.getLogger("partnerbot.journal")
OPEN, CLOSED, NEW = ".open.jsonl", ".closed.jsonl", ".new"
ROTATE_SECONDS = 5.0
ROTATE_BYTES = 4 * 1024 * 1024
MOVER_ROUNDS = 50
"""How often one `replay` call takes the mover's lock again for segments closed while it worked (a bound)."""
REPLAY_BATCH = 500
"""Lines handed to the database per call: one transaction each, bounded however long a segment grew."""


@dataclass
class _Segment:
    fd: int
    path: Path
    opened: float
    size: int = 0


class Journal:
    """Segments named `<name>-<pid>-<random>` in `directory`; see the module's rules."""

    def __init__(self, directory: Path, name: str, *, rotate_seconds: float = ROTATE_SECONDS,
                 rotate_bytes: int = ROTATE_BYTES, sync: bool = True) -> None:
        self.directory = directory
        self.name = name
        self.sync = sync
        self.rotate_seconds = rotate_seconds
        self.rotate_bytes = rotate_bytes
        self._lock = threading.Lock()  # the open segment is this process's: one thread at a time
        self._segment: _Segment | None = None

    # -- writing ---------------------------------------------------------------------------

    def append(self, lines: Sequence[dict[str, Any]], close: bool = False) -> None:
        """Append (and fsync, if the journal syncs): when this returns, the lines survive a crash of this
        process. With `close`, the segment is closed at once, so a mover may take these lines now."""
        data = "".join(json.dumps(line) + "\n" for line in lines).encode("utf-8")
        with self._lock:
            segment = self._writable()
            view = memoryview(data)
            while view:
                written = os.write(segment.fd, view)
                view = view[written:]
            if self.sync:
                os.fsync(segment.fd)
            segment.size += len(data)
            if close:
                self._close()

    def rotate(self) -> None:
        """Close this process's open segment (if it holds anything), so it can be replayed."""
        with self._lock:
            if self._segment is not None and self._segment.size:
                self._close()

    def close(self) -> None:
        with self._lock:
            if self._segment is not None:
                self._close()

    def _writable(self) -> _Segment:
        segment = self._segment
        if segment is not None and (segment.size >= self.rotate_bytes
                                    or time.monotonic() - segment.opened >= self.rotate_seconds):
            self._close()
            segment = None
        if segment is None:
            segment = self._segment = self._open()
        return segment

    def _open(self) -> _Segment:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            stem = f"{self.name}-{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # sorts by age
            temporary = self.directory / (stem + NEW)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX)
            path = self.directory / (stem + OPEN)
            try:
                os.rename(temporary, path)  # a mover may have removed the empty new file before our lock
            except FileNotFoundError:
                os.close(fd)
                continue
            if self.sync:
                _sync_directory(self.directory)
            return _Segment(fd, path, time.monotonic())

    def _close(self) -> None:
        segment = self._segment
        assert segment is not None
        self._segment = None
        if segment.size:
            os.rename(segment.path, segment.path.with_name(segment.path.name[: -len(OPEN)] + CLOSED))
        else:
            os.unlink(segment.path)
        os.close(segment.fd)  # releases the lock: a mover may take it now

    # -- moving into the database ----------------------------------------------------------

    def pending(self) -> int:
        """Segments waiting to be moved (this process's open one included, if it holds lines)."""
        return sum(1 for path in self._candidates() if path.name.endswith((OPEN, CLOSED)) and _size(path) > 0)

    def replay(self, put: Callable[[list[dict[str, Any]]], Any]) -> int:
        """Hand every line of every segment nobody else holds to `put`, oldest segment first and up to
        REPLAY_BATCH lines at a time (many small segments go in together), and delete each segment once
        all of its lines went in; segments closed meanwhile are moved too. `put` raising leaves the
        segments not yet deleted for the next call. One mover at a time per journal (a lock file across
        threads and processes), so lines go in in the order they were written; a call that finds another
        mover at work returns 0 (that mover takes what is there). Returns the number of lines moved."""
        self.rotate()
        moved = 0
        for _ in range(MOVER_ROUNDS):
            if (mover := self._mover()) is None:
                break
            try:
                while batch := self._take_batch():
                    try:
                        lines = [line for _, _, segment_lines in batch for line in segment_lines]
                        for start in range(0, len(lines), REPLAY_BATCH):
                            put(lines[start:start + REPLAY_BATCH])
                        for _, path, _ in batch:
                            os.unlink(path)
                        moved += len(lines)
                    finally:
                        for fd, _, _ in batch:
                            os.close(fd)
            finally:
                os.close(mover)
            if not any(path.name.endswith(CLOSED) for path in self._candidates()):
                break  # a segment closed after the last look, by a writer whose mover found us at work, is taken
        if moved:
            log.debug("journal moved to the database", extra={"turn": {"journal": self.name, "lines": moved}})
        return moved

    def _mover(self) -> int | None:
        """This journal's mover lock, or None while another thread or process holds it."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.directory / f".{self.name}.mover", os.O_RDONLY | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd

    def _take_batch(self) -> list[tuple[int, Path, list[dict[str, Any]]]]:
        """Segments nobody else holds, oldest first, until they hold REPLAY_BATCH lines: each locked, with
        its lines. Empty new files a writer left when it died are deleted on the way."""
        batch: list[tuple[int, Path, list[dict[str, Any]]]] = []
        count = 0
        for path in self._candidates():
            taken = _take(path)
            if taken is None:
                continue
            fd, empty_new = taken
            if empty_new:
                os.unlink(path)  # a writer died between creating and naming it: nothing in it
                os.close(fd)
                continue
            lines = list(_read_lines(fd, path))
            batch.append((fd, path, lines))
            count += len(lines)
            if count >= REPLAY_BATCH:
                break
        return batch

    def lines(self) -> Iterator[dict[str, Any]]:
        """Every whole line in the journal now, without taking anything (a look-up)."""
        for path in self._candidates():
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                yield from _read_lines(fd, path, quiet=True)
            finally:
                os.close(fd)

    def _candidates(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(path for path in self.directory.iterdir() if path.name.startswith(self.name + "-")
                      and path.name.endswith((OPEN, CLOSED, NEW)))


def _size(path: Path) -> int:
    """0 for a segment closed (renamed) or moved (deleted) since the directory was listed."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _take(path: Path) -> tuple[int, bool] | None:
    """Lock a segment without waiting; None if someone holds it or it is gone. (fd, is an empty new file)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.stat(path).st_ino != os.fstat(fd).st_ino:
            raise FileNotFoundError(path)  # moved away (or replaced) between our open and our lock
    except (BlockingIOError, FileNotFoundError):
        os.close(fd)
        return None
    if path.name.endswith(NEW):
        if os.fstat(fd).st_size:  # cannot happen (lines go to named segments), but never delete lines
            os.close(fd)
            return None
        return fd, True
    return fd, False


def _read_lines(fd: int, path: Path, quiet: bool = False) -> Iterator[dict[str, Any]]:
    with os.fdopen(os.dup(fd), "rb") as f:
        f.seek(0)
        data = f.read()
    whole, _, torn = data.rpartition(b"\n")
    if torn and not quiet:
        log.error("a torn line at the end of a journal segment was dropped (its writer died mid-write, "
                  "before anything was acknowledged)", extra={"turn": {"file": path.name, "bytes": len(torn)}})
    for raw in whole.split(b"\n") if whole else []:
        try:
            line = json.loads(raw)
        except ValueError:
            line = None
        if isinstance(line, dict):
            yield line
        elif not quiet:
            log.error("an unreadable journal line was dropped", extra={"turn": {"file": path.name}})


def _sync_directory(directory: Path) -> None:
    """The new segment's name survives a power cut, not only a crash of this process."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
