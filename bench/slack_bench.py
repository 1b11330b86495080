"""Benchmark: signed app_mention events against `partnerbot serve` vs a bare bolt app.

    python bench/slack_bench.py [--concurrency 50] [--seconds 30] [--drain 900]
                                [--database sqlite|postgres] [--serves 1|2] [--rate N] [--no-bare]

Both servers run as subprocesses on loopback, with Slack's Web API replaced by a
local fake (so partnerbot's replies, posted after the ack, cost what they cost).
Reports events/s and ack latency (p50/p99) for each, in the same run; for
partnerbot also answers posted per second, the time from each event to its
answer (p50/p99), the inbox depth when the load stops, and how long the drain
takes until every acknowledged event is answered.

- Closed loop (the default): `--concurrency` clients each send the next event as soon
  as the last one is acknowledged: the most the server can take.
- Open loop (`--rate N`): a steady N events a second whatever the server does, as real
  traffic arrives: the time from an event to its answer at that rate.
- `--database postgres` runs partnerbot on a fresh PostgreSQL database (created and
  dropped on the server of `--postgres-url`), `--serves 2` two `serve` processes
  sharing it, the load spread over both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.fakes import SIGNING_SECRET, free_port, slack_headers  # noqa: E402

QUESTIONS = ["which agreement applies?", "who works with Franklin?", "upcoming trainings", "what can this bot do",
             "Do schools run background checks for partner staff?", "tutoring partners at Rainier Beach"]


def wait_ready(url: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    wait_ready_path(url + "/healthz", proc)


def wait_ready_path(url: str, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.returncode}")
            time.sleep(0.2)
    raise SystemExit("server did not start")


def event_body(tag: str, n: int, wid: int) -> str:
    return json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                       "event_id": f"Ev-{tag}-{n}", "event_time": int(time.time()),
                       "event": {"type": "app_mention", "user": f"U{wid}", "channel": "C1",
                                 "ts": f"{time.time():.6f}", "text": f"<@UBOT> {QUESTIONS[n % len(QUESTIONS)]}"},
                       "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})


async def send(session: aiohttp.ClientSession, url: str, body: str) -> tuple[float, bool]:
    t0 = time.perf_counter()
    try:
        async with session.post(url + "/slack/events", data=body, headers=slack_headers(body)) as r:
            await r.read()
            ok = r.status == 200
    except aiohttp.ClientError:
        ok = False
    return time.perf_counter() - t0, ok


async def load(urls: list[str], concurrency: int, seconds: float, tag: str) -> tuple[int, list[float], int]:
    """Closed loop: each client sends its next event once the last is acknowledged."""
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop_at = time.monotonic() + seconds

    async def worker(session: aiohttp.ClientSession, wid: int) -> None:
        nonlocal errors, counter
        while time.monotonic() < stop_at:
            counter += 1
            took, ok = await send(session, urls[counter % len(urls)], event_body(tag, counter, wid))
            latencies.append(took)
            errors += not ok

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(worker(session, i) for i in range(concurrency)))
    return len(latencies), latencies, errors


async def steady(urls: list[str], rate: float, seconds: float, tag: str) -> tuple[int, list[float], int]:
    """Open loop: an event every 1/rate seconds, on schedule, whether or not the last one was acknowledged."""
    latencies: list[float] = []
    errors = 0
    tasks = []

    async def one(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal errors
        took, ok = await send(session, urls[n % len(urls)], event_body(tag, n, n % 50))
        latencies.append(took)
        errors += not ok

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        start = time.monotonic()
        n = 0
        while n < rate * seconds:
            due = start + n / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, n)))
            n += 1
        await asyncio.gather(*tasks)
    return len(latencies), latencies, errors


def run_one(name: str, cmds: list[list[str]], env: dict[str, str], ports: list[int], args: argparse.Namespace,
            fake_url: str | None = None, tree: Path = ROOT) -> dict[str, float]:
    procs = []
    try:
        for cmd, port in zip(cmds, ports):  # one after the other: the first migrates an empty database
            procs.append(subprocess.Popen(cmd, env={**env, "PORT": str(port), "PYTHONPATH": str(tree)}, cwd=tree,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_ready(f"http://127.0.0.1:{port}", procs[-1])
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        if args.rate:
            asyncio.run(steady(urls, args.rate, 2.0, f"{name}-warm"))
        else:
            asyncio.run(load(urls, args.concurrency, 2.0, f"{name}-warm"))
        if fake_url:
            drain(urls, fake_url, 120, quiet=True)  # the warm-up's answers are not counted
            answers_before = fetch_json(fake_url + "/stats").get("chat.postMessage", 0)
            fetch_json(fake_url + "/reset-latencies")
        if args.rate:
            count, latencies, errors = asyncio.run(steady(urls, args.rate, args.seconds, name))
        else:
            count, latencies, errors = asyncio.run(load(urls, args.concurrency, args.seconds, name))
        if fake_url:
            report_answers(urls, fake_url, count, answers_before, args)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    rate = count / args.seconds
    ms = [x * 1000 for x in latencies]
    print(f"{name:>10}: {rate:8.1f} events/s  ack p50 {percentile(ms, 50):6.1f} ms  p99 {percentile(ms, 99):6.1f} ms  "
          f"errors {errors}")
    return {"rate": rate, "p99": percentile(ms, 99), "errors": errors}


def fetch_json(url: str) -> dict:  # type: ignore[type-arg]
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def drain(urls: list[str], fake_url: str, limit: float, quiet: bool = False) -> float:
    """Seconds until the inbox is empty (or the limit)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if fetch_json(urls[0] + "/readyz").get("inbox", 1) == 0:
            return time.monotonic() - t0
        time.sleep(0.1)
    if not quiet:
        print(f"drain not finished after {limit:.0f} s")
    return float("inf")


