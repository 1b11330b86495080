"""Platform adapters: each turns platform payloads into `Message` and renders `Reply`."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger("partnerbot.adapters")


def not_configured(app: web.Application, path: str, platform: str, needs: str) -> None:
    """Answer a platform's route with 404 and a log line saying what is missing."""

    async def refused(request: web.Request) -> web.Response:
        log.warning(f"{platform} is not configured ({needs}); request refused")
        return web.json_response({"error": f"{platform} is not configured on this server"}, status=404)

    app.router.add_post(path, refused)
