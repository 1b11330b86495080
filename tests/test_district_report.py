"""The picture of the district: `partnerbot report --html` and `GET /report` (REPORT_TOKEN).
(The page in a real browser, with no network request of its own: tests/test_browser.py.)"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import requests

from bot.district_report import collect, render, sections
from bot.directory.importer import import_partners
from bot.server import Runtime, build_app
from bot.tickets import service as tickets
from tests.conftest import FIXTURES, FROZEN_NOW, Harness, make_bot, make_settings
from tests.fakes import ServerThread
from tests.test_cli import run


def _loaded(h: Harness) -> None:
    with h.database.session() as session:
        assert not import_partners(session, FIXTURES / "partners_health.csv").problems
    h.ask("which agreement applies?")
    h.ask("how do I book a field trip bus?", session="s-2")
    with h.database.session() as session:
        from bot.notify import Outbox, UserAudiences

        ticket = tickets.create(session, Outbox(UserAudiences()), tickets.Actor("cli", "U-1"), "other", "help",
                                None, FROZEN_NOW - dt.timedelta(hours=5))
        tickets.claim(session, Outbox(UserAudiences()), ticket.id, tickets.Actor("cli", "staff-1"), FROZEN_NOW)


def test_the_numbers_behind_the_charts(harness: Harness) -> None:
    _loaded(harness)
    with harness.database.session() as session:
        data = collect(session, harness.settings, FROZEN_NOW)
    assert (data.partnerships, data.complete) == (6, 3)
    assert data.per_region["Central"] == 4 and data.compliance_per_region["Central"] == 0.5
    assert data.missing["agreement"] == 2 and data.missing["insurance"] == 1
    assert data.per_service["Tutoring and academic support"] == 3
    garfield = next(p for p in data.schools if p.name == "Garfield")
    assert (garfield.partnerships, garfield.complete) == (3, 1) and -123 < garfield.longitude < -122
    assert sum(asked for _, asked, _ in data.questions_per_week) == 2 and len(data.questions_per_week) >= 12
    assert data.unanswered == [("how do I book a field trip bus?", 1)]  # counted whatever the case, shown as written
    assert data.hours_to_claim == [5.0]


def test_report_html_writes_one_self_contained_page(harness: Harness, tmp_path: Path) -> None:
    _loaded(harness)
    out = tmp_path / "district.html"
    done = run(["report", "--html", str(out)], harness.settings.database_url)
    assert done.returncode == 0 and "wrote" in done.stdout
    page = out.read_text()
    assert page.count("<figure") == 8 and "<script" not in page.lower()
    assert not re.search(r'(src|href)\\s*=\\s*"(https?:)?//', page), "nothing is fetched from elsewhere"
    for title in ("Partnerships per region", "Partnerships per service", "Paperwork compliance", "Schools on the map",
                  "Questions", "Tickets", "Unanswered questions"):
        assert f"<h2>{title}" in page, title
    assert "how do I book a field trip bus?" in page
    assert run(["report", "--html", str(tmp_path / "missing-dir" / "x.html")],
               harness.settings.database_url).returncode == 2


def test_get_report_needs_the_staff_token(sqlite_url: str) -> None:
    from bot.db import Database
    from bot.platforms import notifiers
    from bot.seed import prepare

    for token, expected in (("", 404), ("staff-secret", 401)):
        settings = make_settings(sqlite_url, REPORT_TOKEN=token)
        database = Database.connect(settings.database_url)
        prepare(database, load_samples=False)
        runtime = Runtime(settings, database, make_bot(settings, database), notifiers(settings, database))
        with ServerThread(build_app(runtime, drain_outbox=False)) as server:
            assert requests.get(server.url + "/report", timeout=10).status_code == expected
            if not token:
                continue
            assert requests.get(server.url + "/report?token=wrong", timeout=10).status_code == 401
            browser = requests.Session()
            opened = browser.get(server.url + "/report?token=staff-secret", timeout=30, allow_redirects=False)
            assert opened.status_code == 303 and opened.headers["Location"] == "/report"
            assert "HttpOnly" in opened.headers["Set-Cookie"] and "staff-secret" not in opened.headers["Set-Cookie"]
            page = browser.get(server.url + "/report", timeout=60)
            assert page.status_code == 200 and page.text.count("<figure") == 8
            assert page.headers["Cache-Control"] == "no-store"
            bearer = requests.get(server.url + "/report", headers={"Authorization": "Bearer staff-secret"}, timeout=60)
            assert bearer.status_code == 200
        database.dispose()


def test_questions_are_counted_in_the_districts_weeks(harness: Harness) -> None:
    """Sunday 8 pm in Seattle is Monday 4 am in UTC: the question belongs to the week that Sunday ends."""
    from bot.models import QuestionLog

    sunday_evening = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.timezone.utc)  # Sun Nov 29, 20:00 PST
    with harness.database.session() as session:
        session.add(QuestionLog(asked_at=sunday_evening, platform="cli", user="U-1", intent="help", confidence=1.0, answered=True,
                                text="hello"))
    with harness.database.session() as session:
        data = collect(session, harness.settings, sunday_evening + dt.timedelta(days=2))
    weeks = {week: asked for week, asked, _ in data.questions_per_week}
    assert weeks["2026-11-23"] == 1 and weeks.get("2026-11-30") == 0


def test_the_report_cookie_is_secure_behind_a_tls_proxy(sqlite_url: str) -> None:
    from bot.db import Database
    from bot.platforms import notifiers
    from bot.seed import prepare

    settings = make_settings(sqlite_url, REPORT_TOKEN="staff-secret")
    database = Database.connect(settings.database_url)
    prepare(database, load_samples=False)
    runtime = Runtime(settings, database, make_bot(settings, database), notifiers(settings, database))
    with ServerThread(build_app(runtime, drain_outbox=False)) as server:
        direct = requests.get(server.url + "/report?token=staff-secret", timeout=30, allow_redirects=False)
        proxied = requests.get(server.url + "/report?token=staff-secret", timeout=30, allow_redirects=False,
                               headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in direct.headers["Set-Cookie"] and "Secure" in proxied.headers["Set-Cookie"]
    database.dispose()


def test_a_report_drawn_from_sample_data_says_so(harness: Harness) -> None:
    from bot.directory.sample import generate
    from bot.models import School
    from sqlalchemy import select

    with harness.database.session() as session:
        assert render(collect(session, harness.settings, FROZEN_NOW)).count("Sample data:") == 0
        names = list(session.scalars(select(School.name).order_by(School.id)))
        import_partners(session, rows=generate(names, 40, 10), sample=True)
    with harness.database.session() as session:
        assert render(collect(session, harness.settings, FROZEN_NOW)).count("Sample data:") == 1


def test_every_chart_has_its_figures_as_a_table_and_the_maps_name_each_school(harness: Harness) -> None:
    _loaded(harness)
    with harness.database.session() as session:
        data = collect(session, harness.settings, FROZEN_NOW)
    parts = {part.title: part for part in sections(data)}
    assert dict(parts["Partnerships per region"].table.rows)["Central"] == "4"
    assert ("Central", "50%", "4") in parts["Paperwork compliance"].table.rows
    assert dict(parts["What is missing or expiring"].table.rows)["insurance certificate"] == "1"
    assert ("Garfield", "Central", "3", "33%") in parts["Schools on the map"].table.rows
    assert ("to claim", "1", "5.0 h", "5.0 h") in parts["Tickets"].table.rows
    count_map, compliance_map = parts["Schools on the map"].maps
    assert '<title>Garfield (Central): 3 partnerships</title>' in count_map
    assert '<title>Garfield (Central): 3 partnerships, 33% with all paperwork</title>' in compliance_map
    assert 'tabindex="0"' in count_map and "3 to 5 partnerships" in count_map  # focusable; the legend in words
    assert all(part.table.rows for part in parts.values())


def test_a_school_name_is_escaped_on_the_map() -> None:
    from bot.district_report import SchoolPoint
    from bot.school_map import school_map

    drawn = school_map([SchoolPoint("<b>Evil</b> & Co", "North", -122.3, 47.6, 2, 1)], "count", "Map")
    assert "<b>" not in drawn and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in drawn


def test_a_few_ticket_times_are_points_and_counts_have_whole_number_ticks() -> None:
    from bot.charts import bars, inline_svg
    from bot.district_report import _hours

    from matplotlib.figure import Figure

    axes = Figure().add_subplot()
    _hours([0.5], [2.0])(axes)  # one ticket each: a box would be a flat line, so each time is a point
    assert [list(line.get_ydata()) for line in axes.lines if line.get_marker() == "o"] == [[0.5], [2.0]]
    assert "<svg" in inline_svg(_hours([0.5], [2.0]))
    drawn = inline_svg(bars({"North": 1, "South": 2}, "two bars"))
    assert "0.25" not in drawn and "0.5" not in drawn
