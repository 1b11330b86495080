"""Pure translations between Teams activities (as JSON dicts) and the core types.

Both Teams runtimes (the Bot Framework SDK and the Microsoft 365 Agents SDK)
hand activities over as plain dicts, so this module is shared: `to_message`
reads one, `reply_activity` and `render_card` draw a `Reply` as an Adaptive Card
(1.4) or plain text. User text is escaped, so `<at>` tags or markdown links
typed by a user never become mentions or links in a card.
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot import charts
from bot.core import Button, Chart, FormPart, Message, Reply
from bot.text import truncate

MAX_ACTIONS = 6
CARD_VERSION = "1.4"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ACTION_TITLE = 80
AT_TAG = re.compile(r"</?at[^>]*>", re.I)
BOLD = re.compile(r"(?<!\*)\*([^*\n]+)\*(?!\*)")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
WELCOME = ("Hi! I'm partnerbot, the School and Community Partnerships assistant. Ask me which agreement applies, "
           "which partners serve a school, about upcoming trainings, or say \"I need a consultation\".")
FORM_KEYS = ("action", "context")


def escape(text: str) -> str:
    """Text in Teams markdown or a card: no HTML, no `<at>` mentions, no clickable markdown links."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return MARKDOWN_LINK.sub(lambda m: f"\\[{m.group(1)}\\]\\({m.group(2)}\\)", text)


def markdown(text: str) -> str:
    """Our replies mark bold as *x* (Slack style); Teams markdown wants **x**."""
    return BOLD.sub(r"**\1**", escape(text))


def base_channel(conversation_id: str) -> str:
    """"19:abc@thread.tacv2;messageid=17..." (a thread) -> "19:abc@thread.tacv2" (the channel)."""
    return conversation_id.split(";", 1)[0]


UNVERIFIED = "unverified:"
"""Prefix of the identity of a sender nothing vouches for (no app id): never department staff."""


def user_id(activity: dict[str, Any]) -> str:
    sender = activity.get("from") or {}
    return str(sender.get("aadObjectId") or sender.get("id") or "")


def to_message(activity: dict[str, Any]) -> Message:
    """A message activity (typed text, a button, or a submitted form) as a core `Message`."""
    conversation = activity.get("conversation") or {}
    sender = activity.get("from") or {}
    value = activity.get("value") if isinstance(activity.get("value"), dict) else None
    text = _without_bot_mention(activity)
    action = str(value["action"]) if value and value.get("action") else None
    if value and action and _is_form(value):
        fields = {k: str(v) for k, v in value.items() if k not in FORM_KEYS}
        action_value: str | None = json.dumps({**fields, "context": str(value.get("context") or "")})
    else:
        action_value = None if value is None else str(value.get("value", ""))
    conversation_id = str(conversation.get("id") or "")
    return Message(
        text=text or (str(value.get("label", "")) if value else ""),
        user=user_id(activity),
        platform="teams",
        channel=base_channel(conversation_id),
        session_key=conversation_id,
        action=action,
        value=action_value,
        user_name=sender.get("name"),
        raw=activity,
    )


def _is_form(value: dict[str, Any]) -> bool:
    """A card form's submit carries its inputs; a button's carries only action, value and label."""
    return "context" in value


def _without_bot_mention(activity: dict[str, Any]) -> str:
    text = str(activity.get("text") or "")
    recipient = (activity.get("recipient") or {}).get("id")
    for entity in activity.get("entities") or []:
        if entity.get("type") == "mention" and (entity.get("mentioned") or {}).get("id") == recipient:
            text = text.replace(str(entity.get("text") or ""), " ")
    return " ".join(AT_TAG.sub(" ", text).split())


def _submit(button: Button) -> dict[str, Any]:
    return {"type": "Action.Submit", "title": truncate(button.label, ACTION_TITLE),
            "data": {"action": button.action, "value": button.value, "label": button.label}}


def card_actions(buttons: tuple[Button, ...]) -> list[dict[str, Any]]:
    """At most six actions; beyond that, a "More" card holds the rest."""
    if len(buttons) <= MAX_ACTIONS:
        return [_submit(b) for b in buttons]
    shown, rest = buttons[: MAX_ACTIONS - 1], buttons[MAX_ACTIONS - 1 :]
    more = {"type": "Action.ShowCard", "title": "More",
            "card": {"type": "AdaptiveCard", "body": [], "actions": [_submit(b) for b in rest]}}
    return [_submit(b) for b in shown] + [more]


