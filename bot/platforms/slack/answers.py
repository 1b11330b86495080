"""Slack's part in answering the durable inbox (bot/answering.py): the sender's name, and the
answer drawn as Block Kit for the channel or thread the question came from, followed by its
chart (if any) as an uploaded image in the same place."""

from __future__ import annotations

from slack_sdk import WebClient

from bot.config import Settings
from bot.core import Message, Reply
from bot.notify import Post
from bot.platforms.slack.names import SlackNames
from bot.platforms.slack.render import render, thread_of


class SlackAnswerer:
    def __init__(self, settings: Settings, client: WebClient | None = None) -> None:
        self.names = SlackNames(client or WebClient(token=settings.slack_bot_token.reveal(),
                                                    base_url=settings.slack_api_url, timeout=5))

    def prepare(self, message: Message) -> Message:
        return self.names.with_name(message)

    def posts(self, message: Message, reply: Reply) -> list[Post]:
        thread = thread_of(message)
        answer = Post("answer", "slack", message.channel, reply.text, body=render(reply), thread=thread)
        if reply.chart is None:
            return [answer]
        return [answer, Post("chart", "slack", message.channel, reply.chart.title, thread=thread,
                             chart=reply.chart.to_dict())]
