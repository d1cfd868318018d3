"""The ID token's signature, checked against the keys the tenant publishes (PyJWT).

``TenantKeys(client, authority).verify(id_token)`` reads the tenant's OpenID configuration
(``{authority}/v2.0/.well-known/openid-configuration``) for its ``jwks_uri``, keeps the key set,
and verifies the token with the key its header names (``kid``), RS256 only. A ``kid`` the kept
set does not hold is looked up once more in a freshly fetched set (Microsoft rolls its keys
over); still unknown, the token is refused. Only the signature is checked here — the claims
(tenant, audience, issuer, expiry) are :meth:`odoobridge.auth.sso.EntraSignIn._check`'s — and
the claims returned are the verified token's own, not what MSAL decoded.

Errors: :class:`odoobridge.errors.Unauthorized` (a token that does not verify), and
``GraphUnavailable`` / ``GraphResponseError`` when the keys cannot be fetched or read.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import jwt

from odoobridge.errors import Unauthorized
from odoobridge.sources.graph_auth import GraphUnavailable, transport_failure
from odoobridge.sources.graph_records import GraphResponseError

ALGORITHMS = ["RS256"]  # what Microsoft signs ID tokens with; nothing else is accepted


class TenantKeys:
    def __init__(self, client: httpx.Client, authority: str) -> None:
        self._http = client
        self.authority = authority.rstrip("/")
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._lock = threading.Lock()

    def verify(self, id_token: str) -> dict[str, Any]:
        """The claims of ``id_token`` once its signature verifies (see the module docstring)."""
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise Unauthorized("the ID token is not a signed JWT: sign in again") from None
        if header.get("alg") not in ALGORITHMS:
            raise Unauthorized(
                f"the ID token is signed with {header.get('alg')!r}, not RS256: sign in again"
            )
        key = self._key(str(header.get("kid") or ""))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=ALGORITHMS,
                options={  # the claims are checked by the caller, with messages of its own
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                },
            )
        except jwt.InvalidSignatureError:
            raise Unauthorized(
                "the ID token's signature does not match the tenant's published key: sign in "
                "again (and report it if it persists)"
            ) from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the ID token cannot be verified ({exc}): sign in again") from None
        return claims

    def _key(self, kid: str) -> jwt.PyJWK:
        with self._lock:
            keys = self._keys if self._keys is not None else self._fetch()
            if kid not in keys:  # a key newer than our copy: Microsoft rolled its keys over
                keys = self._fetch()
            self._keys = keys
        if kid not in keys:
            raise Unauthorized(
                f"the ID token is signed with a key ({kid or 'no kid'}) the tenant does not "
                "publish: sign in again"
            )
        return keys[kid]

    def _fetch(self) -> dict[str, jwt.PyJWK]:
        configuration = self._json(f"{self.authority}/v2.0/.well-known/openid-configuration")
        jwks_uri = configuration.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith("https://"):
            raise GraphResponseError(
                f"the OpenID configuration of {self.authority} names no https jwks_uri"
            )
        try:
            key_set = jwt.PyJWKSet.from_dict(self._json(jwks_uri))
        except jwt.PyJWTError as exc:
            raise GraphResponseError(
                f"the signing keys of {self.authority} could not be read ({exc})"
            ) from None
        return {key.key_id: key for key in key_set.keys if key.key_id}

    def _json(self, url: str) -> dict[str, Any]:
        try:
            answer = self._http.get(url)
        except httpx.HTTPError as exc:
            raise transport_failure(exc, url) from None
        if answer.status_code != 200:
            raise GraphUnavailable(
                f"{url} answered {answer.status_code}: the tenant's signing keys cannot be "
                "read; try again in a minute"
            )
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise GraphResponseError(f"{url} did not answer a JSON object")
        return body
