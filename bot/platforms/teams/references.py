"""Stored Teams conversation references, so any process can post proactively.

A reference is the JSON a runtime needs to reach a conversation (service URL,
tenant, bot and user ids). We keep one per conversation (1:1 chats and
channels, by their base channel id) and one per user met anywhere ("user:<id>"),
so a person who asked in a channel can still be told about their request.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import ConversationReference
from bot.platforms.teams.render import base_channel

USER_PREFIX = "user:"


def reference_of(activity: dict[str, Any]) -> dict[str, Any]:
    """The parts of an activity needed to reach its conversation (and its sender) later."""
    conversation = activity.get("conversation") or {}
    channel_data = activity.get("channelData") or {}
    tenant = (channel_data.get("tenant") or {}).get("id") or conversation.get("tenantId")
    return {
        "serviceUrl": activity.get("serviceUrl"),
        "channelId": activity.get("channelId", "msteams"),
        "conversation": {k: v for k, v in conversation.items() if k in ("id", "conversationType", "tenantId", "isGroup")},
        "bot": activity.get("recipient"),
        "user": {k: v for k, v in (activity.get("from") or {}).items() if k in ("id", "name", "aadObjectId")},
        "tenantId": tenant,
        "teamId": (channel_data.get("team") or {}).get("id") or channel_data.get("teamsTeamId"),
    }


def activity_of(reference: dict[str, Any]) -> dict[str, Any]:
    """A stored reference in the shape `remember` reads (an incoming activity)."""
    return {"serviceUrl": reference.get("serviceUrl"), "channelId": reference.get("channelId", "msteams"),
            "conversation": reference.get("conversation"), "recipient": reference.get("bot"),
            "from": reference.get("user"), "channelData": {"tenant": {"id": reference.get("tenantId")},
                                                           "team": {"id": reference.get("teamId")}}}


def teams(session: Session) -> list[dict[str, Any]]:
    """One stored reference per team the bot has been met in (its roster can be read through it)."""
    found: dict[str, dict[str, Any]] = {}
    for row in session.scalars(select(ConversationReference).where(ConversationReference.active.is_(True))
                               .order_by(ConversationReference.updated_at.desc())):
        team = row.reference.get("teamId")
        if team and team not in found:
            found[str(team)] = row.reference
    return list(found.values())


def remember(session: Session, activity: dict[str, Any], user: str, *, may_move: bool) -> None:
    """Store how to reach this conversation and this user. `may_move`: the request was authenticated,
    so it may change a stored service URL (unauthenticated traffic never redirects our posts)."""
    reference = reference_of(activity)
    conversation = reference["conversation"]
    kind = conversation.get("conversationType") or "personal"
    key = conversation.get("id") if kind == "personal" else base_channel(str(conversation.get("id") or ""))
    if key:
        _store(session, str(key), kind, user if kind == "personal" else None, reference, may_move)
    if user:
        _store(session, USER_PREFIX + user, "user", user, reference, may_move)
        member_id = str((activity.get("from") or {}).get("id") or "")
        if member_id and member_id != user:  # also reachable by the Teams id ("29:…") an import may give
            _store(session, USER_PREFIX + member_id, "user", user, reference, may_move)


def _store(session: Session, key: str, kind: str, user: str | None, reference: dict[str, Any], may_move: bool) -> None:
    row = session.get(ConversationReference, key)
    if row is None:
        session.add(ConversationReference(conversation_id=key, kind=kind, user_id=user, reference=reference, active=True))
        return
    if not may_move and row.reference.get("serviceUrl") != reference.get("serviceUrl"):
        return
    row.reference, row.active, row.kind = reference, True, kind
    row.user_id = row.user_id or user


def personal_chat(session: Session, user: str) -> ConversationReference | None:
    return session.scalars(select(ConversationReference).where(
        ConversationReference.user_id == user, ConversationReference.kind == "personal",
        ConversationReference.active.is_(True)).order_by(ConversationReference.updated_at.desc())).first()


def can_reach(session: Session, user: str) -> bool:
    """A 1:1 chat with this user, or a conversation they were met in (to start one)."""
    return personal_chat(session, user) is not None or find(session, USER_PREFIX + user) is not None


def find(session: Session, key: str) -> ConversationReference | None:
    row = session.get(ConversationReference, key)
    return row if row is not None and row.active else None


def any_reference(session: Session) -> ConversationReference | None:
    """Some conversation of this bot (for the service URL and tenant of a channel never seen)."""
    return session.scalars(select(ConversationReference).where(ConversationReference.active.is_(True))
                           .order_by(ConversationReference.updated_at.desc())).first()


def deactivate(session: Session, key: str) -> None:
    row = session.get(ConversationReference, key)
    if row is not None:
        row.active = False
