"""The bot's knowledge, kept as data files in this package and validated on load.

Everything the department may want to edit (intent cues, agreement rules, FAQ
answers, school aliases, service vocabulary, school breaks) lives here as YAML
or CSV, read with `importlib.resources` so it works from a wheel too. YAML is parsed once
per content and kept beside the file (`knowledge.parsed`).
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge import parsed

if TYPE_CHECKING:  # pragma: no cover - typing only
    from importlib.resources.abc import Traversable


class KnowledgeError(ValueError):
    """A knowledge file is missing a required part; raised at start-up."""


def path_of(name: str) -> Path:
    """Where a knowledge file is on disk (to watch it for edits)."""
    return Path(str(resources.files(__name__).joinpath(name)))


def read_text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def load_yaml(name: str) -> dict[str, Any]:
    data = parsed.load(resources.files(__name__).joinpath(name))
    if not isinstance(data, dict):
        raise KnowledgeError(f"knowledge/{name} must hold a mapping at the top level")
    return data


def load_csv_rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(read_text(name))))


def require(mapping: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [key for key in keys if key not in mapping or mapping[key] in (None, "")]
    if missing:
        raise KnowledgeError(f"{where} lacks {', '.join(missing)}")


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, str]:
    """Abbreviations staff type ("psc", "elem"), from abbreviations.yaml."""
    spec = load_yaml("abbreviations.yaml").get("abbreviations") or {}
    return {str(k).lower(): str(v).lower() for k, v in spec.items()}


INTENTS_FOLDER = "intents"


def _intent_files() -> list[tuple[str, dict[str, Any]]]:
    folder = resources.files(__name__).joinpath(INTENTS_FOLDER)
    files = sorted((entry.name for entry in folder.iterdir() if entry.name.endswith(".yaml")))
    out = []
    for name in files:
        data = parsed.load(folder.joinpath(name)) or {}
        if not isinstance(data, dict) or not isinstance(data.get("examples"), list):
            raise KnowledgeError(f"knowledge/{INTENTS_FOLDER}/{name} must have a list of `examples`")
        out.append((name[: -len(".yaml")], data))
    return out


@lru_cache(maxsize=1)
def intent_examples() -> dict[str, tuple[str, ...]]:
    """Example phrasings per label, from knowledge/intents/<label>.yaml (one file per label)."""
    return {label: tuple(str(e) for e in data["examples"] if str(e).strip()) for label, data in _intent_files()}


@lru_cache(maxsize=1)
def intent_summaries() -> dict[str, str]:
    """One line per label, shown on "did you mean" buttons."""
    return {label: str(data.get("summary") or label) for label, data in _intent_files()}


FACTS_FOLDER = "facts"


def fact_files() -> list[Traversable]:
    """Every file of knowledge/facts/, by name: the slots' example clauses, the activities and the names of
    school money (their bytes name the fact models' cache, see bot.understanding.classifier)."""
    folder = resources.files(__name__).joinpath(FACTS_FOLDER)
    return sorted((entry for entry in folder.iterdir() if entry.name.endswith(".yaml")), key=lambda e: e.name)


@lru_cache(maxsize=1)
def fact_examples() -> dict[str, dict[str, tuple[str, ...]]]:
    """Example clauses per slot and value, from knowledge/facts/<slot>.yaml: what teaches the bot to read
    who pays and how space is used (`labels: {value: [clause, ...]}`)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for entry in fact_files():
        name = entry.name
        if name in (ACTIVITIES, FUNDS):
            continue
        data = parsed.load(entry) or {}
        labels = data.get("labels") if isinstance(data, dict) else None
        if not isinstance(labels, dict) or "none" not in labels or len(labels) < 2:
            raise KnowledgeError(f"knowledge/{FACTS_FOLDER}/{name} must map `labels` to example lists, "
                                 "one of them `none`")
        out[name[: -len(".yaml")]] = {str(value): tuple(str(e) for e in examples or () if str(e).strip())
                                      for value, examples in labels.items()}
    return out


ACTIVITIES = "activities.yaml"
FUNDS = "funds.yaml"


@lru_cache(maxsize=1)
def school_funds() -> tuple[str, ...]:
    """Names of school or district money ("LAP", "building budget"), from knowledge/facts/funds.yaml:
    the fact models read each as one placeholder word."""
    data = parsed.load(resources.files(__name__).joinpath(FACTS_FOLDER, FUNDS)) or {}
    return tuple(sorted({str(n).lower().strip() for n in data.get("school_funds") or () if str(n).strip()},
                        key=lambda n: (-len(n.split()), n)))


@lru_cache(maxsize=1)
def fact_activities() -> tuple[str, ...]:
    """What partners do ("to run a program for our students"), from knowledge/facts/activities.yaml: said
    beside a fact, they change nothing (see bot.understanding.classifier)."""
    data = parsed.load(resources.files(__name__).joinpath(FACTS_FOLDER, ACTIVITIES)) or {}
    return tuple(str(a) for a in data.get("activities") or () if str(a).strip())
