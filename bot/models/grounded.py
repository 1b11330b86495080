"""Answers found in the department's knowledge (and, when configured, worded by a
language model): what was used, how long it took, what it cost, and whether the
person said it helped. Never the question's text: that stays in `question_log`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.models.base import Base, utcnow


class GroundedAnswer(Base):
    __tablename__ = "grounded_answer"
    __table_args__ = (Index("ix_grounded_answer_user_time", "user", "asked_at"),
                      Index("ix_grounded_answer_mode_time", "mode", "asked_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    asked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    platform: Mapped[str] = mapped_column(String(20))
    user: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(20))  # retrieval | llm (the model was asked)
    outcome: Mapped[str] = mapped_column(String(20))  # answered | refused | fallback | rate_limited | failed
    sources: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"key", "source", "score"}]
    scrubbed: Mapped[list[Any]] = mapped_column(JSON, default=list)  # kinds of detail removed
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    feedback_at: Mapped[dt.datetime | None]
