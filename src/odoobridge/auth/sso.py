"""Microsoft Entra sign-in for people: the OpenID Connect authorization code flow with PKCE,
through MSAL, with the same app registration as the directory sync.

    sso = EntraSignIn.from_settings(settings)            # None when ODOOBRIDGE_SSO_ENABLED=0
    flow = sso.start(redirect_uri)                        # MSAL makes state, nonce and PKCE
    ... the browser visits flow["auth_uri"] and comes back to the redirect URI ...
    profile = sso.finish(flow, dict(request.query_params))

- ``start`` is MSAL's ``initiate_auth_code_flow(scopes=["User.Read"], redirect_uri=…)``; the
  caller keeps the flow (its ``code_verifier`` and ``nonce``) for the callback and drops
  ``auth_uri`` once the browser is sent there.
- ``finish`` is ``acquire_token_by_auth_code_flow``: MSAL checks the state, redeems the code with
  the verifier and the client credential, and checks the ID token's nonce. Since MSAL 1.38 the
  rest of the ID token is the application's to check: its signature against the tenant's
  published keys (:mod:`odoobridge.auth.sso_keys`: RS256, the JWKS of the OpenID configuration,
  fetched again once for a key it does not know), then the tenant (``tid``), the audience, the
  issuer (the configured authority host's ``/{tenant}/v2.0`` only) and the expiry.
- The profile is the ID token's ``oid``, ``tid``, ``name``, ``preferred_username`` / ``email``
  and Graph's ``GET /me?$select=id,displayName,mail,jobTitle,department`` with the delegated
  token, which is then forgotten: MSAL is given a token cache that keeps nothing, and no refresh
  token is asked for (``offline_access`` excluded).

Errors say what happened in one line and never carry a token: :class:`odoobridge.errors.
Unauthorized` (cancelled, refused by Microsoft, an answer that does not belong to the flow),
``Forbidden`` (another tenant), ``GraphError`` (Graph or the identity platform failed).
"""

from __future__ import annotations

import re
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import msal  # type: ignore[import-untyped]

from odoobridge.auth.sso_keys import TenantKeys
from odoobridge.errors import ConfigError, Forbidden, Unauthorized
from odoobridge.settings import Settings
from odoobridge.sources.graph import graph_error_parts
from odoobridge.sources.graph_auth import (
    Credentials,
    GraphAuthError,
    GraphUnavailable,
    confidential_client,
    credentials_from_settings,
    http_client,
    missing_credentials,
    transport_failure,
)
from odoobridge.sources.graph_records import GraphError, GraphResponseError

SCOPES = ["User.Read"]
ME_SELECT = "id,displayName,mail,jobTitle,department"
CALLBACK_PATH = "/auth/entra/callback"
CLOCK_SKEW = 300  # seconds of disagreement between our clock and Microsoft's that we accept
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# The parts of the redirect's query that belong to the authorization response.
_RESPONSE_KEYS = ("code", "state", "error", "error_description", "error_uri", "client_info")


@dataclass(frozen=True)
class EntraProfile:
    """Who signed in, from the ID token and Graph's /me."""

    oid: str
    tenant_id: str
    name: str
    email: str
    job_title: str | None
    department: str | None


class _NoTokenCache(msal.TokenCache):  # type: ignore[misc]
    """A token cache that keeps nothing: a person's tokens are used once, for /me."""

    def add(self, event: dict[str, Any], now: Any = None) -> None:
        return None


def _description(result: dict[str, Any]) -> str:
    """The first sentence-bearing line of an AADSTS description, without trace ids."""
    text = str(result.get("error_description") or "").strip().splitlines()
    first = text[0] if text else ""
    return re.split(r"\s*Trace ID:", first)[0].strip()


