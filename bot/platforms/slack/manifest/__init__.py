"""The Slack app manifest (manifest.yml beside this file), filled with a server's URL."""

from __future__ import annotations

from importlib import resources

PLACEHOLDER = "https://partnerbot.example.org"


class ManifestError(ValueError):
    pass


def template() -> str:
    return resources.files(__name__).joinpath("manifest.yml").read_text(encoding="utf-8")


def filled(public_url: str) -> str:
    if not public_url.startswith("https://"):
        raise ManifestError("the public URL must start with https:// (set PUBLIC_URL or pass --url)")
    return template().replace(PLACEHOLDER, public_url.rstrip("/"))
