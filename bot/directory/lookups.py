"""The directory's name lookups, cached per process and bound to a session per turn.

The `Bot` owns one `Directory`; each turn gets `directory.lookups(session)`, so
handlers find schools and organisations without reaching a module global.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from bot.directory.queries import OrganisationNames
from bot.directory.schools import SchoolDirectory, SchoolIndex


class Directory:
    def __init__(self, cache_dir: Path | None = None) -> None:
        self.schools = SchoolDirectory(cache_dir)
        self.organisations = OrganisationNames()

    def lookups(self, session: Session) -> "SessionLookups":
        return SessionLookups(self, session)

    def invalidate(self) -> None:
        """Forget cached names (after an import in this process)."""
        self.schools.invalidate()
        self.organisations.invalidate()


@dataclass
class SessionLookups:
    directory: Directory
    session: Session

    @property
    def schools(self) -> SchoolIndex:
        return self.directory.schools.index(self.session)

    def organisation_in(self, text: str) -> tuple[int, str] | None:
        """An organisation named word for word in the text."""
        return self.directory.organisations.mentioned(self.session, text)

    def organisation_like(self, text: str, cutoff: float = 86) -> tuple[int, str] | None:
        """The organisation whose name is closest to `text` (typos), if close enough."""
        return self.directory.organisations.find(self.session, text, cutoff=cutoff)

    def organisations_like(self, text: str) -> list[tuple[int, str]]:
        """Organisations whose names resemble `text`, best first, for "did you mean ...?"."""
        return self.directory.organisations.suggest(self.session, text)
