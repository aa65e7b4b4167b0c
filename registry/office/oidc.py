"""A ministry's own OpenID Connect provider for staff sign-in: `OidcProvider`, the
`staff_auth.IdentityProvider` the office routes drive when `[oidc]` is configured.

What it does
------------
*Discovery*: the provider's `/.well-known/openid-configuration` is fetched with httpx (bounded
connect and read timeouts, no redirects followed, at most 64 KiB), kept for an hour, and
refused unless its `issuer` is exactly the configured one (OpenID Connect Discovery §4.3) and
its endpoints are https (plain http only for a loopback issuer, for tests and the demo).

*Authorisation code flow with PKCE*: `start` builds the authorisation URL with authlib
(`prepare_grant_uri`, the S256 challenge of RFC 7636) carrying the caller's `state` and
`nonce`; `finish` checks the callback's `state` in constant time (and `iss`, RFC 9207, when
sent), exchanges the code at the token endpoint with the verifier (client authentication by
authlib's `ClientAuth`: `client_secret_basic`, or `client_secret_post` when that is all the
provider offers), and verifies the ID token with joserfc (authlib's JOSE library) against the
provider's JWKS: an asymmetric algorithm the provider lists (never "none", never HMAC), the
key named by `kid` (the JWKS is fetched again once for a key it does not know yet: rotation),
then `iss`, `aud` (and `azp` when there are several audiences), `exp`, `iat` (not in the
future, not older than `max_token_age`), `nonce` and `sub`.

Every failure raises `IdentityRefused` with a bilingual `Refusal` for the page and a short
`detail` for the log (never a token, a code or a claim's value): the routes show the words and
never a traceback.

What it deliberately does not do
--------------------------------
No storage and no cookies (the routes keep state, nonce and verifier server-side), no mapping
of groups to roles (`staff_auth.map_identity`), no access-token use, refresh, userinfo or
logout at the provider: the office keeps its own session once the ID token is verified.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.oauth2.auth import ClientAuth  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from registry.config import DataDir, OidcConfig
from registry.errors import ConfigError
from registry.office.declarations import Role
from registry.office.errors import Refusal
from registry.office.staff_auth import ExternalIdentity, IdpMapping, StaffGrant

__all__ = [
    "ASYMMETRIC",
    "IdentityRefused",
    "OidcLimits",
    "OidcProvider",
    "ProviderMetadata",
    "from_config",
    "mapping_of",
    "read_client_secret",
]

log = logging.getLogger(__name__)

# what an ID token may be signed with: public-key algorithms only (an HMAC would make the
# client secret the verification key, and "none" is no signature)
ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

UNREACHABLE = Refusal(
    "idp_unreachable",
    "تعذّر الاتصال بمزوّد الهوية: حاول بعد قليل، أو سجّل الدخول بكلمة المرور ورمز التحقق.",
    "The identity provider cannot be reached: try again shortly, or sign in with your"
    " password and code.",
)
MISCONFIGURED = Refusal(
    "idp_misconfigured",
    "إعدادات مزوّد الهوية لا تطابق ما يعلنه المزوّد: راجع مدير النظام.",
    "The identity provider's settings do not match what the provider announces: ask an"
    " administrator.",
)
DENIED = Refusal(
    "idp_denied",
    "لم يُكمل مزوّد الهوية تسجيل الدخول (أُلغي أو رُفض): حاول من جديد.",
    "The identity provider did not complete the sign-in (cancelled or refused): try again.",
)
EXPIRED_ATTEMPT = Refusal(
    "idp_attempt_invalid",
    "انتهت مهلة تسجيل الدخول أو لا تخص هذا المتصفح: ابدأ تسجيل الدخول من جديد.",
    "This sign-in has expired or was not started in this browser: start signing in again.",
)
BAD_ANSWER = Refusal(
    "idp_answer_invalid",
    "لم يُقبل رد مزوّد الهوية: ابدأ تسجيل الدخول من جديد، وإن تكرر ذلك فراجع مدير النظام.",
    "The identity provider's answer was not accepted: start signing in again, and ask an"
    " administrator if it happens again.",
)
TOKEN_EXPIRED = Refusal(
    "idp_token_expired",
    "انتهت صلاحية إثبات الهوية الذي أرسله المزوّد: ابدأ تسجيل الدخول من جديد.",
    "The provider's proof of identity has expired: start signing in again.",
)


class IdentityRefused(Exception):
    """The provider's answer is not accepted: `refusal` for the page, `detail` for the log."""

    def __init__(self, refusal: Refusal, detail: str) -> None:
        super().__init__(f"{refusal.code}: {detail}")
        self.refusal = refusal
        self.detail = detail


