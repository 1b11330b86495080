"""Platform adapters: each turns platform payloads into `Message` and renders `Reply`.

(No module-level `web` name here: `bot.adapters.web` is the web-chat adapter.)"""

from __future__ import annotations

import logging

from aiohttp.web import Application, Request, Response, json_response

log = logging.getLogger("partnerbot.adapters")


def not_configured(app: Application, path: str, platform: str, needs: str) -> None:
    """Answer a platform's route with 404 and a log line saying what is missing."""

    async def refused(request: Request) -> Response:
        log.warning(f"{platform} is not configured ({needs}); request refused")
        return json_response({"error": f"{platform} is not configured on this server"}, status=404)

    app.router.add_post(path, refused)
