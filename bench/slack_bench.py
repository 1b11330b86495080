"""Benchmark: signed app_mention events against `partnerbot serve` vs a bare bolt app.

    python bench/slack_bench.py [--concurrency 50] [--seconds 30] [--drain 900]

Both servers run as subprocesses on loopback, with Slack's Web API replaced by a
local fake (so partnerbot's replies, posted after the ack, cost what they cost).
Reports events/s and ack latency (p50/p99) for each, in the same run; for
partnerbot also answers posted per second, the time from each event to its
answer (p50/p99), the inbox depth when the load stops, and how long the drain
takes until every acknowledged event is answered.
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


async def load(url: str, concurrency: int, seconds: float, tag: str) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop_at = time.monotonic() + seconds

    async def worker(session: aiohttp.ClientSession, wid: int) -> None:
        nonlocal errors, counter
        while time.monotonic() < stop_at:
            counter += 1
            n = counter
            body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1",
                               "event_id": f"Ev-{tag}-{n}", "event_time": int(time.time()),
                               "event": {"type": "app_mention", "user": f"U{wid}", "channel": "C1",
                                         "ts": f"{time.time():.6f}", "text": f"<@UBOT> {QUESTIONS[n % len(QUESTIONS)]}"},
                               "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}]})
            t0 = time.perf_counter()
            try:
                async with session.post(url + "/slack/events", data=body, headers=slack_headers(body)) as r:
                    await r.read()
                    if r.status != 200:
                        errors += 1
            except aiohttp.ClientError:
                errors += 1
            latencies.append(time.perf_counter() - t0)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(worker(session, i) for i in range(concurrency)))
    return len(latencies), latencies, errors


def run_one(name: str, cmd: list[str], env: dict[str, str], port: int, args: argparse.Namespace,
            fake_url: str | None = None) -> dict[str, float]:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        asyncio.run(load(url, args.concurrency, 2.0, f"{name}-warm"))
        if fake_url:
            drain(url, fake_url, 120, quiet=True)  # the warm-up's answers are not counted
            answers_before = fetch_json(fake_url + "/stats").get("chat.postMessage", 0)
            fetch_json(fake_url + "/reset-latencies")
        count, latencies, errors = asyncio.run(load(url, args.concurrency, args.seconds, name))
        if fake_url:
            report_answers(url, fake_url, count, answers_before, args)
    finally:
        proc.terminate()
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


def drain(url: str, fake_url: str, limit: float, quiet: bool = False) -> float:
    """Seconds until the inbox is empty (or the limit)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if fetch_json(url + "/readyz").get("inbox", 1) == 0:
            return time.monotonic() - t0
        time.sleep(0.5)
    if not quiet:
        print(f"drain not finished after {limit:.0f} s")
    return float("inf")


def report_answers(url: str, fake_url: str, acked: int, answers_before: int, args: argparse.Namespace) -> None:
    depth = fetch_json(url + "/readyz").get("inbox", -1)
    during = fetch_json(fake_url + "/stats").get("chat.postMessage", 0) - answers_before
    took = drain(url, fake_url, args.drain)
    answered = fetch_json(fake_url + "/stats").get("chat.postMessage", 0) - answers_before
    waits = [x * 1000 for x in fetch_json(fake_url + "/latencies")["seconds"]]
    print(f"{'':>10}  answers: {during / args.seconds:.1f}/s during the load, inbox depth {depth} when it stopped; "
          f"drained in {took:.0f} s ({answered} answers for {acked} acked events)")
    print(f"{'':>10}  event -> answer posted: p50 {percentile(waits, 50) / 1000:.1f} s  "
          f"p99 {percentile(waits, 99) / 1000:.1f} s")


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--drain", type=float, default=900, help="seconds to wait for every event to be answered")
    args = parser.parse_args()
    # The fake Slack API runs in its own process, so answering partnerbot's replies
    # does not slow the load generator (the bare app sends none).
    fake_port = free_port()
    fake = subprocess.Popen([sys.executable, "-c", FAKE_SLACK.format(root=str(ROOT), port=fake_port)], cwd=ROOT)
    fake_url = f"http://127.0.0.1:{fake_port}"
    try:
        wait_ready_path(fake_url + "/stats", fake)
        base = {**os.environ, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": f"{fake_url}/api/"}
        bare_port, bot_port = free_port(), free_port()
        bare = run_one("bare bolt", [sys.executable, "bench/bare_bolt.py", str(bare_port)], base, bare_port, args)
        db = Path(tempfile.mkdtemp(prefix="partnerbot-slack-bench-")) / "bench.db"
        env = {**base, "DATABASE_URL": f"sqlite:///{db}", "PORT": str(bot_port)}
        ours = run_one("partnerbot", [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1"], env, bot_port, args,
                       fake_url)
    finally:
        fake.terminate()
        fake.wait(10)
    print(f"partnerbot throughput = {100 * ours['rate'] / bare['rate']:.0f}% of bare bolt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