def _card(body: list[dict[str, Any]], fallback: str, actions: list[dict[str, Any]]) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION,
                            "fallbackText": escape(fallback), "body": body}
    if actions:
        card["actions"] = actions
    return card


def _table(reply: Reply) -> list[dict[str, Any]]:
    assert reply.table is not None
    columns = list(zip(reply.table.header, *reply.table.rows))
    return [{"type": "ColumnSet", "columns": [
        {"type": "Column", "width": "stretch" if i == 0 else "auto", "items": [
            {"type": "TextBlock", "text": escape(str(cell)), "wrap": True, "weight": "Bolder" if j == 0 else "Default",
             "horizontalAlignment": "Left" if i == 0 else "Right"} for j, cell in enumerate(column)]}
        for i, column in enumerate(columns)]}]


CHART_PENDING = "partnerbot:chart"
"""An image's URL until the chart is drawn (`with_chart`): an answer is queued inside its turn's
transaction, and drawing takes a tenth of a second, so it is drawn when it is sent."""


def render_card(reply: Reply, draw_chart: bool = True) -> dict[str, Any]:
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": markdown(reply.text), "wrap": True}]
    if reply.chart:  # a PNG inside the card: Teams shows data: URIs and leaves them out of the 100 KB message limit
        url = charts.data_uri(reply.chart, "png") if draw_chart else CHART_PENDING
        body.append({"type": "Image", "url": url, "altText": reply.chart.description, "size": "Stretch"})
    if reply.table:
        body += _table(reply)
    if reply.fields:
        body.append({"type": "FactSet", "facts": [{"title": escape(f.label), "value": escape(f.value)} for f in reply.fields]})
    if reply.footer:
        body.append({"type": "TextBlock", "text": escape(reply.footer), "wrap": True, "isSubtle": True, "size": "Small"})
    return _card(body, reply.text, card_actions(reply.buttons))


def form_card(reply: Reply) -> dict[str, Any]:
    """A `FormPart` as a card with inputs; errors show under their fields."""
    form: FormPart = reply.form  # type: ignore[assignment]
    body: list[dict[str, Any]] = [{"type": "TextBlock", "text": escape(form.title), "weight": "Bolder", "size": "Medium",
                                   "wrap": True},
                                  {"type": "TextBlock", "text": markdown(reply.text), "wrap": True}]
    if form.errors:
        body.append({"type": "TextBlock", "text": "Please fix the fields marked below.", "color": "Attention",
                     "wrap": True})
    for field in form.fields:
        body.append({"type": "TextBlock", "text": escape(field.label), "wrap": True})
        if field.kind == "choice":
            element: dict[str, Any] = {"type": "Input.ChoiceSet", "id": field.name,
                                       "choices": [{"title": label, "value": value} for value, label in field.options],
                                       "value": field.value or (field.options[0][0] if field.options else "")}
        else:
            element = {"type": "Input.Text", "id": field.name, "isMultiline": field.kind == "multiline",
                       "maxLength": field.max_length, "value": field.value}
            if field.placeholder:
                element["placeholder"] = field.placeholder
        element["isRequired"] = not field.optional
        body.append(element)
        if field.error:
            body.append({"type": "TextBlock", "text": escape(field.error), "color": "Attention", "wrap": True,
                         "size": "Small"})
    submit = {"type": "Action.Submit", "title": truncate(form.submit.label, ACTION_TITLE),
              "data": {"action": form.submit.action, "context": form.submit.value}}
    return _card(body, reply.text, [submit] + card_actions(reply.buttons)[: MAX_ACTIONS - 1])


def reply_activity(reply: Reply, draw_chart: bool = True) -> dict[str, Any]:
    """The activity to send: a form card, an Adaptive Card, or plain text when there is nothing else
    (its chart drawn, or left for `with_chart`)."""
    if reply.form is not None:
        card = form_card(reply)
    elif not reply.buttons and not reply.fields and not reply.footer and not reply.table and not reply.chart:
        return {"type": "message", "text": markdown(reply.text), "textFormat": "markdown"}
    else:
        card = render_card(reply, draw_chart)
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]}


def with_chart(activity: dict[str, Any], chart: Chart) -> dict[str, Any]:
    """The activity with its pending chart image drawn."""
    url = charts.data_uri(chart, "png")

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: url if k == "url" and v == CHART_PENDING else fill(v) for k, v in node.items()}
        return [fill(n) for n in node] if isinstance(node, list) else node

    return fill(activity)  # type: ignore[no-any-return]
