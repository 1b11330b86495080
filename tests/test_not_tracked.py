"""Paperwork a district does not keep in partnerbot: an import marks it not tracked (for the whole file, or a
row's not_tracked cell), and then it is never reported missing, nudged or counted against compliance; the
export carries it, so the file imports back unchanged."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.directory import health
from bot.directory.importer import ImportFileError, import_partners
from tests.conftest import Harness
from tests.test_cli import run
from tests.test_desk import Desk, csrf, desk  # noqa: F401  (the fixture)

NO_PAPERWORK = """organization,school,services,school_year,agreement_type,status,agreement_signed
Reading Rockets,Garfield,tutoring,2026-27,psc,active,2026-08-01
Clay Studio,Lowell,arts,2026-27,mou,active,2026-08-01
"""


def test_an_item_not_tracked_is_never_a_problem() -> None:
    on_file = health.OnFile("personal_services_contract", "2026-27", agreement_signed=dt.date(2026, 8, 1),
                            not_tracked="dsa;insurance")
    items = {i.what: i.state for i in health.assess(on_file, dt.date(2026, 12, 1))}
    assert items["insurance"] == items["dsa"] == health.NOT_TRACKED
    assert items["background_check"] == health.MISSING  # what is tracked still counts
    assert {i.what for i in health.problems(health.assess(on_file, dt.date(2026, 12, 1)))} == {
        "background_check", "principal_approval", "outcomes"}
    assert health.attention_dates(on_file)["insurance"] is None
    assert health.not_tracked_items("Insurance certificate, DSA; background check") == "background_check;dsa;insurance"
    with pytest.raises(ValueError, match="names no paperwork item: 'parking'"):
        health.not_tracked_items("dsa, parking")


def test_the_command_line_marks_a_files_missing_columns_not_tracked(harness: Harness, tmp_path: Path) -> None:
    path = tmp_path / "partners.csv"
    path.write_text(NO_PAPERWORK)
    bad = run(["import", "partners", str(path), "--not-tracked", "parking"], harness.settings.database_url)
    assert bad.returncode == 2 and "names no paperwork item: 'parking'" in bad.stderr
    done = run(["import", "partners", str(path), "--not-tracked", "dsa,insurance,background check,principal approval"],
               harness.settings.database_url)
    assert done.returncode == 0, done.stderr
    assert "the file has no outcomes column" in done.stdout + done.stderr  # only what is still tracked is warned of
    assert "dsa_needed" not in done.stdout + done.stderr
    answer = harness.ask("is the paperwork complete for Garfield's partners?").text
    assert "insurance" not in answer.lower() and "background check" not in answer.lower()
    assert "outcomes missing" in answer


def test_a_rows_own_cell_wins_and_the_export_carries_it(harness: Harness) -> None:
    from bot.directory.editing import as_row
    from bot.models import Partnership
    from sqlalchemy import select

    rows = [dict(zip(NO_PAPERWORK.splitlines()[0].split(","), line.split(","))) for line in NO_PAPERWORK.splitlines()[1:]]
    rows[0]["not_tracked"] = "outcomes"
    with harness.database.session() as session:
        report = import_partners(session, rows=rows, not_tracked="dsa")
        assert not report.problems
        with pytest.raises(ImportFileError, match="not tracked names no paperwork item"):
            import_partners(session, rows=rows, not_tracked="parking")
    with harness.database.session() as session:
        stored = {p.organisation.name: p.not_tracked for p in session.scalars(select(Partnership))}
        assert stored == {"Reading Rockets": "outcomes", "Clay Studio": "dsa"}
        exported = [as_row(p) for p in session.scalars(select(Partnership))]
    assert {r["organization"]: r["not_tracked"] for r in exported} == stored
    with harness.database.session() as session:
        assert import_partners(session, rows=exported).unchanged == 2


def test_the_desk_import_marks_paperwork_not_tracked_from_its_dry_run(desk: Desk) -> None:  # noqa: F811
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, queue = desk.sign_in()
    page = browser.get(desk.url + "/desk/partners", timeout=10)
    assert 'name="not_tracked" value="insurance"' in page.text
    checked = browser.post(desk.url + "/desk/partners/import",
                           data={"csrf": csrf(queue), "mode": "dry-run", "not_tracked": ["insurance", "dsa"]},
                           files={"file": ("partners.csv", NO_PAPERWORK.encode(), "text/csv")}, timeout=20)
    assert checked.status_code == 200 and "insurance_expires" not in checked.text
    carried = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    kept = re.search(r'name="not_tracked" value="([^"]+)"', checked.text).group(1)
    assert kept == "insurance;dsa"
    browser.post(desk.url + "/desk/partners/import", data={"csrf": csrf(queue), "mode": "import", "content": carried,
                                                          "not_tracked": kept}, timeout=20)
    from bot.models import Partnership
    from sqlalchemy import select

    with desk.runtime.database.session() as session:
        assert {p.not_tracked for p in session.scalars(select(Partnership))} == {"dsa;insurance"}