@dataclass(frozen=True)
class OidcLimits:
    """How long and how much the provider may take (the office waits for it in a request)."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_document: int = 64 * 1024  # discovery and token responses
    max_jwks: int = 256 * 1024
    metadata_ttl: float = 3600.0  # seconds a discovery document and JWKS are reused
    leeway: int = 60  # seconds of clock difference tolerated on exp and iat
    max_token_age: int = 600  # an ID token issued longer ago than this is refused
    max_code: int = 2048


@dataclass(frozen=True)
class ProviderMetadata:
    """What discovery gave (the fields the office uses)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: frozenset[str]
    auth_method: str  # client_secret_basic or client_secret_post


def _loopback(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _endpoint(doc: Mapping[str, Any], key: str, *, plain_ok: bool) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or len(value) > 2000:
        raise IdentityRefused(MISCONFIGURED, f"discovery has no usable {key}")
    scheme = urlsplit(value).scheme
    if scheme != "https" and not (plain_ok and scheme == "http" and _loopback(value)):
        raise IdentityRefused(MISCONFIGURED, f"discovery's {key} is not https")
    return value


def parse_metadata(doc: object, issuer: str) -> ProviderMetadata:
    """The discovery document's fields, checked (pure)."""
    if not isinstance(doc, dict):
        raise IdentityRefused(MISCONFIGURED, "discovery is not a JSON object")
    if doc.get("issuer") != issuer:
        raise IdentityRefused(MISCONFIGURED, "discovery's issuer is not the configured issuer")
    plain_ok = _loopback(issuer)
    algs = doc.get("id_token_signing_alg_values_supported", ["RS256"])
    offered = {a for a in algs if isinstance(a, str)} if isinstance(algs, list) else set()
    usable = frozenset(offered & ASYMMETRIC)
    if not usable:
        raise IdentityRefused(MISCONFIGURED, "the provider signs ID tokens with no usable alg")
    methods = doc.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
    listed = set(methods) if isinstance(methods, list) else set()
    if "client_secret_basic" in listed:
        method = "client_secret_basic"
    elif "client_secret_post" in listed:
        method = "client_secret_post"
    else:
        raise IdentityRefused(MISCONFIGURED, "the token endpoint takes no client secret")
    challenge = doc.get("code_challenge_methods_supported")
    if isinstance(challenge, list) and "S256" not in challenge:
        raise IdentityRefused(MISCONFIGURED, "the provider does not offer PKCE S256")
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=_endpoint(doc, "authorization_endpoint", plain_ok=plain_ok),
        token_endpoint=_endpoint(doc, "token_endpoint", plain_ok=plain_ok),
        jwks_uri=_endpoint(doc, "jwks_uri", plain_ok=plain_ok),
        algorithms=usable,
        auth_method=method,
    )