def report_answers(urls: list[str], fake_url: str, acked: int, answers_before: int, args: argparse.Namespace) -> None:
    depth = fetch_json(urls[0] + "/readyz").get("inbox", -1)
    during = fetch_json(fake_url + "/stats").get("chat.postMessage", 0) - answers_before
    took = drain(urls, fake_url, args.drain)
    answered = fetch_json(fake_url + "/stats").get("chat.postMessage", 0) - answers_before
    waits = [x * 1000 for x in fetch_json(fake_url + "/latencies")["seconds"]]
    print(f"{'':>10}  answers: {during / args.seconds:.1f}/s during the load, inbox depth {depth} when it stopped; "
          f"drained in {took:.0f} s ({answered} answers for {acked} acked events)")
    print(f"{'':>10}  event -> answer posted: p50 {percentile(waits, 50):.1f} ms  p99 {percentile(waits, 99):.1f} ms"
          f"  ({len(waits)} answers)")


FAKE_SLACK = """
import sys, time
from aiohttp import web
sys.path.insert(0, {root!r})
from tests.fakes import FakeSlack

class TimedSlack(FakeSlack):
    # Records, for each answer in a thread, the seconds since the event it answers (its ts).
    def app(self):
        app = super().app()
        self.seconds, self.counts = [], {{}}
        app.router.add_get("/latencies", self._latencies)
        app.router.add_get("/reset-latencies", self._reset)
        return app

    async def _api(self, request):
        response = await super()._api(request)
        method = request.match_info["method"]
        self.counts[method] = self.counts.get(method, 0) + 1
        if method == "chat.postMessage" and self.calls[-1].args.get("thread_ts"):
            self.seconds.append(time.time() - float(self.calls[-1].args["thread_ts"]))
        self.calls.clear()  # keep memory flat: /stats reports the counts
        self.posted.clear()
        return response

    async def _stats(self, request):
        return web.json_response(self.counts)

    async def _latencies(self, request):
        return web.json_response({{"seconds": self.seconds}})

    async def _reset(self, request):
        self.seconds = []
        return web.json_response({{}})

web.run_app(TimedSlack().app(), host="127.0.0.1", port={port}, print=None, access_log=None)
"""


def postgres_database(admin_url: str) -> tuple[str, object]:
    """A fresh PostgreSQL database for one run: its URL, and a function that drops it."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"pb_slack_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--drain", type=float, default=900, help="seconds to wait for every event to be answered")
    parser.add_argument("--rate", type=float, default=0, help="open loop: this many events a second, steadily")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--serves", type=int, default=1, help="serve processes sharing the database (PostgreSQL)")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare bolt baseline")
    parser.add_argument("--against", type=Path, action="append", default=[],
                        help="also measure partnerbot from this checkout (an older tree), in the same run")
    args = parser.parse_args()
    if args.serves > 1 and args.database != "postgres":
        parser.error("several serve processes share a PostgreSQL database: add --database postgres")
    # The fake Slack API runs in its own process, so answering partnerbot's replies
    # does not slow the load generator (the bare app sends none).
    fake_port = free_port()
    fake = subprocess.Popen([sys.executable, "-c", FAKE_SLACK.format(root=str(ROOT), port=fake_port)], cwd=ROOT)
    fake_url = f"http://127.0.0.1:{fake_port}"
    drop = None
    try:
        wait_ready_path(fake_url + "/stats", fake)
        base = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": f"{fake_url}/api/"}
        bare = None
        if not args.no_bare:
            bare_port = free_port()
            bare = run_one("bare bolt", [[sys.executable, "bench/bare_bolt.py", str(bare_port)]], base, [bare_port], args)
        results = []
        for tree in [ROOT, *args.against]:
            if args.database == "postgres":
                url, drop = postgres_database(args.postgres_url)
            else:
                url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='partnerbot-slack-bench-')) / 'bench.db'}"
            env = {**base, "DATABASE_URL": url, "PARTNERBOT_SPOOL_DIR": tempfile.mkdtemp()}
            ports = [free_port() for _ in range(args.serves)]
            serve = [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"]
            name = ("partnerbot" if tree == ROOT else tree.name) + ("" if args.serves == 1 else f" x{args.serves}")
            results.append((name, run_one(name, [serve] * args.serves, env, ports, args, fake_url, tree)))
            if drop is not None:
                drop()  # type: ignore[operator]
                drop = None
    finally:
        fake.terminate()
        fake.wait(10)
        if drop is not None:
            drop()  # type: ignore[operator]
    for name, ours in results:
        if bare is not None:
            print(f"{name}: throughput {100 * ours['rate'] / bare['rate']:.0f}% of bare bolt; "
                  f"ack p99 {ours['p99'] / bare['p99']:.2f}x bare bolt's")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
