"""What one acknowledgement's spool append costs, fsynced (PostgreSQL's intake fallback) and not (SQLite's
journal intake), alternating in the same run: batches of 10 events appended and their segment closed at once,
as bot/intake.py does.

    python bench/journal_bench.py [--appends 2000] [--rounds 3] [--dir /path/on/the/spool/disk]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.journal import Journal  # noqa: E402

LINE = {"key": "slack:Ev0123456789", "text": "which agreement if the school pays a tutor " * 3}


def one_round(directory: Path, sync: bool, appends: int) -> list[float]:
    journal = Journal(Path(tempfile.mkdtemp(dir=directory)), "inbox", sync=sync)
    took = []
    for _ in range(appends):
        start = time.perf_counter()
        journal.append([LINE] * 10, close=True)
        took.append(time.perf_counter() - start)
    return took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    for n in range(args.rounds):
        row = []
        for sync in (True, False):
            took = sorted(one_round(args.dir, sync, args.appends))
            p50, p99 = statistics.median(took) * 1e3, took[int(len(took) * 0.99)] * 1e3
            row.append((p50, p99))
            print(f"round {n + 1} {'fsynced' if sync else 'not fsynced':>11}: append p50 {p50:.3f} ms  p99 {p99:.3f} ms")
        print(f"round {n + 1} not fsynced / fsynced: p50 {row[1][0] / row[0][0]:.2f}x  p99 {row[1][1] / row[0][1]:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
