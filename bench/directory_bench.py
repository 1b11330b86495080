"""Benchmark: the partner directory at district scale.

    python bench/directory_bench.py [--partnerships 100000] [--organisations 5000] [--lookups 1000]

1. Writes a generated CSV (`partnerbot sample-data`) with N partnerships over the
   102 schools and M organisations, and times `partnerbot import partners` of it
   into a fresh SQLite file (a real subprocess, as an operator would run it).
2. Times lookup questions answered end to end in process (`Bot.handle`) against
   that database: p50/p99 and peak memory.
3. Partnership health on the same data (every row carries paperwork columns): a
   compliance question about one school ("what's missing for our partners at …"),
   end to end, p50/p99; "compliance by region" (the whole district in chat); and the
   district report page (`partnerbot report --html`), each timed several times.
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
from bot.app import create_bot, settle_heap  # noqa: E402
from bot.district_report import district_report  # noqa: E402

COMPLIANCE = ["what's missing for our partners at {}?", "is everything on file for the partners at {}",
              "compliance status for partners at {}", "which partners at {} have expired background checks"]
SCHOOLS = ["Garfield", "Franklin", "Roosevelt", "Lowell", "Rainier Beach", "Hamilton", "Aki Kurose", "Ballard",
           "Cleveland", "Whitman", "Beacon Hill", "Bailey Gatzert"]
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
    bot = create_bot(settings, database=database)
    rng = random.Random(3)
    compliance = [q.format(s) for q in COMPLIANCE for s in SCHOOLS]
    lookups, checks = time_alternately(bot, {"lookup": LOOKUPS, "compliance": compliance}, args.lookups, rng, {
        "lookup": lambda reply: reply.intent == "partners", "compliance": lambda reply: reply.data.get("kind") == "health"})
    print(f"lookup ({args.partnerships} partnerships, {args.organisations} organisations): {summary_ms(lookups)}; "
          f"peak RSS {peak_rss_mb():.0f} MB")
    print(f"compliance question for one school (asked alternately with the lookups): {summary_ms(checks)}")
    whole_district(bot, settings, database)
    return 0


def time_alternately(bot, kinds, count, rng, checks):  # type: ignore[no-untyped-def]
    """Each kind's questions asked in turn (warm first, then the heap settled as `serve` and the worker
    settle theirs), so both see the same machine; seconds per kind."""
    for questions in kinds.values():
        for text in questions:
            bot.handle(Message(text, "warm", "cli", "warm", "warm"))
    settle_heap()
    timings = {kind: [] for kind in kinds}
    for i in range(count):
        for kind, questions in kinds.items():
            text = rng.choice(questions)
            t0 = time.perf_counter()
            reply = bot.handle(Message(text, f"u{i % 40}", "cli", f"{kind}{i}", f"{kind}{i}"))
            timings[kind].append(time.perf_counter() - t0)
            assert checks[kind](reply), (text, reply.intent, reply.data)
    return tuple(timings.values())


def whole_district(bot, settings, database) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    region = []
    for i in range(5):
        t0 = time.perf_counter()
        reply = bot.handle(Message("compliance by region", "r", "cli", f"r{i}", f"r{i}"))
        region.append(time.perf_counter() - t0)
        assert reply.data["distribution"]["kind"] == "compliance_by_region"
    print("compliance by region (whole district, in chat), 5 runs: " + ", ".join(f"{t:.2f} s" for t in region))
    pages = []
    for _ in range(3):
        t0 = time.perf_counter()
        with database.session() as session:
            page = district_report(session, settings, dt.datetime.now(dt.timezone.utc))
        pages.append(time.perf_counter() - t0)
    print(f"district report page ({len(page) // 1024} KB), 3 runs: " + ", ".join(f"{t:.2f} s" for t in pages))


if __name__ == "__main__":
    raise SystemExit(main())
