"""Sign-in with the district's identity provider over OpenID Connect (authorization code + PKCE), by Authlib.

Authlib reads the issuer's discovery document, builds the authorization URL (state, nonce, S256 code
challenge), exchanges the code and verifies the ID token (signature against the issuer's JWKS, issuer,
audience, expiry, nonce). This module only says which issuer and client, and hands back the claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client import BaseApp, FrameworkIntegration, OAuthError
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from authlib.integrations.httpx_client import AsyncOAuth2Client

SCOPE = "openid email profile"
TIMEOUT_SECONDS = 10.0


class SignInRefused(Exception):
    """The identity provider's answer could not be trusted or used; the message is safe to show."""


class _Client(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):
    client_cls = AsyncOAuth2Client


@dataclass(frozen=True)
class Started:
    url: str
    state: str
    nonce: str
    code_verifier: str


class Issuer:
    """One OpenID Connect issuer (Entra ID, Google Workspace, or any other)."""

    def __init__(self, issuer: str, client_id: str, client_secret: str) -> None:
        self.client = _Client(FrameworkIntegration("desk"), name="desk", client_id=client_id,
                              client_secret=client_secret,
                              server_metadata_url=f"{issuer}/.well-known/openid-configuration",
                              client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                                             "timeout": TIMEOUT_SECONDS})

    async def start(self, redirect_uri: str) -> Started:
        made = await self.client.create_authorization_url(redirect_uri)
        return Started(made["url"], made["state"], made["nonce"], made["code_verifier"])

    async def finish(self, code: str, redirect_uri: str, nonce: str, code_verifier: str) -> dict[str, Any]:
        """The verified ID token's claims; SignInRefused for anything the issuer or the token gets wrong."""
        try:
            token = await self.client.fetch_access_token(redirect_uri, code=code, code_verifier=code_verifier)
            claims = await self.client.parse_id_token(token, nonce)
        except OAuthError as exc:
            raise SignInRefused(f"the identity provider refused: {exc.error}") from exc
        except Exception as exc:  # a bad signature, audience, issuer or expiry; an unreachable provider
            raise SignInRefused("the identity provider's answer could not be verified") from exc
        if claims is None:
            raise SignInRefused("the identity provider sent no ID token")
        return dict(claims)
