"""Benchmark: the partner directory at district scale.

    python bench/directory_bench.py [--partnerships 100000] [--organisations 5000] [--lookups 1000]

1. Writes a generated CSV (`partnerbot sample-data`) with N partnerships over the
   102 schools and M organisations, and times `partnerbot import partners` of it
   into a fresh SQLite file (a real subprocess, as an operator would run it).
2. Times lookup questions answered end to end in process (`Bot.handle`) against
   that database: p50/p99 and peak memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import peak_rss_mb, summary_ms  # noqa: E402
from bot.seed import prepare
from bot.config import Settings  # noqa: E402
from bot.core import Message  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.router import Bot  # noqa: E402

LOOKUPS = [
    "Which partners serve Roosevelt High School?", "tutoring partners at Franklin", "who works with Rainer Beach",
    "partners at REMS", "mental health partners at Garfield HS", "who works at Hamilton International Middle School",
    "partners at Beacon Hill elementary", "any mentoring partners at aki kurose?", "STEM partners at Cleveland",
    "who works with Whitmen", "arts partners at Lowell", "list partners at Bailey Gatzert",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partnerships", type=int, default=100_000)
    parser.add_argument("--organisations", type=int, default=5_000)
    parser.add_argument("--lookups", type=int, default=1000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="partnerbot-dir-bench-"))
    csv_path = work / "partners.csv"
    url = f"sqlite:///{work / 'directory.db'}"
    env = {**os.environ, "DATABASE_URL": url, "LOAD_SAMPLE_DATA": "0"}
    cli = [sys.executable, "-m", "bot"]
    subprocess.run(cli + ["sample-data", "--partnerships", str(args.partnerships), "--organisations",
                          str(args.organisations), "--out", str(csv_path)], env=env, check=True, cwd=ROOT)
    subprocess.run(cli + ["db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    start = time.perf_counter()
    imported = subprocess.run(cli + ["import", "partners", str(csv_path)], env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"import partners: {args.partnerships} rows in {seconds:.1f} s (exit {imported.returncode}, "
          f"peak RSS of the largest child so far {child_peak:.0f} MB): {imported.stdout.strip()}")
    again = time.perf_counter()
    reimport = subprocess.run(cli + ["import", "partners", str(csv_path)], env=env, cwd=ROOT, capture_output=True, text=True)
    print(f"re-import (idempotent): {time.perf_counter() - again:.1f} s: {reimport.stdout.strip()}")

    settings = Settings.from_env({"DATABASE_URL": url})
    database = Database.connect(url)
    prepare(database)
    bot = Bot(settings, database)
    for text in LOOKUPS:
        bot.handle(Message(text, "warm", "cli", "warm", "warm"))
    rng = random.Random(3)
    timings = []
    for i in range(args.lookups):
        text = rng.choice(LOOKUPS)
        t0 = time.perf_counter()
        reply = bot.handle(Message(text, f"u{i % 40}", "cli", f"s{i}", f"s{i}"))
        timings.append(time.perf_counter() - t0)
        assert reply.intent == "partners", (text, reply.intent)
    print(f"lookup ({args.partnerships} partnerships, {args.organisations} organisations): {summary_ms(timings)}; "
          f"peak RSS {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
