"""The learning loop: examples the department teaches, and a classifier that picks them up.

`partnerbot teach "TEXT" INTENT` (or Teach on the report in chat) stores an
example in the database, so every process sees it. A running bot checks now
and then (`CHECK_SECONDS`) whether the taught examples or the example files
changed, retrains in a background thread and swaps the new model in; answers
keep using the old model meanwhile.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import insert_ignore
from bot.models import TaughtExample
from bot.understanding.analysis import Understanding
from bot.understanding.classifier import Classifier, Example
from bot.understanding.entities import Lookups

log = logging.getLogger("partnerbot.understanding")
CHECK_SECONDS = 60.0


def teachable_intents() -> tuple[str, ...]:
    """The labels the classifier learns: one per file in knowledge/intents/."""
    from knowledge import intent_examples

    return tuple(intent_examples())


def teachable_facts() -> dict[str, tuple[str, ...]]:
    """The facts the fact models read: slot -> its values, one file per slot in knowledge/facts/."""
    from knowledge import fact_examples

    return {slot: tuple(values) for slot, values in fact_examples().items()}


def taught_examples(session: Session) -> list[Example]:
    return [Example(text, intent) for text, intent in
            session.execute(select(TaughtExample.text, TaughtExample.intent).order_by(TaughtExample.id))]


def teach(session: Session, text: str, intent: str, by: str, now) -> bool:  # type: ignore[no-untyped-def]
    """File `text` under `intent`; False if it was already taught."""
    return insert_ignore(session, TaughtExample, {"text": text[:2000], "intent": intent, "taught_by": by[:200],
                                                  "taught_at": now}, ("text", "intent"))


def _signature(session: Session) -> tuple[int, int]:
    count, last = session.execute(select(func.count(TaughtExample.id), func.max(TaughtExample.id))).one()
    return int(count or 0), int(last or 0)


class LearningClassifier:
    """A `Classifier` that retrains itself when taught examples or example files change."""

    def __init__(self, build: Callable[[Sequence[Example]], Classifier], session: Session,
                 watched_files: Sequence[Path] = (), check_seconds: float = CHECK_SECONDS) -> None:
        self._build = build
        self._files = tuple(watched_files)
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._training = False
        self._signature = (_signature(session), self._files_stamp())
        self.current = build(taught_examples(session))
        self._checked = time.monotonic()

    def understand(self, text: str, lookups: Lookups) -> Understanding:
        return self.current.understand(text, lookups)

    def similarity(self, text: str, others: Sequence[str], lookups: Lookups) -> list[float]:
        return self.current.similarity(text, others, lookups)

    @property
    def labels(self) -> tuple[str, ...]:
        return self.current.labels

    def refresh(self, session: Session, wait: bool = False) -> bool:
        """Retrain if the examples changed (checked at most every `check_seconds`). True if retraining."""
        now = time.monotonic()
        if not wait and now - self._checked < self._check_seconds:
            return False
        self._checked = now
        signature = (_signature(session), self._files_stamp())
        with self._lock:
            if signature == self._signature or self._training:
                return False
            self._training = True
        examples = taught_examples(session)
        if wait:
            self._retrain(examples, signature)
        else:
            threading.Thread(target=self._retrain, args=(examples, signature), name="retrain", daemon=True).start()
        return True

    def _retrain(self, examples: list[Example], signature: object) -> None:
        try:
            started = time.perf_counter()
            fresh = self._build(examples)
            self.current = fresh
            self._signature = signature  # type: ignore[assignment]
            log.info("classifier updated", extra={"turn": {"taught": len(examples),
                                                           "seconds": round(time.perf_counter() - started, 2)}})
        except Exception:
            log.exception("retraining failed; keeping the previous classifier")
        finally:
            with self._lock:
                self._training = False

    def _files_stamp(self) -> tuple[tuple[str, float], ...]:
        stamp = []
        for path in self._files:
            try:
                stamp.append((str(path), path.stat().st_mtime))
            except OSError:
                stamp.append((str(path), 0.0))
        return tuple(stamp)
