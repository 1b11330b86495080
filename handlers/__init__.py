"""One module per capability; importing this package registers them all."""

from handlers import (  # noqa: F401
    agreement,
    consultations,
    faq,
    fallback,
    help,
    partners,
    report_outdated,
    tickets,
    trainings,
)
