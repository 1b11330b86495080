"""Composition root: build the database, the registry, the classifier and the `Bot` from settings.

Everything is passed in from here (the registry of capabilities, the
classifier trained from the knowledge files, the directory caches, the clock),
so tests swap any part and no module reaches another through a global.
"""

from __future__ import annotations

import datetime as dt
import gc
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from bot.config import Settings
from bot.db import Database
from bot.retrieval.answers import GroundedAnswers
from bot.retrieval.index import KnowledgeIndex
from bot.retrieval.llm import OpenAICompatibleModel
from bot.router import Bot, Registry
from bot.understanding.classifier import Classifier, Example, FactTeaching, shipped_examples
from bot.understanding.facts import FACT_LABEL, FactExample
from bot.understanding.learning import LearningClassifier
from knowledge import fact_files

if TYPE_CHECKING:  # pragma: no cover - typing only
    from bot.metrics import Metrics


def settle_heap() -> None:
    """Called once start-up is done by the processes that answer (serve, the worker): what start-up
    loaded (the classifier, the knowledge index, SDKs) lives as long as the process, so it is
    moved out of the collector's full passes, which otherwise scan it all and pause a turn for
    tens of milliseconds every few hundred turns."""
    gc.collect()
    gc.freeze()


def open_database(settings: Settings) -> Database:
    """Connect, migrate where allowed, and seed a fresh database (schools, samples)."""
    from bot.seed import prepare

    database = Database.connect(settings.database_url)
    prepare(database, load_samples=settings.load_sample_data)
    return database


def build_registry() -> Registry:
    import handlers

    return handlers.register(Registry())


def training_examples(taught: Sequence[Example] = ()) -> list[Example]:
    """The shipped example files, the FAQ's example questions, and the intents the department taught."""
    from handlers.faq import example_questions

    return (shipped_examples() + [Example(q, intent) for intent, q in example_questions()]
            + [e for e in taught if FACT_LABEL not in e.label])


def fact_teaching(taught: Sequence[Example] = ()) -> FactTeaching:
    """The shipped example clauses (knowledge/facts/), and the facts the department taught ("payer=partner")."""
    return FactTeaching(shipped=True, taught=tuple(FactExample(*e.label.split(FACT_LABEL, 1), e.text)
                                                   for e in taught if FACT_LABEL in e.label))


def knowledge_files() -> list[Path]:
    root = resources.files("knowledge")
    files = [Path(str(root.joinpath("intents", entry.name))) for entry in root.joinpath("intents").iterdir()
             if entry.name.endswith(".yaml")] + [Path(str(entry)) for entry in fact_files()]
    return sorted(files) + [Path(str(root.joinpath(name))) for name in ("faq.yaml", "abbreviations.yaml")]


def classifier_builder(settings: Settings, registry: Registry) -> Callable[[Sequence[Example]], Classifier]:
    def build(taught: Sequence[Example]) -> Classifier:
        from bot.faq_entries import shipped as faq_shipped
        from knowledge import (abbreviations, fact_activities, fact_examples, intent_examples, intent_summaries,
                               load_yaml, school_funds)

        for cached in (intent_examples, intent_summaries, abbreviations, load_yaml, faq_shipped, fact_examples,
                       fact_activities, school_funds):
            cached.cache_clear()  # example files may have been edited since the last build
        return Classifier.build(training_examples(taught), registry.evidence, cache_dir=settings.cache_dir,
                                teaching=fact_teaching(taught))

    return build


def build_classifier(settings: Settings, registry: Registry, database: Database) -> LearningClassifier:
    with database.session() as session:
        return LearningClassifier(classifier_builder(settings, registry), session, knowledge_files())


def build_grounded(settings: Settings, database: Database | None = None) -> GroundedAnswers:
    """Answers from the department's knowledge (its own answers from the database, where they are edited);
    worded by a language model when LLM_MODEL is set."""
    from bot.department_answers import StoredAnswers

    model = OpenAICompatibleModel(settings.llm) if settings.llm.enabled else None
    index = KnowledgeIndex(settings.cache_dir, answers=StoredAnswers(database) if database is not None else None)
    return GroundedAnswers(index, settings.llm, model, settings.log_text)


def create_bot(settings: Settings, notifier: object | None = None, database: Database | None = None,
               clock: Callable[[], dt.datetime] | None = None, metrics: "Metrics | None" = None) -> Bot:
    from bot.platforms import outbox

    database = database or open_database(settings)
    registry = build_registry()
    return Bot(settings, database, registry, build_classifier(settings, registry, database), clock=clock,
               notifier=notifier, outbox=outbox(settings), grounded=build_grounded(settings, database), metrics=metrics)
