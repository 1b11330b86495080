"""One module per capability; `register(registry)` wires them all into a bot's registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import (
    agreement,
    channels,
    consultations,
    email_updates,
    faq,
    fallback,
    grounded,
    health,
    help,
    home,
    partners,
    report_outdated,
    teaching,
    tickets,
    trainings,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.router import Registry

CAPABILITIES = (fallback, help, home, channels, email_updates, tickets, agreement, partners, trainings, consultations, report_outdated,
                faq, teaching, grounded, health)


def register(registry: "Registry") -> "Registry":
    for capability in CAPABILITIES:
        capability.register(registry)
    return registry
