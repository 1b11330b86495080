"""The desk's contacts page, signed in through the fake identity provider: contacts imported after a dry run;
per school, who gets which nudge next, and what was sent once the clock's run has nudged them."""

from __future__ import annotations

import datetime as dt
import re

import requests

from bot.directory import nudges
from bot.directory.importer import import_partners
from tests.test_desk import Desk, csrf, desk  # noqa: F401  (the fixture)

CONTACTS = b"""school,role,slack,name
Garfield High School,principal,U0PRINC1,Pat Principal
Garfield High School,partnership lead,not-an-id,Lee Lead
"""
TUESDAY = dt.datetime(2026, 12, 8, 17, 0, tzinfo=dt.timezone.utc)


def test_contacts_are_imported_and_each_schools_next_and_sent_nudges_shown(desk: Desk) -> None:  # noqa: F811
    with desk.runtime.database.session() as session:
        import_partners(session, rows=[{"organization": "Clay Studio", "school": "Garfield", "services": "arts",
                                        "school_year": "2026-27", "agreement_type": "mou", "status": "active",
                                        "insurance_expires": "2026-10-01"}])
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, queue = desk.sign_in()
    token = csrf(queue)
    checked = browser.post(desk.url + "/desk/contacts/import", data={"csrf": token, "mode": "dry-run"},
                           files={"file": ("contacts.csv", CONTACTS, "text/csv")}, timeout=20)
    assert "Dry run, nothing imported: of 2 rows, 1 would be new" in checked.text
    assert re.search(r"<th scope=\"row\">3</th><td>slack &#39;not-an-id&#39; is neither", checked.text)
    carried = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    done = browser.post(desk.url + "/desk/contacts/import", data={"csrf": token, "mode": "import", "name": "contacts.csv",
                                                                  "content": carried}, timeout=20)
    assert "2 rows read: 1 new" in done.text
    before = browser.get(desk.url + "/desk/contacts", params={"school": "Garfield"}, timeout=10).text
    assert "Principal: Pat Principal" in before and "slack: U0PRINC1" in before
    assert "<li>Clay Studio: agreement missing (missing)</li>" in before and "Nothing sent yet." in before
    with desk.runtime.database.session() as session:
        assert nudges.send_nudges(session, desk.runtime.settings, desk.runtime.bot.outbox, TUESDAY) == 1
    after = browser.get(desk.url + "/desk/contacts", params={"school": "Garfield"}, timeout=10).text
    assert "Nothing due that has not already been sent." in after
    assert re.search(r"<th scope=\"row\">2026-12-08</th><td>principal</td><td>Clay Studio</td><td>agreement</td>"
                     r"<td>missing</td>", after)
    assert ("desk:dana@district.example (Dana Lee)", "contacts.import", "contacts.csv") in desk.audit()


def test_an_unknown_school_shows_the_chooser_only(desk: Desk) -> None:  # noqa: F811
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    page = browser.get(desk.url + "/desk/contacts", params={"school": "<script>x</script>"}, timeout=10)
    assert page.status_code == 200 and "<script>x</script>" not in page.text and "<h2>Import contacts</h2>" in page.text
    assert requests.get(desk.url + "/desk/contacts", timeout=10, allow_redirects=False).status_code == 303
