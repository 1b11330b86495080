"""Stopping a process's thread pools without letting one stuck call keep it from stopping.

On shutdown the pools' queued work is dropped (it belongs to requests the server already cut off;
events stay in the durable inbox) and work under way gets a bounded wait. A call that outlives it
(a platform that never answers, a retry loop) is named in the log with where each busy thread
stands, file, line and function only (no values, so nothing a user typed and no secret), and the
process stops anyway: the platform would kill it moments later, without saying why.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

log = logging.getLogger("partnerbot.shutdown")
WAIT_SECONDS = 10.0
"""Work under way gets this long; well inside the 30 s a platform allows between SIGTERM and SIGKILL."""


async def stop_pools(pools: Sequence[ThreadPoolExecutor], wait_seconds: float = WAIT_SECONDS) -> bool:
    """Shut the pools down off the event loop; True if their work finished within `wait_seconds`."""
    loop = asyncio.get_running_loop()
    finished = asyncio.Event()

    def shut() -> None:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        try:
            loop.call_soon_threadsafe(finished.set)
        except RuntimeError:  # the loop closed while we waited: nobody is listening any more
            pass

    # A thread of its own, not the loop's default executor: a loop's shutdown waits for that one.
    threading.Thread(target=shut, name="partnerbot-shutdown", daemon=True).start()
    try:
        await asyncio.wait_for(finished.wait(), wait_seconds)
        return True
    except asyncio.TimeoutError:
        log.error("work still running at shutdown; stopping without it",
                  extra={"turn": {"waited_seconds": wait_seconds, "threads": busy_threads(pools)}})
        return False


def busy_threads(pools: Sequence[ThreadPoolExecutor]) -> list[dict[str, object]]:
    """Each of the pools' threads still running, with its stack as file:line in function."""
    frames = sys._current_frames()
    out: list[dict[str, object]] = []
    for pool in pools:
        for thread in list(getattr(pool, "_threads", ())):
            frame = frames.get(thread.ident or -1)
            if frame is None or not thread.is_alive():
                continue
            stack = [f"{entry.filename}:{entry.lineno} in {entry.name}" for entry in traceback.extract_stack(frame)]
            out.append({"thread": thread.name, "stack": stack[-12:]})
    return out
