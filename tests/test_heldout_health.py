"""The partnership-paperwork question set (tests/fixtures/heldout_health_cases.py), end to end
through `partnerbot ask --batch` on the sample data: how many are read as their writer meant
(the scope, the item, expired/expiring, the kind of answer). A floor, not every case: see the
fixture's note on how it was scored and tuned."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fixtures.heldout_health_cases import CASES
from tests.test_cli import run

FLOOR = 27


def misread(case: dict[str, Any], reply: dict[str, Any]) -> list[str]:
    data, kind = reply.get("data", {}), case["kind"]
    if kind == "by_region":
        return [] if (data.get("distribution") or {}).get("kind") == "compliance_by_region" else ["not by region"]
    if data.get("kind") != "health":
        return [f"not a paperwork answer ({reply['intent']})"]
    if kind == "next_year_dsa":
        return [] if data.get("next_year") else ["not next year's DSAs"]
    if kind == "schools_without_agreement":
        return [] if "schools" in data else ["not the schools without an agreement"]
    return [f"{key}: expected {case.get(key)!r}, got {data.get(key)!r}"
            for key in ("school", "organisation", "focus", "state") if (case.get(key) or None) != (data.get(key) or None)]


def test_paperwork_questions_are_read_as_meant(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"session": c["session"], "text": c["text"]}) + "\n" for c in CASES)
    done = run(["ask", "--batch"], f"sqlite:///{tmp_path / 'health.db'}", stdin=lines)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == len(CASES)
    misses = {c["text"]: m for c, r in zip(CASES, replies) if (m := misread(c, r))}
    assert len(CASES) - len(misses) >= FLOOR, misses
