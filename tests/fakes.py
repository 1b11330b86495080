"""Local fake servers that speak the real protocols and record every call:
a Slack Web API (`/api/<method>` plus response_url endpoints) and a Bot Framework
connector (`/v3/conversations/...`). Plus a helper that runs any aiohttp app on
a real port in a background thread, and Slack request signing."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import hmac
import json
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import warnings
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CLEANUP_SECONDS = 120
STACKS_AFTER_SECONDS = 30


class ServerThread:
    """Runs an aiohttp Application on 127.0.0.1:<port> in its own event loop thread."""

    def __init__(self, app: web.Application, port: int | None = None) -> None:
        self.app = app
        self.port = port or free_port()
        self.loop = asyncio.new_event_loop()
        # A test's server stops without waiting a minute for requests its client gave up on (a fuzz run's).
        self.runner = web.AppRunner(app, shutdown_timeout=5.0)
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "ServerThread":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(30)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def __exit__(self, *exc: object) -> None:
        # A server's cleanup waits for its turns and its worker process; on a loaded machine (the whole
        # suite, a browser test before) that has once taken over 30 s, which failed an unrelated test.
        cleanup = asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop)
        try:
            cleanup.result(STACKS_AFTER_SECONDS)
        except concurrent.futures.TimeoutError:
            # Twice in CI a cleanup never finished (no stack was kept). Where every thread stands goes into
            # the run's warnings summary, which a passing run prints too; past CLEANUP_SECONDS the server's
            # loop is left to its daemon thread, so one stuck shutdown does not fail the test that used it.
            stacks = _every_threads_stack()
            try:
                cleanup.result(CLEANUP_SECONDS - STACKS_AFTER_SECONDS)
            except concurrent.futures.TimeoutError:
                warnings.warn(f"ServerThread: cleanup abandoned after {CLEANUP_SECONDS} s; at "
                              f"{STACKS_AFTER_SECONDS} s every thread stood here:\n{stacks}", stacklevel=2)
                return
            warnings.warn(f"ServerThread: cleanup took over {STACKS_AFTER_SECONDS} s; at that moment every "
                          f"thread stood here:\n{stacks}", stacklevel=2)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        if not self.thread.is_alive():
            # An unclosed loop is closed by the collector instead, at whatever moment it runs:
            # once, deep in a test's stack, that raised RecursionError in the loop's __del__.
            self.loop.close()


def _every_threads_stack() -> str:
    frames = sys._current_frames()
    out = []
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        if frame is not None:
            out.append(f"--- {thread.name}\n" + "".join(traceback.format_stack(frame)[-15:]))
    return "\n".join(out)


@dataclass
class Call:
    method: str
    args: dict[str, Any]


@dataclass
class FakeSlack:
    """Records Web API calls; `fail` maps a method to an error to return once (or N times)."""

    calls: list[Call] = field(default_factory=list)
    fail: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)  # seconds a method takes to answer (after it acted)
    posted: list[dict[str, Any]] = field(default_factory=list)  # messages as conversations.history returns them
    users_by_email: dict[str, str] = field(default_factory=dict)  # for users.lookupByEmail
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # file id -> name, length, bytes (file uploads)
    responded: list[dict[str, Any]] = field(default_factory=list)  # answers a response URL took
    _ts: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)
        app.router.add_post("/respond/{id}", self._respond)
        app.router.add_post("/upload/{id}", self._upload)
        app.router.add_get("/stats", self._stats)
        return app

    async def _stats(self, request: web.Request) -> web.Response:
        counts: dict[str, int] = {}
        for call in self.calls:
            counts[call.method] = counts.get(call.method, 0) + 1
        return web.json_response(counts)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.method == "GET":
            args = dict(request.query)
        elif request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(urllib.parse.parse_qsl(await request.text()))
        if request.method == "POST" and request.query:  # the async client sends some methods' arguments as params
            args = {**request.query, **args}
        for key in ("blocks", "view", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        self.calls.append(Call(method, args))
        failures = self.fail.get(method)
        if failures:
            status, body, headers = failures.pop(0)
            return web.json_response(body, status=status, headers=headers)
        if method == "users.info":
            user = args.get("user", "")
            return web.json_response({"ok": True, "user": {"id": user, "name": user.lower(),
                                                            "profile": {"display_name": f"Name of {user}"}}})
        if method == "users.lookupByEmail":
            user = self.users_by_email.get(str(args.get("email", "")).lower())
            if user is None:
                return web.json_response({"ok": False, "error": "users_not_found"})
            return web.json_response({"ok": True, "user": {"id": user, "profile": {"email": args.get("email")}}})
        if method == "auth.test":
            return web.json_response({"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1", "user": "partnerbot"})
        if method in ("chat.postMessage", "chat.update"):
            self._ts += 1
            ts = args.get("ts") or f"1700000000.{self._ts:06d}"
            if method == "chat.postMessage":
                metadata = args.get("metadata")
                self.posted.append({"channel": args.get("channel"), "ts": ts, "text": args.get("text"),
                                    "thread_ts": args.get("thread_ts"),
                                    "metadata": json.loads(metadata) if isinstance(metadata, str) else metadata})
            if method in self.delay:
                await asyncio.sleep(self.delay[method])  # it happened, but the caller may have given up waiting
            return web.json_response({"ok": True, "channel": args.get("channel"), "ts": ts})
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.uploads) + 1:08d}"
            self.uploads[file_id] = {"name": args.get("filename"), "length": int(args.get("length") or 0), "data": b""}
            return web.json_response({"ok": True, "file_id": file_id,
                                      "upload_url": f"{request.url.origin()}/upload/{file_id}"})
        if method == "files.completeUploadExternal":
            shared = [{"id": f["id"], "title": f.get("title"), "name": self.uploads[f["id"]]["name"]}
                      for f in args.get("files") or [] if f.get("id") in self.uploads]
            if args.get("channel_id"):
                self._ts += 1
                self.posted.append({"channel": args.get("channel_id"), "ts": f"1700000000.{self._ts:06d}", "text": "",
                                    "thread_ts": args.get("thread_ts"), "metadata": None, "files": shared})
            if method in self.delay:
                await asyncio.sleep(self.delay[method])
            return web.json_response({"ok": True, "files": shared})
        if method in ("conversations.history", "conversations.replies"):
            channel, thread = args.get("channel"), args.get("ts")
            found = [m for m in reversed(self.posted) if m["channel"] == channel
                     and (method == "conversations.history" or m["thread_ts"] == thread)]
            return web.json_response({"ok": True, "messages": found})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": args.get("users")}})
        return web.json_response({"ok": True})

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes."""
        file_id = request.match_info["id"]
        if file_id not in self.uploads:
            return web.Response(status=404, text="unknown upload")
        self.uploads[file_id]["data"] = await request.read()
        return web.Response(text="OK - uploaded")

    def shared_files(self) -> list[dict[str, Any]]:
        """Files shared in a channel, with their upload's bytes."""
        return [{**f, "channel": m["channel"], "thread_ts": m["thread_ts"], "data": self.uploads[f["id"]]["data"]}
                for m in self.posted for f in m.get("files") or []]

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", await request.json()))
        failures = self.fail.get("response_url")
        if failures:
            status, body, headers = failures.pop(0)
            return web.json_response(body, status=status, headers=headers)
        self.responded.append(self.calls[-1].args)
        return web.json_response({"ok": True})

    def named(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.named(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {self.named(method)}; all: {[c.method for c in self.calls]}")


@dataclass
class FakeConnector:
    """A Bot Framework connector: records activities posted to conversations, and new conversations
    (a post that starts a thread in a channel, or a 1:1 chat). `fail_status` fails every call;
    `throttle` answers the next calls with (status, Retry-After) each; `delay` slows every post (seconds)."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    fail_status: int | None = None
    throttle: list[tuple[int, str]] = field(default_factory=list)
    delay: float = 0.0
    answer_delay: float = 0.0  # seconds a post takes to be answered after it was recorded (it exists by then)
    rosters: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # team id -> its members
    _n: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._members)
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity_id}", self._put)
        return app

    def _refused(self) -> web.Response | None:
        if self.fail_status:
            return web.json_response({"error": {"code": "BotNotInConversationRoster"}}, status=self.fail_status)
        if self.throttle:
            status, retry_after = self.throttle.pop(0)
            return web.json_response({"error": {"code": "Throttled"}}, status=status, headers={"Retry-After": retry_after})
        return None

    async def _members(self, request: web.Request) -> web.Response:
        """A team's roster, a page at a time (pageSize, continuationToken: the offset)."""
        refused = self._refused()
        if refused is not None:
            return refused
        team = request.match_info["conversation"]
        if team not in self.rosters:
            return web.json_response({"error": {"code": "ConversationNotFound"}}, status=404)
        start = int(request.query.get("continuationToken") or 0)
        size = int(request.query.get("pageSize") or 2)
        page = self.rosters[team][start:start + min(size, 2)]  # two per page: the caller must follow the token
        more = start + len(page) < len(self.rosters[team])
        self.posts.append({"conversation": team, "method": "GET members", "authorization": request.headers.get("Authorization")})
        return web.json_response({"members": page, **({"continuationToken": str(start + len(page))} if more else {})})

    async def _create(self, request: web.Request) -> web.Response:
        refused = self._refused()
        if refused is not None:
            return refused
        self._n += 1
        body = await request.json()
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        members = [m.get("id") for m in body.get("members") or []]
        conversation = f"{channel};messageid=new-{self._n}" if channel else f"a:personal-new-{'-'.join(members)}"
        self.posts.append({"conversation": conversation, "reply_to": None, "method": "CREATE", "parameters": body,
                           "activity": body.get("activity") or {}, "authorization": request.headers.get("Authorization")})
        return web.json_response({"id": conversation, "activityId": f"act-{self._n}", "serviceUrl": str(request.url.origin())})

    async def _post(self, request: web.Request) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        refused = self._refused()
        if refused is not None:
            return refused
        self._n += 1
        body = await request.json()
        self.posts.append({"conversation": request.match_info["conversation"], "reply_to": request.match_info.get("reply_to"),
                           "method": "POST", "activity": body, "authorization": request.headers.get("Authorization")})
        activity_id = f"act-{self._n}"
        if self.answer_delay:
            await asyncio.sleep(self.answer_delay)
        return web.json_response({"id": activity_id})

    async def _put(self, request: web.Request) -> web.Response:
        refused = self._refused()
        if refused is not None:
            return refused
        body = await request.json()
        self.posts.append({"conversation": request.match_info["conversation"], "reply_to": None, "method": "PUT",
                           "activity_id": request.match_info["activity_id"], "activity": body})
        return web.json_response({"id": request.match_info["activity_id"]})

    def wait(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.posts) >= count:
                return self.posts
            time.sleep(0.02)
        raise AssertionError(f"expected {count} connector posts, got {self.posts}")


SIGNING_SECRET = "test-signing-secret"


def slack_headers(body: str, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                  content_type: str = "application/json") -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature, "Content-Type": content_type}


@dataclass
class FakeLLM:
    """An OpenAI-compatible chat-completions server (OpenAI's path and Azure's deployment path).
    Records every request body; answers `reply` (a function of the request, or a string), or
    `status` with an error body, after `delay` seconds."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    reply: Any = "I don't know, ask the department."
    status: int = 200
    delay: float = 0.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._complete)
        app.router.add_post("/openai/deployments/{deployment}/chat/completions", self._complete)
        return app

    async def _complete(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.paths.append(str(request.rel_url))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.json_response({"error": {"message": "server error", "type": "server_error"}}, status=self.status)
        text = self.reply(body) if callable(self.reply) else self.reply
        return web.json_response({
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 1764400000,
            "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}})

    def question_of(self, n: int = -1) -> str:
        return str(self.requests[n]["messages"][-1]["content"])


class FlakyProxy:
    """A TCP proxy in front of a server (PostgreSQL), in a thread of its own. `cut()` drops every
    connection and refuses new ones, as a database that went away does; `restore()` lets them in."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.down = False
        self._writers: set[asyncio.StreamWriter] = set()
        self._server: asyncio.AbstractServer | None = None

    def __enter__(self) -> "FlakyProxy":
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        self._drop()

    def cut(self) -> None:
        self.down = True
        self.loop.call_soon_threadsafe(self._drop)

    def restore(self) -> None:
        self.down = False

    def _drop(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()
                self._writers.discard(sink)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


class FakeRelay:
    """A local SMTP relay (aiosmtpd) that keeps what it accepts, and can refuse, stall, or answer late.

    `refuse_rcpt`/`refuse_data`: the reply to give instead of accepting ("550 5.1.1 …", "451 4.3.0 …");
    `stall_rcpt`: seconds before answering RCPT; `late_data`: seconds between keeping a message and saying so;
    `stall_quit`: seconds before answering QUIT (after the message was accepted)."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.refuse_rcpt: str | None = None
        self.refuse_data: str | None = None
        self.stall_rcpt = 0.0
        self.late_data = 0.0
        self.stall_quit = 0.0
        self.port = free_port()
        self.controller: Any = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.stall_rcpt:
            await asyncio.sleep(self.stall_rcpt)
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        if self.late_data:
            await asyncio.sleep(self.late_data)
        return "250 2.0.0 accepted"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stall_quit:
            await asyncio.sleep(self.stall_quit)
        return "221 Bye"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> "FakeRelay":
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
