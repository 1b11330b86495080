"""Slack side of the outbox: posts, in-place updates and DMs through slack_sdk.

Rate limits (429) are retried after `Retry-After`; `not_in_channel` makes the
bot join the channel and retry once; a channel that is gone is a permanent
failure, reported to the admin log rather than retried forever.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.core import Reply
from bot.notify import Delivery, DeliveryError, Post
from bot.platforms.slack.render import render

PERMANENT = {"channel_not_found", "is_archived", "account_inactive", "user_not_found", "invalid_auth",
             "not_authed", "missing_scope", "message_not_found", "cant_update_message"}


class SlackNotifier:
    def __init__(self, settings: Settings, client: WebClient | None = None) -> None:
        self.client = client or WebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url,
                                          timeout=10)

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        # A notice is a post the whole channel sees: its buttons answer only whoever clicks.
        body = render(Reply(post.text, post.kind, 1.0, post.data, post.buttons), shared=True)
        try:
            if post.update_of:
                if not previous_ref:
                    raise DeliveryError("the original post is not sent yet", retry_after=10)
                channel, _, ts = previous_ref.partition("|")
                self.client.chat_update(channel=channel, ts=ts, **body)
                return Delivery(previous_ref)
            return self._post(post.target, body, join_if_needed=True)
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc

    def _post(self, channel: str, body: dict, join_if_needed: bool) -> Delivery:  # type: ignore[type-arg]
        try:
            response = self.client.chat_postMessage(channel=channel, **body)
        except SlackApiError as exc:
            if join_if_needed and exc.response.get("error") == "not_in_channel":
                self.client.conversations_join(channel=channel)
                return self._post(channel, body, join_if_needed=False)
            raise
        return Delivery(f"{response['channel']}|{response['ts']}")


def _delivery_error(exc: SlackApiError) -> DeliveryError:
    error = str(exc.response.get("error", "unknown_error"))
    if exc.response.status_code == 429 or error == "ratelimited":
        retry_after = float(exc.response.headers.get("Retry-After", "30"))
        return DeliveryError(f"Slack rate limit; retry after {retry_after:g}s", retry_after=retry_after)
    return DeliveryError(f"Slack API error: {error}", permanent=error in PERMANENT)
