"""The desk's district picture, signed in through the fake identity provider: every chart's figures also
as a table, both maps naming each school (on hover and keyboard focus) with a legend in words, and the
charts as images with text alternatives (the desk's CSP forbids the inline styles matplotlib's SVG uses)."""

from __future__ import annotations

import re
from typing import Iterator

import pytest
import requests

from bot.directory.importer import import_partners
from tests.conftest import FIXTURES
from tests.test_desk import Desk, serving_desk


@pytest.fixture
def desk(sqlite_url: str) -> Iterator[Desk]:
    with serving_desk(sqlite_url) as serving:
        with serving.runtime.database.session() as session:
            assert not import_partners(session, FIXTURES / "partners_health.csv").problems
        yield serving


def test_the_district_picture_shows_each_chart_as_a_table_and_names_schools_on_the_maps(desk: Desk) -> None:
    assert requests.get(desk.url + "/desk/district", timeout=10, allow_redirects=False).status_code in (302, 303, 401)
    desk.add_staff("dana@district.example", "Dana Lee")
    browser, _ = desk.sign_in()
    page = browser.get(desk.url + "/desk/district", timeout=60)
    assert page.status_code == 200 and "<h1>District picture" in page.text
    assert "6 current partnerships; 3 (50%) with all paperwork on file" in page.text
    for caption in ("Current partnerships per region", "Current partnerships per service (every service)",
                    "Share of current partnerships with all paperwork on file", "Each school&#39;s current partnerships",
                    "Questions per week", "Consultation tickets of the last 12 weeks"):
        assert f"<caption id=" in page.text and caption in page.text, caption
    assert re.search(r'<tr><th scope="row">Garfield</th><td>Central</td><td>3</td><td>33%</td></tr>', page.text)
    assert page.text.count('<img src="data:image/svg+xml;base64,') == 6
    assert all(alt for alt in re.findall(r'<img src="data:[^"]+" alt="([^"]*)"', page.text))
    assert "<title>Garfield (Central): 3 partnerships</title>" in page.text
    assert "<title>Garfield (Central): 3 partnerships, 33% with all paperwork</title>" in page.text
    assert "80% or more with all paperwork" in page.text  # the compliance map's legend, in words
    assert ' style="' not in page.text and "<style" not in page.text  # nothing the CSP would block
    css = browser.get(desk.url + "/desk/district/map.css", timeout=10)
    assert css.headers["Content-Type"].startswith("text/css") and ".dot:focus text" in css.text
