"""`python -m bot.worker`: answers the durable inbox in a process of its own.

`serve` starts one when Slack is configured, so the web process's event loop
keeps the GIL for signature checks and acknowledgements. The parent sends the
settings (pickled) on the worker's stdin, then a byte whenever new events are
stored; the worker also looks every POLL_SECONDS for retries that fell due.
It dies with its parent: stdin reaching EOF ends it, and on Linux the kernel
sends it SIGTERM when the parent is gone (PR_SET_PDEATHSIG), so a `kill -9`
of `serve` leaves no orphan.
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import subprocess
import sys
import time

from bot.config import Settings

log = logging.getLogger("partnerbot.worker")
WORKER_NICENESS = 19
POLL_SECONDS = 1.0
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Ask the kernel for SIGTERM when the parent exits (Linux); stdin EOF covers the rest."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        sys.exit(0)


def main() -> int:
    parent = int(os.environ.get("PARTNERBOT_PARENT_PID", "0")) or os.getppid()
    die_with_parent(parent)
    stdin = sys.stdin.buffer
    settings: Settings = pickle.load(stdin)
    os.nice(WORKER_NICENESS)  # under a burst, the CPU goes to acknowledging first (Slack's 3 s), answers next
    from bot.app import create_bot, settle_heap
    from bot.db import Database
    from bot.intake import InboxWriter
    from bot.logs import configure
    from bot.platforms import inbox_processor

    configure(keep_text=settings.log_text)
    database = Database.connect(settings.database_url)
    from bot.metrics import for_settings

    bot = create_bot(settings, database=database, metrics=for_settings(settings))  # counts in serve's directory
    if bot.grounded is not None:
        bot.grounded.warm()
    processor = inbox_processor(settings, database, bot)
    writer = InboxWriter.configured(settings, database)
    settle_heap()
    fd = stdin.fileno()
    try:
        while True:
            try:
                writer.replay()  # the events `serve` journalled (bot/intake.py) go into the inbox first
                while processor.process_due():
                    writer.replay()
            except Exception:  # the database is away, or a bug: log it and look again shortly
                log.exception("answering the inbox failed")
                time.sleep(POLL_SECONDS)
            ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
            if ready and not os.read(fd, 4096):
                return 0  # the parent closed the pipe or is gone
    finally:
        if processor.receipts is not None:
            processor.receipts.close()
        database.dispose()


class WorkerProcess:
    """The parent's handle on a worker: start it, wake it, stop it, restart it if it died."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Call from the main thread: the death signal is tied to the thread that started the child."""
        env = dict(os.environ, PARTNERBOT_PARENT_PID=str(os.getpid()))
        self.process = subprocess.Popen([sys.executable, "-m", "bot.worker"], stdin=subprocess.PIPE, env=env)
        assert self.process.stdin is not None
        self.process.stdin.write(pickle.dumps(self.settings))
        self.process.stdin.flush()
        os.set_blocking(self.process.stdin.fileno(), False)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def poke(self) -> None:
        if not self.alive():
            return
        assert self.process is not None and self.process.stdin is not None
        try:
            os.write(self.process.stdin.fileno(), b"\n")
        except (BlockingIOError, BrokenPipeError):
            pass  # a full pipe means it has wake-ups waiting already; a broken one, that it died

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    sys.exit(main())
