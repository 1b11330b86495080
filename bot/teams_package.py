"""Build the Teams app package (manifest.json + icons, zipped) for sideloading."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
SOURCE = Path(__file__).resolve().parent.parent / "teams"


class PackageError(ValueError):
    pass


def build(app_id: str, public_url: str, out: Path, source: Path = SOURCE) -> Path:
    if not GUID.match(app_id or ""):
        raise PackageError("MICROSOFT_APP_ID must be the bot's Azure app id (a GUID) to build the Teams package")
    if not public_url.startswith("https://"):
        raise PackageError("the public URL must start with https:// (set PUBLIC_URL or pass --url)")
    manifest_path = source / "manifest.json"
    if not manifest_path.exists():
        raise PackageError(f"{manifest_path} not found: run from a checkout of the partnerbot repository")
    text = manifest_path.read_text(encoding="utf-8")
    text = text.replace("{{MICROSOFT_APP_ID}}", app_id).replace("{{PUBLIC_URL}}", public_url.rstrip("/"))
    manifest = json.loads(text)
    domain = public_url.split("://", 1)[1].split("/", 1)[0]
    manifest["validDomains"] = [domain]
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2))
        for icon in ("color.png", "outline.png"):
            bundle.write(source / icon, icon)
    return out
