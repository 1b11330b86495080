"""Teams contacts given by e-mail: found in the rosters of the teams the bot is in.

The Bot Framework connector lists a team's members with their e-mail and AAD object id
(`pagedmembers`), so no Microsoft Graph permission is needed. A contact found there
also becomes reachable: their team's reference is remembered for them, from which the
notifier starts a 1:1 chat (Teams lets a bot message members of a team it is in).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.orm import Session

from bot.db import Database
from bot.directory.contacts import LookupFailed
from bot.platforms.teams import references
from bot.platforms.teams.notifier import TeamsSdk

ROSTER_PAGE = 500
"""Members per roster page (the connector's largest)."""


class EmailLookup:
    """An e-mail (or user principal name) to the member's AAD object id; None when no team of the
    bot has them. The rosters are read once per import; `remember` then stores, in the import's
    transaction, how to reach each member found."""

    def __init__(self, database: Database, sdk: TeamsSdk) -> None:
        self.database, self.sdk = database, sdk
        self.rosters: dict[str, tuple[dict[str, Any], dict[str, Any]]] | LookupFailed | None = None
        self.found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}

    def __call__(self, email: str) -> str | None:
        if isinstance(self.rosters, LookupFailed):
            raise self.rosters  # read once: every Teams e-mail of the file gets the same answer
        if self.rosters is None:
            try:
                self.rosters = _rosters(self.database, self.sdk)
            except LookupFailed as failed:
                self.rosters = failed
                raise
        found = self.rosters.get(email.strip().lower())
        if found is None:
            return None
        member, _team = found
        user = str(member.get("aadObjectId") or member.get("id") or "").lower()
        self.found[user] = found
        return user

    def remember(self, session: Session) -> None:
        for user, (member, team) in self.found.items():
            references.remember(session, {**references.activity_of(team), "from": member}, user, may_move=True)


def _rosters(database: Database, sdk: TeamsSdk) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    with database.session() as session:
        teams = references.teams(session)
    if not teams:
        raise LookupFailed("the bot is in no Teams team yet: add it to the contacts' team, or give their AAD object ids")
    found: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for team in teams:
        try:
            members = asyncio.run(sdk.members(str(team.get("serviceUrl")), str(team.get("teamId"))))
        except Exception as exc:  # the SDKs raise their own error types
            raise LookupFailed(f"a team's roster could not be read ({exc.__class__.__name__})") from exc
        for member in members:
            for address in (member.get("email"), member.get("userPrincipalName")):
                if address:
                    found.setdefault(str(address).lower(), (member, team))
    return found