class OidcProvider:
    """An `IdentityProvider` over authlib and joserfc, for one issuer and one client."""

    def __init__(
        self,
        *,
        name: str,
        issuer: str,
        client_id: str,
        client_secret: str,
        scope: str = "openid profile email",
        clock: Callable[[], dt.datetime],
        limits: OidcLimits | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.issuer = issuer
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._clock = clock
        self.limits = limits or OidcLimits()
        self._timeout = httpx.Timeout(self.limits.read_timeout, connect=self.limits.connect_timeout)
        self._transport = transport
        self._lock = threading.Lock()
        self._metadata: tuple[float, ProviderMetadata] | None = None
        self._keys: tuple[float, KeySet] | None = None

    # -- the provider's documents ---------------------------------------------------------

    def _fetch(self, method: str, url: str, limit: int, **kw: Any) -> tuple[int, object]:
        """The status and parsed JSON of a bounded request; IdentityRefused on any fault."""
        try:
            # a client per request (a sign-in is rare, the documents are cached): nothing is
            # left open between sign-ins or when the app stops
            with (
                httpx.Client(
                    timeout=self._timeout, follow_redirects=False, transport=self._transport
                ) as http,
                http.stream(method, url, **kw) as r,
            ):
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > limit:
                        raise IdentityRefused(MISCONFIGURED, f"{urlsplit(url).path} too large")
                status = r.status_code
        except httpx.HTTPError as exc:
            raise IdentityRefused(UNREACHABLE, f"{type(exc).__name__} on {method}") from None
        try:
            return status, json.loads(bytes(body))
        except ValueError:
            if status != 200:
                return status, None  # the caller says what a failed status means
            raise IdentityRefused(BAD_ANSWER, f"{urlsplit(url).path}: not JSON") from None

    def metadata(self) -> ProviderMetadata:
        """The discovery document, fetched at most once an hour."""
        with self._lock:
            cached = self._metadata
        if cached and time.monotonic() - cached[0] < self.limits.metadata_ttl:
            return cached[1]
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        status, doc = self._fetch("GET", url, self.limits.max_document)
        if status != 200:
            # a provider in trouble (5xx), or an issuer URL that is not one (404...)
            refusal = UNREACHABLE if status >= 500 else MISCONFIGURED
            raise IdentityRefused(refusal, f"discovery answered {status}")
        meta = parse_metadata(doc, self.issuer)
        with self._lock:
            self._metadata = (time.monotonic(), meta)
        return meta

    def _key_set(self, meta: ProviderMetadata, *, fresh: bool) -> KeySet:
        with self._lock:
            cached = self._keys
        if not fresh and cached and time.monotonic() - cached[0] < self.limits.metadata_ttl:
            return cached[1]
        status, doc = self._fetch("GET", meta.jwks_uri, self.limits.max_jwks)
        if status != 200 or not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
            raise IdentityRefused(MISCONFIGURED, f"the JWKS answered {status} without keys")
        try:
            keys = KeySet.import_key_set({"keys": doc["keys"]})
        except (JoseError, ValueError, TypeError, KeyError):
            raise IdentityRefused(
                MISCONFIGURED, "the JWKS holds a key that does not parse"
            ) from None
        with self._lock:
            self._keys = (time.monotonic(), keys)
        return keys

    # -- the flow -------------------------------------------------------------------------

    def start(self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str) -> str:
        meta = self.metadata()
        url: str = prepare_grant_uri(
            meta.authorization_endpoint,
            client_id=self.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope=self.scope,
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )
        return url

    def finish(
        self,
        *,
        query: Mapping[str, str],
        redirect_uri: str,
        state: str,
        nonce: str,
        code_verifier: str,
    ) -> ExternalIdentity:
        if "error" in query:
            code = str(query["error"])[:40]
            raise IdentityRefused(DENIED, f"the provider answered error={code!r}")
        got = query.get("state", "")
        if not hmac.compare_digest(got.encode("utf-8", "replace"), state.encode("ascii")):
            raise IdentityRefused(EXPIRED_ATTEMPT, "state does not match")
        if "iss" in query and query["iss"] != self.issuer:
            raise IdentityRefused(BAD_ANSWER, "the callback's iss is another issuer")
        code = query.get("code", "")
        if not code or len(code) > self.limits.max_code:
            raise IdentityRefused(BAD_ANSWER, "the callback has no code")
        meta = self.metadata()
        id_token = self._exchange(meta, code, redirect_uri, code_verifier)
        claims = self._verify(meta, id_token, nonce)
        return ExternalIdentity(self.issuer, str(claims["sub"]), claims)

    def _exchange(
        self, meta: ProviderMetadata, code: str, redirect_uri: str, code_verifier: str
    ) -> str:
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        }
        auth = ClientAuth(self.client_id, self._secret, meta.auth_method)
        url, headers, body = auth.prepare("POST", meta.token_endpoint, headers, body)
        status, doc = self._fetch(
            "POST", url, self.limits.max_document, headers=headers, content=body
        )
        if not isinstance(doc, dict):
            raise IdentityRefused(BAD_ANSWER, f"the token endpoint answered {status}, no object")
        if status != 200 or "error" in doc:
            error = str(doc.get("error", "?"))[:40]
            raise IdentityRefused(BAD_ANSWER, f"the token endpoint answered {status} {error!r}")
        token = doc.get("id_token")
        if not isinstance(token, str) or not token or len(token) > 16 * 1024:
            raise IdentityRefused(BAD_ANSWER, "the token response has no ID token")
        return token

    def _verify(self, meta: ProviderMetadata, token: str, nonce: str) -> dict[str, Any]:
        try:
            keys = self._key_set(meta, fresh=False)
            try:
                decoded = jwt.decode(token, keys, algorithms=sorted(meta.algorithms))
            except InvalidKeyIdError:
                keys = self._key_set(meta, fresh=True)  # the provider rotated its keys
                decoded = jwt.decode(token, keys, algorithms=sorted(meta.algorithms))
            header_alg = decoded.header.get("alg")
            if header_alg not in meta.algorithms:  # decode checks it too; say it twice
                raise IdentityRefused(BAD_ANSWER, "the ID token's alg is not allowed")
            now = int(self._clock().timestamp())
            registry = jwt.JWTClaimsRegistry(
                now=now,
                leeway=self.limits.leeway,
                iss={"essential": True, "value": self.issuer},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                iat={"essential": True},
                nonce={"essential": True, "value": nonce},
            )
            registry.validate(decoded.claims)
        except IdentityRefused:
            raise
        except JoseError as exc:
            refusal = TOKEN_EXPIRED if isinstance(exc, ExpiredTokenError) else BAD_ANSWER
            raise IdentityRefused(refusal, f"ID token: {type(exc).__name__}") from None
        except (ValueError, TypeError):
            raise IdentityRefused(BAD_ANSWER, "ID token does not parse") from None
        claims = dict(decoded.claims)
        aud = claims["aud"]
        if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != self.client_id:
            raise IdentityRefused(BAD_ANSWER, "ID token for several audiences, azp not ours")
        if claims["iat"] < now - self.limits.max_token_age:
            raise IdentityRefused(TOKEN_EXPIRED, "ID token issued too long ago")
        if not isinstance(claims["sub"], str) or not 0 < len(claims["sub"]) <= 255:
            raise IdentityRefused(BAD_ANSWER, "ID token's sub is not a usable string")
        return claims


