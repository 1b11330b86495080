"""Load check: concurrent web-chat conversations against one `partnerbot serve`.

    python bench/webchat_load.py [--conversations 200] [--seconds 60] [--think 1.0] [--database-url URL]

Each simulated user runs a realistic conversation (agreement question, a button
press, a partner lookup, trainings, FAQ) with `--think` seconds (±50%) between
messages, like a person reading the answer. Default database: a fresh SQLite
file; pass a PostgreSQL URL (an empty database) to test that. Reports turns/s,
latency p50/p99, errors, and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.fakes import free_port  # noqa: E402

SCRIPT = [
    {"text": "which agreement applies?"},
    {"button": 1},
    {"text": "who works with Franklin High School?"},
    {"text": "upcoming trauma-informed trainings"},
    {"text": "Do schools run background checks for partner staff?"},
    {"text": "tutoring partners at Rainer Beach"},
    {"text": "what can this bot do"},
]


async def conversation(connector: aiohttp.TCPConnector, url: str, n: int, stop_at: float, think: float,
                       latencies: list[float], errors: list[str]) -> None:
    # One visitor per conversation: its own cookie jar (the server's identity cookie), a shared connection pool.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), connector=connector,
                                     connector_owner=False, cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        await talk(session, url, n, stop_at, think, latencies, errors)


async def talk(session: aiohttp.ClientSession, url: str, n: int, stop_at: float, think: float,
               latencies: list[float], errors: list[str]) -> None:
    rng = random.Random(n)
    sid = f"load-{n}"
    await asyncio.sleep(rng.random() * think)
    last: dict | None = None  # type: ignore[type-arg]
    step = 0
    while time.monotonic() < stop_at:
        turn = SCRIPT[step % len(SCRIPT)]
        step += 1
        payload: dict[str, str] = {"session": sid}
        if "button" in turn:
            buttons = (last or {}).get("buttons") or []
            if len(buttons) <= turn["button"]:
                continue
            payload.update(action=buttons[turn["button"]]["action"], value=buttons[turn["button"]]["value"])
        else:
            payload["text"] = turn["text"]
        t0 = time.perf_counter()
        try:
            async with session.post(url + "/chat", json=payload) as response:
                body = await response.json()
                if response.status != 200 or not body.get("text"):
                    errors.append(f"HTTP {response.status}")
                last = body
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            errors.append(exc.__class__.__name__)
        latencies.append(time.perf_counter() - t0)
        await asyncio.sleep(think * (0.5 + rng.random()))


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def drive(url: str, args: argparse.Namespace) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + args.seconds
    connector = aiohttp.TCPConnector(limit=args.conversations)
    try:
        await asyncio.gather(*(conversation(connector, url, n, stop_at, args.think, latencies, errors)
                               for n in range(args.conversations)))
    finally:
        await connector.close()
    return latencies, errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url_db = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp(prefix='partnerbot-load-')) / 'load.db'}"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url_db, "WEB_CHAT_ENABLED": "1", "PORT": str(port)}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        latencies, errors = asyncio.run(drive(url, args))
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    ms = [x * 1000 for x in latencies]
    backend = url_db.split(":", 1)[0]
    print(f"{backend}: {args.conversations} conversations, {args.seconds:.0f} s, think {args.think} s: "
          f"{len(ms) / args.seconds:.1f} turns/s, p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
          f"errors {len(errors)}{' ' + str(sorted(set(errors))) if errors else ''}, server peak RSS {rss:.0f} MB")
    return 0 if not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
