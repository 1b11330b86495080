"""Benchmark: 1,000 varied questions answered through the in-process router.

    python bench/router_bench.py [--questions 1000] [--database-url URL] [--runs 5]

Each question is one full turn (`Bot.handle`): understanding, the handler, the
conversation-state and question-log writes, on a fresh SQLite file with the
shipped sample data. Reports p50/p99 per question and peak memory (RSS), the
understanding step alone (the classifier), the classifier's training time
(from an empty cache), and the cold start of `partnerbot ask` (process start to
answer) next to a bare `python -c pass` measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, percentile, summary_ms, temp_sqlite_url  # noqa: E402
from bot.app import classifier_builder, create_bot  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.core import Message  # noqa: E402

QUESTIONS = [
    "We are paying a dance instructor to teach PE units. Which agreement applies?",
    "A local nonprofit will run a free homework club with their own funding. What agreement?",
    "An organization is leasing space in our building for several years",
    "Our PTSA coordinates the after-school enrichment classes",
    "which agreement applies?",
    "We will pay a partner $12,000 this year from school funds",
    "what's the difference between an MOU and a PSC",
    "Do schools run background checks for partner staff?",
    "Can a partner see our students' assessment scores?",
    "Where is the partnership summary one-pager?",
    "Where do I take the partnership requirements training module?",
    "Upcoming trauma-informed trainings?",
    "RULER sessions next month",
    "Which partners serve Roosevelt High School?",
    "tutoring partners at Franklin",
    "who works with Rainer Beach",
    "partners at REMS",
    "which schools have no mentoring partner?",
    "partnerships per region",
    "Is my consultation ticket open still?",
    "what can this bot do",
    "How do I book a field trip bus?",
    "backround chekcs for volunters?",
    "wat agrement for a CBO thats free",
    "I need a consultation about a DSA for our tutoring partner at Garfield",
    "not sure who's paying yet",
    "only the arts ones",
    "thanks!",
]


TRAIN = ("from bot.app import build_registry, classifier_builder; from bot.config import Settings; "
         "classifier_builder(Settings.from_env(), build_registry())(())")


def cold_starts(url: str, cache_dir: str, runs: int) -> tuple[list[float], list[float]]:
    """Wall time of `partnerbot ask` (warm model cache, existing database) and of a bare interpreter."""
    env = dict(os.environ, DATABASE_URL=url, PARTNERBOT_CACHE_DIR=cache_dir)
    ask, bare = [], []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", "tutoring partners at Franklin"], env=env, check=True,
                       capture_output=True)
        ask.append(time.perf_counter() - start)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    return ask, bare


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    args = parser.parse_args()
    url = args.database_url or temp_sqlite_url("router.db")
    cache_dir = tempfile.mkdtemp(prefix="partnerbot-bench-model-")
    settings = Settings.from_env({"DATABASE_URL": url, "PARTNERBOT_CACHE_DIR": cache_dir})
    env = dict(os.environ, DATABASE_URL=url, PARTNERBOT_CACHE_DIR=cache_dir)
    started = time.perf_counter()  # in a process of its own, so training's memory is not counted below
    subprocess.run([sys.executable, "-c", TRAIN], env=env, check=True)
    print(f"classifier training (empty cache, in a fresh process incl. imports): {time.perf_counter() - started:.2f} s")
    bot = create_bot(settings)
    started = time.perf_counter()
    classifier_builder(settings, bot.registry)(())
    print(f"classifier load (cached): {1000 * (time.perf_counter() - started):.1f} ms")
    database = bot.database
    rng = random.Random(7)
    for q in QUESTIONS:  # warm caches (school index, knowledge files)
        bot.handle(Message(q, "warm", "cli", "warm", "warm"))
    timings: list[float] = []
    for i in range(args.questions):
        text = rng.choice(QUESTIONS)
        message = Message(text, f"user-{i % 50}", "cli", f"s-{i}", f"s-{i}")
        start = time.perf_counter()
        bot.handle(message)
        timings.append(time.perf_counter() - start)
    print(f"router ({database.engine.dialect.name}): {summary_ms(timings)}; peak RSS {peak_rss_mb():.0f} MB")
    understanding: list[float] = []
    with database.session() as session:
        lookups = bot.directory.lookups(session)
        for i in range(args.questions):
            text = rng.choice(QUESTIONS)
            start = time.perf_counter()
            bot.classifier.understand(text, lookups)
            understanding.append(time.perf_counter() - start)
    print(f"understanding alone: {summary_ms(understanding)}")
    ask, bare = cold_starts(url, cache_dir, args.runs)
    print(f"cold start `partnerbot ask` (n={args.runs}): median {percentile(ask, 50):.2f} s, "
          f"min {min(ask):.2f} s; bare `python -c pass` median {percentile(bare, 50):.2f} s "
          f"(ratio {percentile(ask, 50) / percentile(bare, 50):.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
