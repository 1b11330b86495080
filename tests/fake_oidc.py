"""A fake OpenID Connect provider for the desk's sign-in tests: discovery, JWKS, an authorization endpoint
that signs in `user` at once, and a token endpoint that checks PKCE and the client's secret and returns
an RS256-signed ID token. `overrides` change the next ID token's claims; `sign_with_stranger` signs it
with a key the JWKS does not hold."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from typing import Any

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "partnerbot-desk"
CLIENT_SECRET = "desk-secret"


class FakeOIDC:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
        self.user: dict[str, Any] = {"sub": "sub-dana", "email": "dana@district.example", "name": "Dana Lee",
                                     "email_verified": True}
        self.overrides: dict[str, Any] = {}
        self.sign_with_stranger = False
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/jwks", self.jwks)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                                  "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                                  "response_types_supported": ["code"], "subject_types_supported": ["public"],
                                  "id_token_signing_alg_values_supported": ["RS256"],
                                  "code_challenge_methods_supported": ["S256"]})

    async def jwks(self, request: web.Request) -> web.Response:
        return web.json_response(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: web.Request) -> web.Response:
        query = dict(request.query)
        self.authorize_requests.append(query)
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return web.Response(status=400, text="bad client or response type")
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": query.get("nonce"), "challenge": query.get("code_challenge"),
                            "method": query.get("code_challenge_method"), "redirect_uri": query.get("redirect_uri")}
        raise web.HTTPFound(f"{query['redirect_uri']}?code={code}&state={query.get('state', '')}")

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        basic = request.headers.get("Authorization", "")
        client = base64.b64decode(basic[6:]).decode() if basic.startswith("Basic ") else \
            f"{form.get('client_id')}:{form.get('client_secret')}"
        if client != f"{CLIENT_ID}:{CLIENT_SECRET}":
            return web.json_response({"error": "invalid_client"}, status=401)
        grant = self.codes.pop(str(form.get("code", "")), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return web.json_response({"error": "invalid_grant"}, status=400)
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["method"] != "S256" or challenge != grant["challenge"]:
            return web.json_response({"error": "invalid_grant", "error_description": "PKCE"}, status=400)
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
                  **self.user, **self.overrides}
        key = self.stranger if self.sign_with_stranger else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return web.json_response({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                  "expires_in": 300, "id_token": id_token})
