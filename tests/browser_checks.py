"""What every browser test checks of a page: axe-core's WCAG 2.1 A/AA rules with no violation, at a desktop
width and a 375 px phone, with nothing wider than the screen outside a scrolling box; and reaching an
element with the Tab key alone."""

from __future__ import annotations

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WIDTHS = (1100, 375)


def _accessible(page, where: str) -> None:  # type: ignore[no-untyped-def]
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{where}: {results.generate_report()}"


def _every_width(page, where: str) -> None:  # type: ignore[no-untyped-def]
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        _accessible(page, f"{where} at {width} px")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        wide = page.evaluate("""[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.parentElement.closest('.scroll')).map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert overflow <= 0, f"{where} at {width} px is {overflow} px wider than the screen: {wide}"
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})


def _tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")
