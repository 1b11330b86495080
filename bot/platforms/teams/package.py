"""Build the Teams app package (manifest.json + icons, zipped) for sideloading.

The template and icons ship inside the package (bot/platforms/teams/manifest/),
so `partnerbot teams-package` works from any install, not only a checkout.
"""

from __future__ import annotations

import json
import re
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SOURCE = resources.files("bot.platforms.teams.manifest")


class PackageError(ValueError):
    pass


def manifest(app_id: str, public_url: str) -> dict[str, Any]:
    """The manifest with the app id and the server's URL filled in."""
    if not GUID.match(app_id or ""):
        raise PackageError("MICROSOFT_APP_ID must be the bot's Azure app id (a GUID) to build the Teams package")
    if not public_url.startswith("https://"):
        raise PackageError("the public URL must start with https:// (set PUBLIC_URL or pass --url)")
    text = SOURCE.joinpath("manifest.json").read_text(encoding="utf-8")
    text = text.replace("{{MICROSOFT_APP_ID}}", app_id).replace("{{PUBLIC_URL}}", public_url.rstrip("/"))
    filled: dict[str, Any] = json.loads(text)
    filled["validDomains"] = [public_url.split("://", 1)[1].split("/", 1)[0]]
    return filled


def build(app_id: str, public_url: str, out: Path) -> Path:
    filled = manifest(app_id, public_url)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", json.dumps(filled, indent=2))
        for icon in ("color.png", "outline.png"):
            bundle.writestr(icon, SOURCE.joinpath(icon).read_bytes())
    return out
