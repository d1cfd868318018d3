"""App-only tokens for Microsoft Graph through MSAL, over our own httpx client.

- Client credentials: AZURE_CLIENT_SECRET, or a certificate (ODOOBRIDGE_AZURE_CLIENT_CERT_PATH: a
  PEM holding the private key and, ideally, the certificate; or a PFX) with its thumbprint.
- MSAL's HTTP goes through :class:`MsalHttpClient` on the same ``httpx.Client`` as the Graph calls,
  so TLS trust is exactly what :func:`tls_context` builds (public CAs + ODOOBRIDGE_AZURE_CA_BUNDLE).
  MSAL's default ``requests`` session would let REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override it.
- MSAL calls Microsoft's instance-discovery endpoint for unknown authority hosts; a sovereign or
  private host is used as given (``instance_discovery=False``).
- MSAL caches the token and treats one within 5 minutes of expiry as expired (so it is refreshed
  before it runs out); :meth:`TokenProvider.invalidate` drops it after Graph answered 401, since
  ``acquire_token_for_client`` has no force-refresh.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx
import msal  # type: ignore[import-untyped]

from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.graph_records import GraphError

MICROSOFT_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.microsoftonline.us",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
    }
)


class GraphAuthError(GraphError):
    """The identity platform refused to issue a token, or Graph refused the one it issued."""


class GraphUnavailable(GraphError):
    """The authority or Graph could not be reached (DNS, TLS, timeout, connection reset)."""


def tls_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """Verification on, against the public CAs plus ``ca_bundle`` (never switched off)."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"ODOOBRIDGE_AZURE_CA_BUNDLE {ca_bundle} is not a readable PEM file of CA "
                f"certificates: {exc}"
            ) from None
    return context


def transport_failure(exc: httpx.HTTPError, url: str) -> GraphUnavailable:
    """One line for a connection-level failure, with the hint that fixes the usual TLS case."""
    where = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    text = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return GraphUnavailable(
            f"TLS verification of {where} failed ({text}): if it uses a private CA, set "
            "ODOOBRIDGE_AZURE_CA_BUNDLE to that CA's PEM file"
        )
    if isinstance(exc, httpx.TimeoutException):
        return GraphUnavailable(
            f"{where} did not answer in time ({type(exc).__name__}): check the network, or "
            "raise ODOOBRIDGE_AZURE_HTTP_TIMEOUT"
        )
    return GraphUnavailable(f"cannot reach {where}: {text}")


def missing_credentials(settings: Settings) -> list[str]:
    """The app registration settings that are not set (tenant, client, secret or certificate)."""
    missing = [
        name
        for name, value in (
            ("AZURE_TENANT_ID", settings.azure_tenant_id),
            ("AZURE_CLIENT_ID", settings.azure_client_id),
        )
        if not (value or "").strip()
    ]
    secret = settings.azure_client_secret
    has_secret = secret is not None and bool(secret.get_secret_value().strip())
    if not has_secret and settings.azure_client_cert_path is None:
        missing.append("AZURE_CLIENT_SECRET (or ODOOBRIDGE_AZURE_CLIENT_CERT_PATH)")
    return missing


def credentials_from_settings(settings: Settings) -> Credentials:
    """The app registration's credentials (call :func:`missing_credentials` first)."""
    secret = settings.azure_client_secret
    plain = secret.get_secret_value().strip() if secret is not None else ""
    passphrase = settings.azure_client_cert_passphrase
    return Credentials(
        tenant_id=str(settings.azure_tenant_id).strip(),
        client_id=str(settings.azure_client_id).strip(),
        secret=secret.get_secret_value() if plain and secret is not None else None,
        cert_path=settings.azure_client_cert_path,
        cert_thumbprint=settings.azure_client_cert_thumbprint,
        cert_passphrase=passphrase.get_secret_value() if passphrase else None,
    )


def http_client(ca_bundle: Path | None, timeout: float, user_agent: str) -> httpx.Client:
    """The one ``httpx.Client`` for the authority and Graph: TLS as :func:`tls_context` builds
    it, the configured timeout, no redirects followed."""
    return httpx.Client(
        verify=tls_context(ca_bundle),
        timeout=httpx.Timeout(timeout, connect=min(timeout, 15.0)),
        headers={"User-Agent": user_agent},
        follow_redirects=False,
    )


