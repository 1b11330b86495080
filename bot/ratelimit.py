"""A token bucket per key (a web visitor, a user): a short burst, then a steady rate.

In memory, per process: it keeps one browser from flooding a server with turns. The
limit that matters across processes (consultation requests per person) is counted
in the database by the tickets service.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

MAX_KEYS = 10_000


@dataclass
class RateLimiter:
    burst: float
    per_second: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: str) -> float:
        """0 when `key` may go ahead (and spends a token); else the seconds until it may."""
        now = self.clock()
        tokens, last = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.per_second
        if len(self._buckets) >= MAX_KEYS and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled (they hold no information)."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.per_second >= self.burst:
                del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:
            self._buckets.clear()
