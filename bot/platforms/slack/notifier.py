"""Slack side of the outbox: posts, in-place updates, DMs and direct answers through slack_sdk.

Rate limits (429) are retried after `Retry-After`; `not_in_channel` makes the
bot join the channel and retry once; a channel that is gone is a permanent
failure, reported to the admin log rather than retried forever.

Every post carries its outbox key in Slack message metadata. When a send timed
out, Slack may have posted it all the same: before posting again, the channel's
recent history is searched for that key, so a slow Slack never gets a second copy.
A chart is uploaded as a PNG file shared in the answer's channel or thread; its
file name carries a digest of the outbox key, which the same search looks for.
"""

from __future__ import annotations

import hashlib
from typing import Any

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bot.config import Settings
from bot.core import Chart, Reply
from bot.notify import Delivery, DeliveryError, Post
from bot.platforms.slack.render import chart_upload, render

METADATA_EVENT = "partnerbot_post"
HISTORY_WINDOW = 200
"""How many recent messages are searched for a post whose first send timed out."""
PERMANENT = {"channel_not_found", "is_archived", "account_inactive", "user_not_found", "invalid_auth",
             "not_authed", "missing_scope", "message_not_found", "cant_update_message"}


class SlackNotifier:
    def __init__(self, settings: Settings, client: WebClient | None = None) -> None:
        # No retries inside the client: a retried post after a timeout could be a second copy.
        # The outbox retries, and looks for the first copy before it posts again.
        self.client = client or WebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url,
                                          timeout=10, retry_handlers=[])

    def send(self, post: Post, previous_ref: str | None) -> Delivery:
        try:
            if post.replaces:
                if not previous_ref:
                    raise DeliveryError("the original post is not sent yet", retry_after=10)
                channel, _, ts = previous_ref.partition("|")
                self.client.chat_update(channel=channel, ts=ts, **self._body(post))
                return Delivery(previous_ref)
            if is_response_url(post.target):
                return self._respond(post)
            if post.uncertain and post.key and not is_response_url(post.target):
                found = self._already_posted(post)
                if found is not None:
                    return found
            if post.chart is not None:
                return self._upload(post)
            body = {**self._body(post), "metadata": {"event_type": METADATA_EVENT, "event_payload": {"key": post.key}}}
            if post.thread:
                body["thread_ts"] = post.thread
            return self._post(post.target, body, join_if_needed=True)
        except SlackApiError as exc:
            raise _delivery_error(exc) from exc
        except (OSError, SlackRequestError) as exc:  # timeouts, refused connections: the post may or may not exist
            raise DeliveryError(f"Slack unreachable: {exc.__class__.__name__}", uncertain=True) from exc

    @staticmethod
    def _body(post: Post) -> dict[str, Any]:
        if post.body is not None:
            return post.body  # a direct answer, drawn for its thread when it was queued
        # A notice is a post the whole channel sees: its buttons answer only whoever clicks.
        return render(Reply(post.text, post.kind, 1.0, post.data, post.buttons), shared=True)

    def _respond(self, post: Post) -> Delivery:
        """An answer through the `response_url` of a slash command or a click on an ephemeral or
        shared post: the only way to answer where the bot may not be a member. Slack keeps no
        history of such answers to look in, so a send whose outcome is unknown is sent again."""
        response = self.webhook(post.target).send_dict(self._body(post))
        if response.status_code == 429:
            retry_after = float(response.headers.get("Retry-After", "30") if response.headers else 30)
            raise DeliveryError(f"Slack rate limit; retry after {retry_after:g}s", retry_after=retry_after)
        if response.status_code in (404, 410):
            raise DeliveryError(f"the response URL expired ({response.status_code})", permanent=True)
        if response.status_code >= 400:
            raise DeliveryError(f"Slack answered {response.status_code} to a response URL")
        return Delivery(None, may_repeat=True)

    def webhook(self, url: str) -> WebhookClient:
        return WebhookClient(url, timeout=self.client.timeout, retry_handlers=[])

    def _upload(self, post: Post) -> Delivery:
        """The chart as a PNG file shared where the answer went (files.getUploadURLExternal,
        the upload, files.completeUploadExternal: slack_sdk's files_upload_v2)."""
        assert post.chart is not None
        response = self.client.files_upload_v2(**chart_upload(Chart.from_dict(post.chart), post.target, post.thread,
                                                             chart_file_name(post.key)))
        file = response.get("file") or {}
        return Delivery(f"{post.target}|{file.get('id', '')}")

    def _already_posted(self, post: Post) -> Delivery | None:
        """The post an earlier, timed-out attempt made, found by its key in the metadata
        (a chart: by its file name)."""
        channel = post.target
        if channel.startswith(("U", "W")):  # a DM addressed to a user: its history is the IM channel's
            channel = self.client.conversations_open(users=channel)["channel"]["id"]
        args: dict[str, Any] = {"channel": channel, "limit": HISTORY_WINDOW, "include_all_metadata": True}
        if post.thread:
            response = self.client.conversations_replies(ts=post.thread, **args)
        else:
            response = self.client.conversations_history(**args)
        name = chart_file_name(post.key)
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == METADATA_EVENT and (metadata.get("event_payload") or {}).get("key") == post.key:
                return Delivery(f"{channel}|{message['ts']}")
            if post.chart is not None and any(f.get("name") == name for f in message.get("files") or []):
                return Delivery(f"{channel}|{message['files'][0].get('id', '')}")
        return None

    def _post(self, channel: str, body: dict, join_if_needed: bool) -> Delivery:  # type: ignore[type-arg]
        try:
            response = self.client.chat_postMessage(channel=channel, **body)
        except SlackApiError as exc:
            if join_if_needed and exc.response.get("error") == "not_in_channel":
                self.client.conversations_join(channel=channel)
                return self._post(channel, body, join_if_needed=False)
            raise
        return Delivery(f"{response['channel']}|{response['ts']}")


def is_response_url(target: str) -> bool:
    """A post's target is a channel or user id, or the response URL of a command or a click."""
    return target.startswith(("https://", "http://"))


def chart_file_name(key: str) -> str:
    """The uploaded chart's file name: the same for every attempt at one outbox row."""
    return f"partnerbot-chart-{hashlib.sha256(key.encode()).hexdigest()[:12]}.png"


def _delivery_error(exc: SlackApiError) -> DeliveryError:
    error = str(exc.response.get("error", "unknown_error"))
    if exc.response.status_code == 429 or error == "ratelimited":
        retry_after = float(exc.response.headers.get("Retry-After", "30"))
        return DeliveryError(f"Slack rate limit; retry after {retry_after:g}s", retry_after=retry_after)
    return DeliveryError(f"Slack API error: {error}", permanent=error in PERMANENT)
