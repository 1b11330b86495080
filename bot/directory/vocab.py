"""Service types and regions, from knowledge/services.yaml and regions.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.text import normalise, phrase_stems, position
from knowledge import KnowledgeError, load_yaml


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    synonyms: tuple[str, ...]
    when: bool = False
    """Also says when a service runs ("after school", "summer"): "after-school sports" asks for sports."""


@lru_cache(maxsize=1)
def services() -> dict[str, Service]:
    spec = load_yaml("services.yaml")["services"]
    out: dict[str, Service] = {}
    for code, body in spec.items():
        if not body.get("name"):
            raise KnowledgeError(f"services.yaml: {code} has no name")
        synonyms = tuple(dict.fromkeys([code, body["name"], *(body.get("synonyms") or ())]))
        out[code] = Service(code, body["name"], synonyms, bool(body.get("when")))
    return out


@lru_cache(maxsize=1)
def _service_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for service in services().values():
        for synonym in service.synonyms:
            lookup[normalise(synonym)] = service.code
    return lookup


def service_code(value: str) -> str | None:
    """Map an import-file value ("Tutoring", "mental health", "stem") to a code."""
    return _service_lookup().get(normalise(value))


@lru_cache(maxsize=1)
def _synonyms_by_first_stem() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for service in services().values():
        for synonym in service.synonyms:
            needle = phrase_stems(synonym)
            if needle:
                index.setdefault(needle[0], []).append((needle, service.code))
    return index


def find_service(stems: tuple[str, ...]) -> Service | None:
    """The service a message (as word stems) asks about: the longest synonym mentioned, and of
    equally long ones the first in the message (never the order of a set, which varies by process);
    a service that also says when ("after school") gives way to one that says what ("after-school
    sports", "tutoring that runs after school"), but not to one that says for whom ("after school
    programs for families")."""
    index = _synonyms_by_first_stem()
    catalogue = services()
    found: list[tuple[int, int, str]] = []  # (-length, position, code)
    for first in set(stems) & index.keys():
        for needle, code in index[first]:
            at = position(stems, needle)
            if at is not None:
                found.append((-len(needle), at, code))
    if not found:
        return None
    best = min(found)
    if catalogue[best[2]].when:
        what = [f for f in found if not catalogue[f[2]].when and (f[1] == 0 or stems[f[1] - 1] != "for")]
        if what:
            best = min(what)
    return catalogue[best[2]]


@lru_cache(maxsize=1)
def _regions() -> tuple[dict[str, str], str]:
    spec = load_yaml("regions.yaml")
    by_zip = {str(z): region for region, zips in spec["regions"].items() for z in zips}
    return by_zip, str(spec.get("default", "Unassigned"))


def region_for_zip(zip_code: str) -> str:
    by_zip, default = _regions()
    return by_zip.get(zip_code.strip()[:5], default)


def region_names() -> list[str]:
    return list(load_yaml("regions.yaml")["regions"])


@lru_cache(maxsize=1)
def region_sayings() -> dict[str, str]:
    """What staff call a region ("north end", "west seattle") -> the region, longest first, with each
    region's own name: the words a message may name a region by."""
    spec = load_yaml("regions.yaml")
    said = {str(k).lower(): str(v) for k, v in (spec.get("said_as") or {}).items()}
    said.update({name.lower(): name for name in spec["regions"]})
    return dict(sorted(said.items(), key=lambda kv: -len(kv[0])))