# ---------------------------------------------------------------------------------------------
# from the configuration


def read_client_secret(data: DataDir, config: OidcConfig) -> str:
    """The client secret from `client_secret_file` (under the data directory, owner-only)."""
    relative = Path(config.client_secret_file)
    if relative.is_absolute() or ".." in relative.parts:
        raise ConfigError(
            f"[oidc] client_secret_file must be a path inside the data directory {data.root}"
        )
    path = data.root / relative
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"[oidc] client_secret_file {path} is not a file")
        if info.st_mode & 0o077:
            raise ConfigError(
                f"[oidc] client_secret_file {path} is readable by others: chmod 600 it"
            )
        if os.name == "posix" and info.st_uid != os.getuid():
            raise ConfigError(f"[oidc] client_secret_file {path} belongs to another user")
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"[oidc] cannot read client_secret_file {path}: {exc}") from exc
    if not secret or len(secret) > 1000:
        raise ConfigError(f"[oidc] client_secret_file {path} is empty or not a secret")
    return secret


def mapping_of(config: OidcConfig) -> IdpMapping:
    """The configured groups as `staff_auth.IdpMapping` (the order is kept)."""
    return IdpMapping(
        groups=tuple((g.group, StaffGrant(Role(g.role), g.office)) for g in config.groups),
        groups_claim=config.groups_claim,
        require_mfa=config.require_mfa,
    )


def from_config(
    data: DataDir,
    config: OidcConfig,
    *,
    clock: Callable[[], dt.datetime],
    transport: httpx.BaseTransport | None = None,
) -> OidcProvider:
    """The provider the `[oidc]` table describes (the secret read now: ConfigError if not)."""
    return OidcProvider(
        name=config.name_en,
        issuer=config.issuer,
        client_id=config.client_id,
        client_secret=read_client_secret(data, config),
        scope=config.scope,
        clock=clock,
        limits=OidcLimits(read_timeout=config.timeout_seconds),
        transport=transport,
    )
