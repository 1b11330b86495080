"""Slack's part in answering (bot/answering.py): the sender's name, and where and how the answer
goes as outbox posts. Every answer of the bot travels as posts, whether it was answered from the
durable inbox or in the request of a click, a slash command or a modal, so each is sent once,
retried after a failure and looked up after a timeout.

Where an answer goes follows where the question came from (the message's `raw`):
- a message or mention: the channel or thread it was in, then its chart as an uploaded image;
- a click on a post the whole channel shares (a department ping), or on an ephemeral post (a
  slash command's answer), or where there is no channel: only the person who clicked, through
  the click's `response_url` (the bot may not be in that channel);
- any other click: the answer in the clicked post's thread, then the clicked post updated to show
  the choice (a failed update never holds the answer back);
- a slash command: its `response_url`, seen only by whoever typed it;
- a submitted modal: a direct message to whoever submitted it.
A click or command whose answer is a form, with a trigger to open it, is answered by the modal
(the Slack app opens it), so it gets no posts here.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.core import Message, Reply
from bot.notify import Post
from bot.platforms.slack.names import SlackNames
from bot.platforms.slack.render import chosen, parse_action_id, render, thread_of

EPHEMERAL = {"response_type": "ephemeral", "replace_original": False}
VIEW_SUBMISSION = "view_submission"


class SlackAnswerer:
    def __init__(self, settings: Settings, client: WebClient | None = None) -> None:
        self.names = SlackNames(client or WebClient(token=settings.slack_bot_token.reveal(),
                                                    base_url=settings.slack_api_url, timeout=5))

    def prepare(self, message: Message) -> Message:
        return self.names.with_name(message)

    def posts(self, message: Message, reply: Reply) -> list[Post]:
        raw = message.raw if isinstance(message.raw, dict) else {}
        if reply.form is not None and raw.get("trigger_id"):
            return []  # a modal answers it
        if raw.get("type") == "block_actions":
            return _click(message, reply, raw)
        if raw.get("command"):
            return _private(message, reply, raw)
        if raw.get("type") == VIEW_SUBMISSION:
            return [_answer(message.user, reply)]
        return _in_place(message.channel, thread_of(message), reply)


def _answer(target: str, reply: Reply, thread: str | None = None) -> Post:
    return Post("answer", "slack", target, reply.text, body=render(reply), thread=thread)


def _in_place(channel: str, thread: str | None, reply: Reply) -> list[Post]:
    answer = _answer(channel, reply, thread)
    if reply.chart is None:
        return [answer]
    return [answer, Post("chart", "slack", channel, reply.chart.title, thread=thread, chart=reply.chart.to_dict())]


def _private(message: Message, reply: Reply, raw: dict[str, Any]) -> list[Post]:
    """Only for the person who asked: through the response URL, or a direct message without one.
    An ephemeral answer cannot carry a file; its table says what the chart shows."""
    url = raw.get("response_url")
    if isinstance(url, str) and url:
        return [Post("answer", "slack", url, reply.text, body={**render(reply), **EPHEMERAL})]
    return [_answer(message.user, reply)]


def _click(message: Message, reply: Reply, raw: dict[str, Any]) -> list[Post]:
    actions = raw.get("actions") or [{}]
    _, shared = parse_action_id(str(actions[0].get("action_id", "")))
    container = raw.get("container") or {}
    if shared or container.get("is_ephemeral") or not message.channel:
        return _private(message, reply, raw)
    original = raw.get("message") or {}
    posts = _in_place(message.channel, original.get("thread_ts"), reply)
    if original.get("ts"):
        posts.append(Post("choice", "slack", message.channel, str(original.get("text") or ""),
                          body={"text": str(original.get("text") or ""),
                                "blocks": chosen(original.get("blocks") or [], message.text, message.user)},
                          edits=f"{message.channel}|{original['ts']}"))
    return posts
