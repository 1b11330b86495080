"""Benchmark: 1,000 varied questions answered through the in-process router.

    python bench/router_bench.py [--questions 1000] [--database-url URL]

Each question is one full turn (`Bot.handle`): understanding, the handler, the
conversation-state and question-log writes, on a fresh SQLite file with the
shipped sample data. Reports p50/p99 per question and peak memory (RSS).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import peak_rss_mb, summary_ms, temp_sqlite_url  # noqa: E402
from bot.seed import prepare
from bot.config import Settings  # noqa: E402
from bot.core import Message  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.router import Bot  # noqa: E402

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
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or temp_sqlite_url("router.db")
    settings = Settings.from_env({"DATABASE_URL": url})
    database = Database.connect(url)
    prepare(database)
    bot = Bot(settings, database)
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
