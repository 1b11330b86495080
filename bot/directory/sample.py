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

from bot.directory import health
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
COLUMNS = ("organization", "school", "services", "school_year", "agreement_type", "status", "contact_email", "website",
           "last_verified", *health.COLUMNS)
OUTCOMES = ("Raise grade-level reading for participating students by one level",
            "90% of mentees attend at least 80% of sessions", "Improve attendance of participating students by 5%",
            "Every participant completes a family engagement plan", "Students report higher belonging on the spring survey")
SHOWCASE = (
    # organisation, school, services, agreement, health profile: fixed rows the README's examples answer from
    ("Rainier Scholars Tutoring Collective", "Rainier Beach", "Tutoring", "personal_services_contract", "current"),
    ("Beacon Readers Network", "Rainier Beach", "Tutoring;Literacy", "mou", "dsa_missing"),
    ("Cascade Youth Alliance", "Garfield", "Mentoring", "mou", "background_expired"),
    ("Emerald Arts Project", "Garfield", "Arts", "personal_services_contract", "insurance_expiring"),
    ("Harbor Wellness Center", "Garfield", "Mental health", "alignment_agreement", "no_agreement"),
    ("Northwind Tutoring Alliance", "Franklin", "Tutoring;STEM", "personal_services_contract", "insurance_expired"),
    ("Sound Mentors Collective", "Lowell", "Mentoring", "mou", "dsa_next_year"),
)
PROFILES = ("current",) * 12 + ("dsa_missing", "background_expired",
            "background_expiring", "insurance_expiring", "insurance_expired", "insurance_missing", "no_agreement",
            "agreement_expiring", "no_approval", "no_outcomes", "dsa_next_year", "dsa_expired", "background_missing")
"""Which paperwork state a generated partnership is in: mostly all on file, and every other state."""


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


def paperwork(profile: str, agreement: str, today: dt.date, rng: random.Random) -> dict[str, str]:
    """The health columns for a paperwork state (health.py): everything on file, then one thing not."""
    year = current_school_year(today)
    days = lambda a, b: (today + dt.timedelta(days=rng.randint(a, b))).isoformat()  # noqa: E731
    columns = {
        "agreement_signed": days(-300, -20), "agreement_expires": "",
        "dsa_needed": "yes" if profile.startswith("dsa") or rng.random() < 0.3 else "no", "dsa_school_year": year,
        "insurance_expires": days(90, 400) if agreement == "personal_services_contract" else "",
        "background_check_date": days(-250, -20), "principal_approved": days(-300, -20),
        "outcomes": rng.choice(OUTCOMES),
    }
    changes = {
        "dsa_missing": {"dsa_school_year": ""},
        "dsa_next_year": {"dsa_school_year": year},
        "dsa_expired": {"dsa_school_year": current_school_year(today - dt.timedelta(days=365))},
        "background_expired": {"background_check_date": days(-520, -380)},
        "background_expiring": {"background_check_date": days(-350, -320)},
        "background_missing": {"background_check_date": ""},
        "insurance_expiring": {"insurance_expires": days(5, 50)},
        "insurance_expired": {"insurance_expires": days(-90, -3)},
        "insurance_missing": {"insurance_expires": ""},
        "no_agreement": {"agreement_signed": "", "agreement_expires": ""},
        "agreement_expiring": {"agreement_expires": days(5, 50)},
        "no_approval": {"principal_approved": ""},
        "no_outcomes": {"outcomes": ""},
    }.get(profile, {})
    if agreement != "personal_services_contract" and "insurance_expires" in changes:
        changes = {"background_check_date": days(-520, -380)}
    return {**columns, **changes}


def generate(
    school_names: list[str],
    partnerships: int,
    organisations: int,
    seed: int = 2026,
    today: dt.date | None = None,
) -> list[dict[str, str]]:
    """Rows in the import format; some schools deliberately get few or none. The first rows are
    the fixed showcase (SHOWCASE) where those schools exist; paperwork covers every state."""
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
    papers = random.Random(seed + 1)  # its own sequence: the partnerships stay what they were
    for org, school, kinds, agreement, profile in SHOWCASE:
        if school in school_names:
            slug = "".join(ch for ch in org.lower() if ch.isalnum())[:24]
            used.add((org, school, year))
            rows.append({"organization": org, "school": school, "services": kinds, "school_year": year,
                         "agreement_type": agreement, "status": "active", "contact_email": f"info@{slug}.example.org",
                         "website": f"https://{slug}.example.org",
                         "last_verified": (today - dt.timedelta(days=30)).isoformat(),
                         **paperwork(profile, agreement, today, papers)})
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
        agreement = rng.choices(agreements, weights=agreement_weights)[0]
        rows.append({
            "organization": org,
            "school": school,
            "services": ";".join(services()[c].name for c in org_focus[org]),
            "school_year": school_year,
            "agreement_type": agreement,
            "status": "active" if school_year == year and rng.random() < 0.93 else rng.choice(("active", "ended", "pending")),
            "contact_email": f"info@{slug}.example.org",
            "website": f"https://{slug}.example.org",
            "last_verified": verified.isoformat(),
            **paperwork(papers.choice(PROFILES), agreement, today, papers),
        })
    return rows


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
