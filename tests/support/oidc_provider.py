"""A small but real OpenID provider for the tests, served over HTTP (`serve_app`).

It implements what the office's client uses, as a provider does: discovery, the authorisation
endpoint (it consents at once for `provider.user`, or after a button on a page of its own
when `interactive`, and redirects back with a code and the state, plus `iss` as RFC 9207
says), the token endpoint (client_secret_basic, the code used
once, the redirect URI and the PKCE S256 verifier checked) answering an ID token signed RS256
with a key generated per provider (joserfc), and the JWKS.

`Provider.tamper` changes the next ID token's claims (a wrong nonce, audience, an expired
`exp`) and `Provider.sign` how it is signed ("none", another key under the same kid): the
ways a provider, or someone between, can get it wrong. `Provider.codes` holds every code issued.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from tests.support.servers import serve_app

__all__ = ["Grant", "Provider", "serve_provider"]


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    subject: str
    used: bool = False


@dataclass
class Provider:
    client_id: str = "sanad-office"
    client_secret: str = "s3cret-of-the-office-client"
    redirect_uris: set[str] = field(default_factory=set)  # empty: any under the office
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    user: str = ""  # who is signed in at the provider (consents at once)
    issuer: str = ""  # set once served
    tamper: dict[str, Any] = field(default_factory=dict)  # next token's claims
    sign: str = "RS256"  # or "none", or "other-key"
    deny: str | None = None  # answer the authorisation with this error
    interactive: bool = False  # show a consent button instead of answering at once
    codes: dict[str, Grant] = field(default_factory=dict)
    token_calls: int = 0
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig"})
    )

    # -- endpoints ------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    def discovery(self, request: Request) -> Response:
        base = self.issuer
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "jwks_uri": f"{base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": ["openid", "profile", "email"],
            }
        )

    def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return PlainTextResponse("unknown client or response type", status_code=400)
        redirect = q.get("redirect_uri", "")
        if self.redirect_uris and redirect not in self.redirect_uris:
            return PlainTextResponse("unregistered redirect_uri", status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return PlainTextResponse("PKCE S256 required", status_code=400)
        if "openid" not in q.get("scope", "").split():
            return PlainTextResponse("not an OpenID request", status_code=400)
        if self.interactive:
            # a page of the provider's own, whose button sends the browser back: the return
            # is then a navigation the provider's site starts, as after a real login form
            return HTMLResponse(
                "<!doctype html><title>Provider</title><link rel=icon href='data:,'>"
                "<form method=post"
                f' action="/consent?{urlencode(dict(q))}">'
                f"<button>Continue as {html.escape(self.user)}</button></form>"
            )
        return self._answer(q.get("state", ""), redirect, q["code_challenge"], q.get("nonce"))

    async def consent(self, request: Request) -> Response:
        q = request.query_params
        return self._answer(
            q.get("state", ""), q.get("redirect_uri", ""), q["code_challenge"], q.get("nonce")
        )

    def _answer(self, state: str, redirect: str, challenge: str, nonce: str | None) -> Response:
        back: dict[str, str] = {"state": state, "iss": self.issuer}
        if self.deny:
            back["error"] = self.deny
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = Grant(self.client_id, redirect, challenge, nonce, self.user)
            back["code"] = code
        sep = "&" if "?" in redirect else "?"
        return RedirectResponse(f"{redirect}{sep}{urlencode(back)}", status_code=303)

    def _client_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            return False
        raw = base64.b64decode(header[6:]).decode()
        cid, _, secret = raw.partition(":")
        # RFC 6749 §2.3.1: each part form-urlencoded before the base64
        return unquote(cid) == self.client_id and unquote(secret) == self.client_secret

    async def token(self, request: Request) -> Response:
        self.token_calls += 1
        form = await request.form()
        if not self._client_ok(request):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.get(str(form.get("code", "")))
        if form.get("grant_type") != "authorization_code" or grant is None or grant.used:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        grant.used = True  # a code is good once, even when the rest is wrong
        if form.get("redirect_uri") != grant.redirect_uri:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier", ""))
        digest = hashlib.sha256(verifier.encode("ascii")).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "PKCE"}, status_code=400
            )
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(24),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant),
            },
            headers={"Cache-Control": "no-store"},
        )

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.subject,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **self.users.get(grant.subject, {}),
        }
        claims.update(self.tamper)
        claims = {k: v for k, v in claims.items() if v is not None}  # tamper may remove
        header = {"alg": "RS256", "kid": "k1"}
        if self.sign == "none":
            return f"{_b64({'alg': 'none', 'kid': 'k1'})}.{_b64(claims)}."
        key = self.key
        if self.sign == "other-key":
            key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        return jwt.encode(header, claims, key)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/health", self.health),
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/consent", self.consent, methods=["POST"]),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


@contextlib.contextmanager
def serve_provider(provider: Provider, *, host: str = "127.0.0.1") -> Iterator[Provider]:
    """Serve `provider`; its issuer is http://<host>:<port> (host "localhost" makes the
    provider another site than the office at 127.0.0.1, as a real one is)."""
    with serve_app(provider.app(), health="/health", lifespan="off") as url:
        provider.issuer = url.replace("127.0.0.1", host)
        yield provider
