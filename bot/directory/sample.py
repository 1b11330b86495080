"""A generated but plausible partnership set over the real schools.

Deterministic for a given seed, so the shipped sample (knowledge/
sample_partnerships.csv) and the benchmark sets can be recreated exactly.
The organisation names are invented; they are not real partners.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

from bot.directory.queries import current_school_year
from bot.directory.vocab import services

_FIRST = ("Rainier", "Cascade", "Sound", "Evergreen", "Emerald", "Puget", "Olympic", "Duwamish", "Lakeside",
          "Harbor", "Northwind", "Salish", "Cedar", "Orca", "Summit", "Riverbend", "Skyline", "Beacon", "Alder",
          "Madrona", "Tideline", "Ferry", "Juniper", "Heron", "Maple Leaf", "Columbia", "Pioneer", "Chinook")
_SECOND = ("Youth", "Family", "Community", "Learning", "Arts", "Science", "Futures", "Kids", "Scholars", "Mentors",
           "Readers", "Makers", "Wellness", "Voices", "Roots", "Bridges", "Pathways", "Neighbors")
_KIND = ("Collective", "Alliance", "Center", "Project", "Network", "Foundation", "Club", "Coalition", "Works",
         "Initiative", "Partners", "Institute")
AGREEMENT_WEIGHTS = (("mou", 55), ("personal_services_contract", 30), ("ptsa_enrichment", 10), ("alignment_agreement", 5))
COLUMNS = ("organization", "school", "services", "school_year", "agreement_type", "status", "contact_email", "website", "last_verified")


def organisation_names(count: int, rng: random.Random) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = f"{rng.choice(_FIRST)} {rng.choice(_SECOND)} {rng.choice(_KIND)}"
        if name in seen:
            name = f"{name} {len(names) + 1}"
        seen.add(name)
        names.append(name)
    return names


def generate(
    school_names: list[str],
    partnerships: int,
    organisations: int,
    seed: int = 2026,
    today: dt.date | None = None,
) -> list[dict[str, str]]:
    """Rows in the import format; some schools deliberately get few or none."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    year = current_school_year(today)
    previous = current_school_year(today - dt.timedelta(days=365))
    orgs = organisation_names(organisations, rng)
    codes = list(services())
    org_focus = {org: rng.sample(codes, k=rng.randint(1, 3)) for org in orgs}
    weights = [0.25 + rng.random() for _ in school_names]
    agreements, agreement_weights = zip(*AGREEMENT_WEIGHTS)
    rows: list[dict[str, str]] = []
    used: set[tuple[str, str, str]] = set()
    attempts = 0
    while len(rows) < partnerships and attempts < partnerships * 20:
        attempts += 1
        org = rng.choice(orgs)
        school = rng.choices(school_names, weights=weights)[0]
        school_year = year if rng.random() < 0.85 else previous
        if (org, school, school_year) in used:
            continue
        used.add((org, school, school_year))
        slug = "".join(ch for ch in org.lower() if ch.isalnum())[:24]
        verified = today - dt.timedelta(days=rng.randint(5, 540))
        rows.append({
            "organization": org,
            "school": school,
            "services": ";".join(services()[c].name for c in org_focus[org]),
            "school_year": school_year,
            "agreement_type": rng.choices(agreements, weights=agreement_weights)[0],
            "status": "active" if school_year == year and rng.random() < 0.93 else rng.choice(("active", "ended", "pending")),
            "contact_email": f"info@{slug}.example.org",
            "website": f"https://{slug}.example.org",
            "last_verified": verified.isoformat(),
        })
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