class MsalHttpClient:
    """The small HTTP interface MSAL documents (``msal.oauth2cli.http.HttpClient``) on httpx."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    def post(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        body: dict[str, Any]
        if isinstance(data, str | bytes):
            body = {"content": data}
        else:
            # MSAL hands some values (a signed client assertion) as bytes, which requests
            # form-encodes as text but httpx would send as "b'…'".
            body = {
                "data": {
                    k: v.decode() if isinstance(v, bytes) else v for k, v in (data or {}).items()
                }
            }
        return self._client.post(
            url, params=params, headers=headers, timeout=kwargs.get("timeout"), **body
        )

    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        return self._client.get(url, params=params, headers=headers, timeout=kwargs.get("timeout"))

    def close(self) -> None:
        """The httpx client belongs to the Graph client, which closes it."""


@dataclass(frozen=True)
class Credentials:
    tenant_id: str
    client_id: str
    secret: str | None = None
    cert_path: Path | None = None
    cert_thumbprint: str | None = None
    cert_passphrase: str | None = None

    def msal_credential(self) -> str | dict[str, Any]:
        if self.cert_path is None:
            assert self.secret is not None
            return self.secret
        path = self.cert_path
        if path.suffix.lower() in (".pfx", ".p12"):
            credential: dict[str, Any] = {"private_key_pfx_path": str(path)}
        else:
            try:
                pem = path.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise ConfigError(
                    f"ODOOBRIDGE_AZURE_CLIENT_CERT_PATH {path} cannot be read: {exc}"
                ) from None
            if "PRIVATE KEY-----" not in pem:
                raise ConfigError(
                    f"ODOOBRIDGE_AZURE_CLIENT_CERT_PATH {path} holds no PEM private key: give "
                    "the file with the app's private key (and its certificate)"
                )
            credential = {"private_key": pem}
            if self.cert_thumbprint:
                credential["thumbprint"] = self.cert_thumbprint.replace(":", "").strip()
            elif "BEGIN CERTIFICATE" in pem:
                start = pem.index("-----BEGIN CERTIFICATE-----")
                credential["public_certificate"] = pem[start:]
            else:
                raise ConfigError(
                    f"ODOOBRIDGE_AZURE_CLIENT_CERT_PATH {path} holds no certificate: add it to "
                    "the file or set ODOOBRIDGE_AZURE_CLIENT_CERT_THUMBPRINT"
                )
        if self.cert_passphrase:
            credential["passphrase"] = self.cert_passphrase
        return credential


def confidential_client(
    credentials: Credentials,
    authority: str,
    client: httpx.Client,
    token_cache: Any,
    *,
    exclude_scopes: list[str] | None = None,
) -> Any:
    """MSAL's ``ConfidentialClientApplication`` for ``authority`` over ``client`` (the app-only
    token provider and the web sign-in share it). MSAL reads the authority's OpenID
    configuration here: failures become :class:`GraphAuthError` / :class:`GraphUnavailable`."""
    host = (urlsplit(authority).hostname or "").lower()
    try:
        return msal.ConfidentialClientApplication(
            credentials.client_id,
            client_credential=credentials.msal_credential(),
            authority=authority,
            http_client=MsalHttpClient(client),
            instance_discovery=None if host in MICROSOFT_AUTHORITY_HOSTS else False,
            token_cache=token_cache,
            exclude_scopes=exclude_scopes,
        )
    except httpx.HTTPError as exc:
        raise transport_failure(exc, authority) from None
    except ValueError as exc:
        text = str(exc)
        if "OIDC Discovery failed" in text or "Unable to get authority" in text:
            raise GraphAuthError(
                f"the identity platform at {authority} does not know tenant "
                f"{credentials.tenant_id!r}: check AZURE_TENANT_ID (the directory id) "
                "and ODOOBRIDGE_AZURE_AUTHORITY_HOST"
            ) from None
        raise ConfigError(f"the Azure client credential is not usable: {text}") from None


class TokenProvider:
    """App-only access tokens for one scope, cached by MSAL."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        authority_host: str,
        scope: str,
        client: httpx.Client,
    ) -> None:
        self.credentials = credentials
        self.authority = f"{authority_host.rstrip('/')}/{credentials.tenant_id}"
        self.scope = scope
        self._client = client
        self._app: Any = None
        self.acquired = 0  # tokens fetched from the identity platform (not from the cache)

    def _application(self) -> Any:
        if self._app is None:
            self._app = confidential_client(
                self.credentials, self.authority, self._client, msal.TokenCache()
            )
        return self._app

    def token(self) -> str:
        """A valid access token (MSAL's cache, or a fresh one from the token endpoint)."""
        app = self._application()
        try:
            result = app.acquire_token_for_client(scopes=[self.scope])
        except httpx.HTTPError as exc:
            raise transport_failure(exc, self.authority) from None
        except msal.exceptions.MsalServiceError as exc:
            raise GraphUnavailable(
                f"the token endpoint of {self.authority} failed: {exc}"
            ) from None
        if "access_token" not in result:
            raise GraphAuthError(_token_error(result, self.credentials, self.scope))
        if result.get("token_source") == "identity_provider":
            self.acquired += 1
        return str(result["access_token"])

    def invalidate(self) -> None:
        """Drop the cached token, so the next :meth:`token` asks the identity platform."""
        if self._app is None:
            return
        cache = self._app.token_cache
        for entry in list(cache.search(msal.TokenCache.CredentialType.ACCESS_TOKEN)):
            cache.remove_at(entry)


def _token_error(result: Mapping[str, Any], credentials: Credentials, scope: str) -> str:
    error = str(result.get("error") or "unknown_error")
    description = str(result.get("error_description") or "").split("\n")[0].strip()
    codes = {int(c) for c in result.get("error_codes") or [] if isinstance(c, int)}
    what = f"the identity platform refused a token ({error}: {description})"
    if error == "invalid_client" or codes & {7000215, 7000222, 700027}:
        secret = (
            "the certificate (ODOOBRIDGE_AZURE_CLIENT_CERT_PATH / _THUMBPRINT)"
            if credentials.cert_path is not None
            else "AZURE_CLIENT_SECRET (expired or wrong value?)"
        )
        return f"{what}: check {secret} for app {credentials.client_id}"
    if error == "unauthorized_client" or codes & {700016}:
        return f"{what}: check AZURE_CLIENT_ID — no such app in tenant {credentials.tenant_id}"
    if error == "invalid_scope" or codes & {1002012, 70011}:
        return f"{what}: check AZURE_GRAPH_SCOPE ({scope!r}; it must end in /.default)"
    return what
