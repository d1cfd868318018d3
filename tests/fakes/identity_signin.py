"""The web sign-in half of the fake identity platform: the OpenID Connect authorization code flow
with PKCE, as https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow and
/v2-protocols-oidc describe it, and Graph's ``GET /v1.0/me``.

- ``GET /{tenant}/oauth2/v2.0/authorize`` stands for Microsoft's sign-in page: the person the
  test chose (:attr:`FakeSignIn.user`, an id of the fake directory) "signs in" at once and the
  browser is sent back (302) to ``redirect_uri`` with ``code``, ``state``, ``session_state`` and
  ``client_info``; with :attr:`FakeSignIn.deny` set, with ``error=access_denied`` (AADSTS65004)
  instead. A request without ``code_challenge`` / S256, with an unknown client, or with a
  redirect URI that is not registered (:attr:`FakeSignIn.redirect_uris`) gets Microsoft's error
  page (400), not a redirect.
- ``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=authorization_code`` (after the client
  is authenticated, see :meth:`FakeIdentityPlatform._token`): the code must be known, unused,
  younger than 10 minutes, redeemed with the same redirect URI, and
  ``BASE64URL(SHA256(code_verifier)) == code_challenge`` (else ``invalid_grant`` with AADSTS54005,
  70008, 500112 or 501481). The answer carries an ``id_token`` (RS256, ``kid``; ``aud``, ``iss``,
  ``tid``, ``oid``, ``sub``, ``name``, ``preferred_username``, ``email`` when the user has a
  mail, the request's ``nonce``), a delegated ``access_token`` and ``client_info``; a
  ``refresh_token`` only when ``offline_access`` was asked for. :attr:`FakeSignIn.claims` are
  laid over the ID token's claims (another ``tid`` …).
- ``GET /{tenant}/discovery/v2.0/keys`` (the discovery's ``jwks_uri``) publishes the RSA keys
  ID tokens are signed with, as Microsoft does (``kty``, ``use``, ``kid``, ``x5t``, ``n``, ``e``,
  ``issuer``). :meth:`FakeSignIn.rotate_key` starts signing with a new key (published with the
  old one, or alone); :attr:`FakeSignIn.unpublished` signs with a key that is never published;
  :attr:`FakeSignIn.tamper` changes a signed ID token before it is handed out.
- ``GET /v1.0/me`` answers the delegated token's user with ``$select`` honoured.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

if TYPE_CHECKING:
    from tests.fakes.identity import Answer, FakeIdentityPlatform, Request

CODE_LIFETIME = 600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass
class Grant:
    """What an authorization code stands for."""

    user_id: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str | None
    scope: str
    issued: float
    redeemed: bool = False


class FakeSignIn:
    def __init__(self, platform: FakeIdentityPlatform) -> None:
        self.platform = platform
        self.user: str | None = None  # who signs in at the "sign-in page"
        self.deny = False  # the person cancels (or refuses consent)
        self.redirect_uris: set[str] | None = None  # None: any redirect URI is registered
        self.claims: dict[str, Any] = {}  # laid over the ID token's claims
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, tuple[float, str]] = {}  # token → (expiry, user id)
        self.issued: list[str] = []  # every token and code handed out (for leak checks)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = _b64(secrets.token_bytes(12))
        self.published: dict[str, rsa.RSAPrivateKey] = {self.kid: self.key}  # the JWKS
        self.unpublished = False  # sign with a key of our own that the JWKS never shows
        self.tamper: Callable[[str], str] | None = None  # change the signed ID token
        platform.route("GET", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/authorize", "authorize")(
            self._authorize
        )
        platform.route("GET", r"/(?P<tenant>[^/]+)/discovery/v2\.0/keys", "jwks")(self._jwks)
        platform.route("GET", r"/v1\.0/me", "me")(self._me)

    def rotate_key(self, *, keep_old: bool = True) -> str:
        """Sign with a new key from now on and publish it (with the old one unless told not
        to); returns the new ``kid``."""
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = _b64(secrets.token_bytes(12))
        self.published = {**(self.published if keep_old else {}), self.kid: self.key}
        return self.kid

    def _jwks(self, request: Request) -> Answer:
        from tests.fakes.identity import Answer

        refusal = self.platform._unknown_tenant(request.match["tenant"])
        if refusal is not None:
            return refusal
        issuer = f"{self.platform.authority_host}/{request.match['tenant']}/v2.0"
        keys = []
        for kid, key in self.published.items():
            jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            assert isinstance(jwk, dict)
            keys.append({"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": jwk["n"],
                         "e": jwk["e"], "issuer": issuer})  # fmt: skip
        return Answer.json({"keys": keys})

    @property
    def public_key_pem(self) -> bytes:
        return self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def _error_page(self, code: int, text: str) -> Answer:
        from tests.fakes.identity import Answer

        body = f"<html><body><h1>Sign in</h1><p>AADSTS{code}: {text}</p></body></html>"
        return Answer(400, body.encode(), {"Content-Type": "text/html; charset=utf-8"})

    def _redirect(self, redirect_uri: str, params: dict[str, str]) -> Answer:
        from tests.fakes.identity import Answer

        joiner = "&" if urlsplit(redirect_uri).query else "?"
        return Answer(302, b"", {"Location": f"{redirect_uri}{joiner}{urlencode(params)}"})

    def _client_info(self, user_id: str) -> str:
        return _b64(json.dumps({"uid": user_id, "utid": self.platform.tenant_id}).encode())

    # --- GET /authorize ------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Answer:
        query = request.query
        refusal = self.platform._unknown_tenant(request.match["tenant"])
        if refusal is not None:
            return refusal
        if query.get("client_id") != self.platform.client_id:
            return self._error_page(
                700016, f"Application with identifier '{query.get('client_id')}' was not found."
            )
        redirect_uri = query.get("redirect_uri", "")
        if not redirect_uri or (
            self.redirect_uris is not None and redirect_uri not in self.redirect_uris
        ):
            return self._error_page(
                50011,
                f"The redirect URI '{redirect_uri}' specified in the request does not match the "
                "redirect URIs configured for the application.",
            )
        if query.get("response_type") != "code":
            return self._error_page(900144, "The request body must contain 'response_type'.")
        if not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
            return self._error_page(
                50149, "Invalid Code_Challenge_method parameter (S256 is required here)."
            )
        state = {"state": query["state"]} if "state" in query else {}
        if self.deny:
            return self._redirect(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "AADSTS65004: User declined to consent to access the app.",
                    **state,
                },
            )
        assert self.user is not None, "choose who signs in: fake.signin.user = <directory id>"
        code = f"0.fake-code.{secrets.token_urlsafe(32)}"
        self.issued.append(code)
        self.grants[code] = Grant(
            user_id=self.user,
            client_id=query["client_id"],
            redirect_uri=redirect_uri,
            code_challenge=query["code_challenge"],
            nonce=query.get("nonce"),
            scope=query.get("scope", ""),
            issued=time.time(),
        )
        return self._redirect(
            redirect_uri,
            {
                "code": code,
                **state,
                "session_state": str(uuid.uuid4()),
                "client_info": self._client_info(self.user),
            },
        )

    # --- POST /token, grant_type=authorization_code ----------------------------------------------

    def redeem(self, request: Request, form: dict[str, str]) -> Answer:
        """The authorization_code grant, for a client already authenticated."""
        from tests.fakes.identity import Answer, aadsts

        grant = self.grants.get(form.get("code", ""))
        if grant is None:
            return aadsts(
                400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid."
            )
        if grant.redeemed:
            return aadsts(
                400, "invalid_grant", 54005, "OAuth2 Authorization code was already redeemed."
            )
        grant.redeemed = True
        if time.time() - grant.issued > CODE_LIFETIME:
            return aadsts(
                400, "invalid_grant", 70008, "The provided authorization code has expired."
            )
        if form.get("redirect_uri") != grant.redirect_uri:
            return aadsts(
                400,
                "invalid_grant",
                500112,
                "The reply address does not match the reply address provided when requesting "
                "Authorization code.",
            )
        if s256(form.get("code_verifier", "")) != grant.code_challenge:
            return aadsts(
                400,
                "invalid_grant",
                501481,
                "The Code_Verifier does not match the code_challenge supplied in the "
                "authorization request.",
            )
        user = self.platform.directory.users[grant.user_id]
        lifetime = self.platform.token_lifetime
        access_token = f"fake-user-at-{secrets.token_urlsafe(24)}"
        self.access_tokens[access_token] = (time.time() + lifetime, grant.user_id)
        self.issued.append(access_token)
        id_token = self._id_token(user, grant)
        self.issued.append(id_token)
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(s for s in grant.scope.split() if s != "offline_access"),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
            "id_token": id_token,
            "client_info": self._client_info(grant.user_id),
        }
        if "offline_access" in grant.scope.split():
            body["refresh_token"] = f"fake-rt-{secrets.token_urlsafe(32)}"
            self.issued.append(body["refresh_token"])
        return Answer.json(body)

    def _id_token(self, user: dict[str, Any], grant: Grant) -> str:
        now = int(time.time())
        tenant = self.platform.tenant_id
        claims: dict[str, Any] = {
            "aud": grant.client_id,
            "iss": f"{self.platform.authority_host}/{tenant}/v2.0",
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "name": user.get("displayName"),
            "oid": user["id"],
            "preferred_username": user.get("userPrincipalName"),
            "rh": f"0.fake.{secrets.token_urlsafe(8)}",
            "sid": str(uuid.uuid4()),
            "sub": _b64(hashlib.sha256(f"{user['id']}:{grant.client_id}".encode()).digest()),
            "tid": tenant,
            "uti": secrets.token_urlsafe(16),
            "ver": "2.0",
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        if user.get("mail"):
            claims["email"] = user["mail"]
        claims.update(self.claims)
        key, kid = self.key, self.kid
        if self.unpublished:  # a key (and kid) of the signer's own, never in the JWKS
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            kid = _b64(secrets.token_bytes(12))
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})
        return self.tamper(token) if self.tamper is not None else token

    # --- GET /v1.0/me --------------------------------------------------------------------------

    def _me(self, request: Request) -> Answer:
        from tests.fakes.identity import Answer, _graph_error

        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        expiry, user_id = self.access_tokens.get(token, (0.0, ""))
        if expiry < time.time() or user_id not in self.platform.directory.users:
            return Answer.json(_graph_error(401), 401)
        select = self.platform.directory._select(request)
        if not isinstance(select, list):
            return select
        user = self.platform.directory.users[user_id]
        base = self.platform.graph_base_url
        body = {
            "@odata.context": f"{base}/$metadata#users({','.join(select)})/$entity",
            **self.platform.directory._render(user, select),
        }
        return Answer.json(body)