class EntraSignIn:
    def __init__(
        self,
        credentials: Credentials,
        *,
        authority_host: str,
        graph_base_url: str,
        client: httpx.Client,
        redirect_uri: str | None = None,
    ) -> None:
        self.credentials = credentials
        self.authority_host = authority_host.rstrip("/")
        self.authority = f"{self.authority_host}/{credentials.tenant_id}"
        self.graph_base_url = graph_base_url.rstrip("/")
        self.redirect_uri = redirect_uri
        self._http = client
        self._app: Any = None
        self._lock = threading.Lock()
        self.keys = TenantKeys(client, self.authority)

    @classmethod
    def from_settings(cls, settings: Settings) -> EntraSignIn | None:
        """The sign-in when ODOOBRIDGE_SSO_ENABLED=1 (else None); ConfigError when the app
        registration's settings are incomplete."""
        if not settings.sso_enabled:
            return None
        missing = missing_credentials(settings)
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} not set: Microsoft sign-in (ODOOBRIDGE_SSO_ENABLED=1) "
                "needs the app registration's ids and its secret or certificate"
            )
        credentials = credentials_from_settings(settings)
        if not _GUID.match(credentials.tenant_id):
            raise ConfigError(
                f"AZURE_TENANT_ID is {credentials.tenant_id!r}: Microsoft sign-in needs the "
                "directory (tenant) id, a GUID shown on the app registration's Overview"
            )
        client = http_client(settings.azure_ca_bundle, settings.azure_http_timeout, "OdooBridge")
        return cls(
            credentials,
            authority_host=settings.azure_authority_host,
            graph_base_url=settings.graph_base_url,
            client=client,
            redirect_uri=settings.sso_redirect_uri,
        )

    def close(self) -> None:
        self._http.close()

    def _application(self) -> Any:
        with self._lock:
            if self._app is None:
                self._app = confidential_client(
                    self.credentials,
                    self.authority,
                    self._http,
                    _NoTokenCache(),
                    exclude_scopes=["offline_access"],
                )
            return self._app

    # --- the two legs -----------------------------------------------------------------------

    def start(self, redirect_uri: str) -> dict[str, Any]:
        """A new flow: ``auth_uri`` to send the browser to, and what the callback needs."""
        app = self._application()
        with warnings.catch_warnings():
            # MSAL recommends response_mode=form_post; a cross-site POST back would not carry
            # the SameSite=Lax cookie that holds this flow (docs/decisions.md: query mode).
            warnings.filterwarnings("ignore", message="response_mode='form_post'")
            flow: dict[str, Any] = app.initiate_auth_code_flow(
                scopes=SCOPES, redirect_uri=redirect_uri, prompt=msal.Prompt.SELECT_ACCOUNT
            )
        return flow

    def finish(self, flow: dict[str, Any], query: dict[str, str]) -> EntraProfile:
        """Redeem the code of the redirect ``query`` for tokens; the profile of who signed in."""
        response = {key: query[key] for key in _RESPONSE_KEYS if key in query}
        if response.get("state") != flow.get("state") or not (
            response.get("code") or response.get("error")
        ):
            raise Unauthorized(
                "the answer from Microsoft does not belong to this sign-in (no code or error "
                "for its state): sign in again"
            )
        try:
            result = self._application().acquire_token_by_auth_code_flow(flow, response)
        except httpx.HTTPError as exc:
            raise transport_failure(exc, self.authority) from None
        except msal.exceptions.MsalServiceError as exc:  # e.g. a 5xx of the token endpoint
            raise GraphUnavailable(
                f"the token endpoint of {self.authority} failed ({exc}): try again in a minute"
            ) from None
        except ValueError:  # a token answer or client_info that is not JSON
            raise GraphResponseError(
                f"the answer of the identity platform at {self.authority} could not be read: "
                "sign in again, and report it if it persists"
            ) from None
        except RuntimeError:  # MSAL: the ID token's nonce is not this flow's
            raise Unauthorized(
                "the ID token does not carry this sign-in's nonce (a replayed answer?): "
                "sign in again"
            ) from None
        if "error" in result:
            raise self._refusal(result)
        id_token = result.get("id_token")
        token = result.get("access_token")
        if not isinstance(id_token, str) or not isinstance(token, str):
            raise GraphResponseError(
                f"the token endpoint of {self.authority} answered without an ID token or an "
                "access token: check that the app registration is a Web platform app"
            )
        claims = self.keys.verify(id_token)  # the signed claims, not MSAL's unverified decode
        self._check(claims)
        me = self._me(token, str(claims["oid"]))
        return self._profile(claims, me)

    # --- checks -------------------------------------------------------------------------------

    def _refusal(self, result: dict[str, Any]) -> Exception:
        error = str(result.get("error"))
        description = _description(result)
        said = f"{error}: {description}" if description else error
        if error == "access_denied":
            return Unauthorized(
                f"the Microsoft sign-in was cancelled or refused ({said}); sign in again when ready"
            )
        if error in ("invalid_client", "unauthorized_client"):
            return GraphAuthError(
                f"Microsoft refused the app's credentials ({said}): check AZURE_CLIENT_ID and "
                "AZURE_CLIENT_SECRET (or the certificate)"
            )
        if "AADSTS50011" in description or "AADSTS500112" in description:
            return GraphAuthError(
                f"Microsoft refused the redirect URI ({said}): register this site's "
                f"{CALLBACK_PATH} as a Web redirect URI, or set ODOOBRIDGE_SSO_REDIRECT_URI"
            )
        return Unauthorized(f"Microsoft refused the sign-in ({said}): sign in again")

    def _check(self, claims: dict[str, Any]) -> None:
        tenant = str(claims.get("tid") or "")
        if tenant.lower() != self.credentials.tenant_id.lower():
            raise Forbidden(
                f"this Microsoft account signed in through another directory (tenant "
                f"{tenant or 'unknown'}): only accounts of tenant {self.credentials.tenant_id} "
                "may sign in here"
            )
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.credentials.client_id not in audiences:
            raise Unauthorized("the ID token was issued to another application: sign in again")
        issuer = urlsplit(str(claims.get("iss") or ""))
        if (  # the configured authority host's issuer only, not any Microsoft login host
            issuer.scheme != "https"
            or issuer.netloc.lower() != urlsplit(self.authority).netloc.lower()
            or issuer.path.rstrip("/").lower() != f"/{tenant.lower()}/v2.0"
        ):
            raise Unauthorized(
                f"the ID token's issuer {claims.get('iss')!r} is not the tenant's v2.0 "
                "endpoint: sign in again"
            )
        expiry = claims.get("exp")
        if not isinstance(expiry, int | float) or expiry < time.time() - CLOCK_SKEW:
            raise Unauthorized(
                "the ID token has expired (is this server's clock right?): sign in again"
            )
        if not claims.get("oid"):
            raise Unauthorized(
                "the ID token names no directory object (oid): sign in with a work account "
                f"of tenant {self.credentials.tenant_id}"
            )

    def _me(self, token: str, oid: str) -> dict[str, Any]:
        url = f"{self.graph_base_url}/me"
        try:
            answer = self._http.get(
                url, params={"$select": ME_SELECT}, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.HTTPError as exc:
            raise transport_failure(exc, url) from None
        if answer.status_code != 200:
            code, message = graph_error_parts(answer)
            hint = (
                ": the app needs the delegated Microsoft Graph permission User.Read"
                if answer.status_code in (401, 403)
                else "; try again in a minute"
            )
            raise GraphError(
                f"Microsoft Graph answered {answer.status_code} to GET /me "
                f"({code or 'no code'}: {message}){hint}"
            )
        try:
            body = answer.json()
        except ValueError:
            raise GraphResponseError(
                "Microsoft Graph answered GET /me with malformed JSON"
            ) from None
        if not isinstance(body, dict) or str(body.get("id") or "").lower() != oid.lower():
            raise GraphResponseError(
                "Microsoft Graph's GET /me answered for another user than the ID token's"
            )
        return body

    def _profile(self, claims: dict[str, Any], me: dict[str, Any]) -> EntraProfile:
        email = me.get("mail") or claims.get("email") or claims.get("preferred_username")
        if not isinstance(email, str) or "@" not in email:
            raise Unauthorized(
                "Microsoft gave no email address for this account (mail, email or "
                "preferred_username): ask an Entra administrator to set one"
            )

        def text(value: Any) -> str | None:
            cleaned = str(value).strip() if value is not None else ""
            return cleaned or None

        return EntraProfile(
            oid=str(claims["oid"]),
            tenant_id=str(claims["tid"]),
            name=text(claims.get("name")) or text(me.get("displayName")) or email,
            email=email,
            job_title=text(me.get("jobTitle")),
            department=text(me.get("department")),
        )
