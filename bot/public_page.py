"""Pages anyone may open (the e-mail confirmation page, /privacy, /terms): one plain, accessible layout."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
"""The pages carry secrets in their links (an e-mail's token): never cached, never sent on as a referrer."""


class PublicPages:
    def __init__(self) -> None:
        self.environment = Environment(loader=PackageLoader("bot", "templates"),
                                       autoescape=select_autoescape(default=True, default_for_string=True))

    def render(self, template: str, **values: Any) -> str:
        return self.environment.get_template(template).render(**values)
