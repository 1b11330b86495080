"""Shared helpers for the benchmarks: percentiles, memory, a throwaway database."""

from __future__ import annotations

import os
import resource
import statistics
import tempfile


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (f"n={len(ms)} p50={percentile(ms, 50):.2f} ms p90={percentile(ms, 90):.2f} ms "
            f"p99={percentile(ms, 99):.2f} ms max={max(ms):.2f} ms mean={statistics.mean(ms):.2f} ms")


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def temp_sqlite_url(name: str) -> str:
    directory = tempfile.mkdtemp(prefix="partnerbot-bench-")
    return f"sqlite:///{os.path.join(directory, name)}"
