"""Cold start of `partnerbot ask`: a new process, a prepared database, a warm classifier cache.

Each round runs, in turn: `python -c pass` (the interpreter), `python -c "import
sqlalchemy.orm"` (the floor any command using the database pays), and `partnerbot
ask` (optionally also each tree given with `--against DIR`, e.g. older checkouts, for
ratios measured in the same run). Medians and minimums over the rounds.

    python bench/coldstart_bench.py --rounds 15 [--against /tmp/old [--against /tmp/older]]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTION = "which agreement applies if the PTSA pays"


def timed(command: list[str], env: dict[str, str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def tree_env(env: dict[str, str], work: str, name: str) -> dict[str, str]:
    """Each tree its own database and cache: an older tree cannot open a newer schema."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    return {**env, "DATABASE_URL": f"sqlite:///{work}/{slug}.db", "PARTNERBOT_CACHE_DIR": f"{work}/cache-{slug}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--against", action="append", default=[],
                        help="another checkout of partnerbot to time beside this one (repeatable)")
    args = parser.parse_args()

    here = str(Path(__file__).resolve().parent.parent)
    work = tempfile.mkdtemp(prefix="partnerbot-coldstart-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as on a user's machine
    trees = {"this tree": here, **{f"against {tree}": tree for tree in args.against}}
    commands = {"python -c pass": ([sys.executable, "-c", "pass"], here, env),
                "import sqlalchemy.orm": ([sys.executable, "-c", "import sqlalchemy.orm"], here, env)}
    for name, tree in trees.items():
        commands[f"ask ({name})"] = ([sys.executable, "-m", "bot", "ask", QUESTION], tree, tree_env(env, work, name))
    for command, cwd, command_env in commands.values():  # warm up: database, classifier cache, .pyc files
        timed(command, command_env, cwd)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.rounds):
        for name, (command, cwd, command_env) in commands.items():
            times[name].append(timed(command, command_env, cwd))
    floor = statistics.median(times["import sqlalchemy.orm"])
    print(f"{args.rounds} rounds, seconds (median / min), ratio of medians to `import sqlalchemy.orm`:")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:36s} {median:.3f} / {min(values):.3f}   x{median / floor:.2f}")
    for tree in args.against:
        ratio = statistics.median(times["ask (this tree)"]) / statistics.median(times[f"ask (against {tree})"])
        print(f"  this tree / {tree}: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
