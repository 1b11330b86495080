"""The partnership database: schools, organisations and who serves where."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, utcnow


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    building: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(60), default="")
    grades: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    zip: Mapped[str] = mapped_column(String(10), default="")
    region: Mapped[str] = mapped_column(String(40), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)

    partnerships: Mapped[list["Partnership"]] = relationship(back_populates="school")


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    partnerships: Mapped[list["Partnership"]] = relationship(back_populates="organisation")


class Partnership(Base):
    __tablename__ = "partnership"
    __table_args__ = (
        UniqueConstraint("organisation_id", "school_id", "school_year", name="uq_partnership_org_school_year"),
        Index("ix_partnership_school_verified", "school_id", "last_verified"),
        # A school's partnerships needing attention, most urgent first, counted per item from the index alone
        Index("ix_partnership_school_attention", "school_id", "attention_from", "school_year", "status",
              "attention_agreement", "attention_dsa", "attention_insurance", "attention_background_check",
              "attention_principal_approval", "attention_outcomes"),
        Index("ix_partnership_is_sample", "is_sample"),  # "is any of this sample data?" asked by every answer
        Index("ix_partnership_school_current", "school_id", "school_year", "status"),  # counted from the index
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    school_year: Mapped[str] = mapped_column(String(9))
    agreement_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="active")
    last_verified: Mapped[dt.date | None]
    is_sample: Mapped[bool] = mapped_column(default=False)
    # What is on file (bot/directory/health.py); None: not recorded.
    agreement_signed: Mapped[dt.date | None]
    agreement_expires: Mapped[dt.date | None]
    dsa_needed: Mapped[bool | None]
    dsa_school_year: Mapped[str | None] = mapped_column(String(9))
    insurance_expires: Mapped[dt.date | None]
    background_checked: Mapped[dt.date | None]
    principal_approved: Mapped[dt.date | None]
    outcomes: Mapped[str | None] = mapped_column(Text)
    not_tracked: Mapped[str | None] = mapped_column(String(200))
    """Paperwork items the district does not keep here for this partnership ("dsa;insurance"): never missing."""
    # health.attention_columns: from when anything, and each item, needs attention (kept with the facts)
    attention_from: Mapped[dt.date | None]
    attention_agreement: Mapped[dt.date | None]
    attention_dsa: Mapped[dt.date | None]
    attention_insurance: Mapped[dt.date | None]
    attention_background_check: Mapped[dt.date | None]
    attention_principal_approval: Mapped[dt.date | None]
    attention_outcomes: Mapped[dt.date | None]

    organisation: Mapped[Organisation] = relationship(back_populates="partnerships")
    school: Mapped[School] = relationship(back_populates="partnerships")
    services: Mapped[list["PartnershipService"]] = relationship(
        back_populates="partnership", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def service_codes(self) -> list[str]:
        return sorted(s.service for s in self.services)


class PartnershipService(Base):
    """One service type a partnership provides (controlled vocabulary code)."""

    __tablename__ = "partnership_service"

    partnership_id: Mapped[int] = mapped_column(ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    partnership: Mapped[Partnership] = relationship(back_populates="services")


class CorrectionRequest(Base):
    """A report that the partnership database is out of date."""

    __tablename__ = "correction_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    platform: Mapped[str] = mapped_column(String(20))
    reporter: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
