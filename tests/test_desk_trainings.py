"""The desk's trainings page, signed in through the fake identity provider: a calendar CSV checked by a dry
run, then imported and announced; this week's digest previewed with where it goes, and sent once."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from bot import channels
from bot.models import OutboxMessage, TrainingSession
from tests.test_desk import Desk, csrf, desk  # noqa: F401  (the fixture)


def _csv() -> bytes:
    day = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    later = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    return (f"uid,title,topic,starts_at,ends_at,location,audience,registration_url,description\n"
            f"t1,RULER for partners,sel,{day}T15:00,{day}T16:30,JSCEE Room 2,partners,https://reg.example/1,\n"
            f"t2,Data sharing 101,data,{later}T10:00,{later}T11:00,Online,,,\n"
            f"t3,Broken session,data,next tuesday,,,,,\n").encode()


def _count(desk: Desk, model, *where) -> int:  # type: ignore[no-untyped-def]  # noqa: F811
    with desk.runtime.database.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_a_calendar_is_checked_then_imported_and_the_digest_previewed_and_sent_once(desk: Desk) -> None:  # noqa: F811
    with desk.runtime.database.session() as session:
        channels.assign(session, "slack", "C0ANNOUNCE", "announcements", "cli:staff-1", dt.datetime.now(dt.timezone.utc))
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, queue = desk.sign_in()
    token = csrf(queue)
    checked = browser.post(desk.url + "/desk/trainings/import", data={"csrf": token, "mode": "dry-run"},
                           files={"file": ("fall.csv", _csv(), "text/csv")}, timeout=20)
    assert checked.status_code == 200, checked.text[:400]
    assert ("fall.csv: Dry run, nothing imported: of 3 sessions, 2 would be new, 0 rescheduled, 0 cancelled, "
            "0 updated and 0 unchanged; 1 with problems would be skipped.") in checked.text
    assert re.search(r'<th scope="row">4</th><td>starts_at &#39;next tuesday&#39; is not an ISO 8601 time', checked.text)
    assert _count(desk, TrainingSession) == 0
    carried = re.search(r'name="content" value="([^"]+)"', checked.text).group(1)
    done = browser.post(desk.url + "/desk/trainings/import", data={"csrf": token, "mode": "import", "name": "fall.csv",
                                                                   "content": carried}, timeout=20)
    assert "3 sessions read: 2 new" in done.text and _count(desk, TrainingSession) == 2
    assert _count(desk, OutboxMessage, OutboxMessage.kind == "trainings.new", OutboxMessage.target == "C0ANNOUNCE") == 2

    page = browser.get(desk.url + "/desk/trainings", timeout=10).text
    assert "Goes to: slack: C0ANNOUNCE." in page
    assert "RULER for partners" in page and "JSCEE Room 2" in page and "Data sharing 101" in page
    assert "*Partner trainings in the next two weeks* (2):" in page  # the digest as it will be posted
    sent = browser.post(desk.url + "/desk/trainings/digest", data={"csrf": token}, timeout=10)
    assert sent.url.endswith("?done=digest") and "on its way" in sent.text
    assert _count(desk, OutboxMessage, OutboxMessage.kind == "trainings.digest") == 1
    again = browser.post(desk.url + "/desk/trainings/digest", data={"csrf": token}, timeout=10)
    assert again.status_code == 409 and _count(desk, OutboxMessage, OutboxMessage.kind == "trainings.digest") == 1
    assert "already posted this week" in again.text
    assert [a[1] for a in desk.audit() if a[0].startswith("desk:dana")] == [
        "desk.sign_in", "trainings.import", "trainings.digest"]


def test_a_file_that_is_not_a_calendar_is_refused_plainly(desk: Desk) -> None:  # noqa: F811
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, queue = desk.sign_in()
    refused = browser.post(desk.url + "/desk/trainings/import", data={"csrf": csrf(queue), "mode": "dry-run"},
                           files={"file": ("notes.pdf", b"%PDF-1.4", "application/pdf")}, timeout=20)
    assert refused.status_code == 400 and "choose an .ics calendar file or a .csv file" in refused.text
    broken = browser.post(desk.url + "/desk/trainings/import", data={"csrf": csrf(queue), "mode": "dry-run"},
                          files={"file": ("cal.ics", b"BEGIN:VCALENDAR\nnonsense", "text/calendar")}, timeout=20)
    assert broken.status_code == 400 and "not a valid iCalendar file" in broken.text
