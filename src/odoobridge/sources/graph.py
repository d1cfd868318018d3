"""A Microsoft Graph client for the directory sync: users, their delta, their sign-in activity.

    with GraphClient.from_settings(settings) as graph:
        for page in graph.users():          # GET /users?$select=…&$top=999 (+ $filter)
            ...
        link = graph.latest_delta_link()    # GET /users/delta?$select=…&$deltatoken=latest
        rounds = graph.delta(link)          # follow a saved @odata.deltaLink to its next one

Tokens come from :class:`odoobridge.sources.graph_auth.TokenProvider` (MSAL, cached, refreshed
before expiry and once after a 401). Every request carries a timeout and reuses one connection
pool. 429, 502, 503, 504 and connection failures are retried — after ``Retry-After`` when Graph
gives one, else after an exponential backoff with jitter — at most ``max_retries`` times per
request and never past the client's total deadline. The client never touches the store.

Errors (all :class:`odoobridge.errors.SourceError`, HTTP 502 for the API)::

    GraphError
    ├── GraphAuthError          no token (wrong tenant, app, secret, certificate) or 401 twice
    ├── GraphPermissionError    403: names the application permission and the admin consent
    ├── GraphThrottled          429/5xx still answered after the retries or at the deadline
    ├── GraphUnavailable        DNS, TLS, timeouts, resets (the TLS case names the CA setting)
    ├── GraphDeltaExpired       the delta link is gone (410, syncStateNotFound): sync in full
    └── GraphResponseError      malformed JSON, a user without id, an unexpected status
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import httpx

from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.graph_auth import (
    Credentials,
    GraphAuthError,
    GraphUnavailable,
    TokenProvider,
    credentials_from_settings,
    http_client,
    missing_credentials,
    transport_failure,
)
from odoobridge.sources.graph_records import USER_SELECT, GraphError, GraphResponseError

__all__ = [
    "GraphAuthError",
    "GraphClient",
    "GraphConfig",
    "GraphDeltaExpired",
    "GraphError",
    "GraphPermissionError",
    "GraphResponseError",
    "GraphThrottled",
    "GraphUnavailable",
]

USERS_PAGE_SIZE = 999  # Graph's maximum for /users
SIGN_IN_PAGE_SIZE = 500  # Graph's maximum when signInActivity is selected
RETRY_STATUSES = frozenset({429, 502, 503, 504})
MAX_BACKOFF = 60.0


class GraphPermissionError(GraphError):
    """Graph answered 403: the app lacks an application permission or its admin consent."""


class GraphThrottled(GraphError):
    """Graph kept answering 429 or 5xx through every retry, or until the deadline."""


class GraphDeltaExpired(GraphError):
    """The saved delta link is expired or invalid; a full sync must establish a new one."""


@dataclass(frozen=True)
class GraphConfig:
    credentials: Credentials
    authority_host: str
    graph_base_url: str
    scope: str
    ca_bundle: Path | None = None
    timeout: float = 30.0
    max_retries: int = 6
    deadline: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> GraphConfig:
        """The live configuration, or a ConfigError naming every missing setting."""
        missing = missing_credentials(settings)
        if missing:
            hint = (
                "ALLOW_SYNC_MOCKS=0 forces live calls"
                if not settings.allow_sync_mocks
                else "or use ALLOW_SYNC_MOCKS=1 with AZURE_USER_SYNC_MOCK_FILE"
            )
            raise ConfigError(
                f"{', '.join(missing)} not set: the Entra sync needs an app registration with "
                f"the User.Read.All application permission ({hint})"
            )
        return cls(
            credentials=credentials_from_settings(settings),
            authority_host=settings.azure_authority_host,
            graph_base_url=settings.graph_base_url,
            scope=settings.azure_graph_scope,
            ca_bundle=settings.azure_ca_bundle,
            timeout=settings.azure_http_timeout,
            max_retries=settings.azure_max_retries,
            deadline=settings.azure_sync_deadline,
        )


@dataclass
class GraphStats:
    requests: int = 0
    pages: int = 0
    retries: int = 0
    seconds_throttled: float = 0.0
    token_refreshes_after_401: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "pages": self.pages,
            "retries": self.retries,
            "seconds_throttled": round(self.seconds_throttled, 3),
        }


@dataclass
class Page:
    items: list[Any]
    next_link: str | None
    delta_link: str | None
    number: int
    where: str


@dataclass
class Clock:
    now: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = field(default_factory=lambda: random.Random().random)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def graph_error_parts(response: httpx.Response) -> tuple[str, str]:
    """Graph's ``{"error": {"code": …, "message": …}}``, tolerant of anything else."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:200].strip()
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("code") or ""), str(error.get("message") or "")
    return "", str(body)[:200]


def _path(url: str) -> str:
    """A URL without its query (the query of a next/delta link holds a state token)."""
    parts = urlsplit(url)
    return parts.path


class GraphClient:
    """See the module docstring. ``client`` may be injected (tests, benchmarks); it is closed
    with this object only when this object created it."""

    def __init__(
        self,
        config: GraphConfig,
        *,
        client: httpx.Client | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self._owns_client = client is None
        self._http = client or http_client(
            config.ca_bundle, config.timeout, "OdooBridge-directory-sync"
        )
        self.tokens = TokenProvider(
            config.credentials,
            authority_host=config.authority_host,
            scope=config.scope,
            client=self._http,
        )
        self.clock = clock or Clock()
        self.stats = GraphStats()
        self._deadline = self.clock.now() + config.deadline

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> GraphClient:
        return cls(GraphConfig.from_settings(settings), **kwargs)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    # --- requests --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.config.graph_base_url}/{path.lstrip('/')}"

    def _wait(self, seconds: float, reason: str) -> None:
        remaining = self._deadline - self.clock.now()
        if seconds > remaining:
            raise GraphThrottled(
                f"{reason}; giving up: waiting {seconds:.0f} s more would pass the deadline "
                f"of {self.config.deadline:.0f} s (ODOOBRIDGE_AZURE_SYNC_DEADLINE)"
            )
        self.stats.retries += 1
        self.stats.seconds_throttled += seconds
        self.clock.sleep(seconds)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(MAX_BACKOFF, 2.0**attempt)
        return ceiling / 2 + self.clock.random() * ceiling / 2

    def get_json(
        self, url: str, params: dict[str, str] | None = None, *, kind: str = "users"
    ) -> dict[str, Any]:
        """GET one Graph resource with retries, the 401 refresh and typed errors."""
        refreshed = False
        attempt = 0
        while True:
            token = self.tokens.token()
            self.stats.requests += 1
            try:
                response = self._http.get(
                    url, params=params, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.TransportError as exc:
                failure = transport_failure(exc, url)
                if attempt >= self.config.max_retries:
                    raise failure from None
                self._wait(self._backoff(attempt), str(failure))
                attempt += 1
                continue
            status = response.status_code
            if status == 200:
                return self._decode(response, url)
            code, message = graph_error_parts(response)
            if status in RETRY_STATUSES:
                reason = f"Graph answered {status} {code or ''} on {_path(url)}".replace("  ", " ")
                if attempt >= self.config.max_retries:
                    raise GraphThrottled(
                        f"{reason} {attempt + 1} times (ODOOBRIDGE_AZURE_MAX_RETRIES="
                        f"{self.config.max_retries}); try again later"
                    )
                wait = _retry_after(response)
                self._wait(self._backoff(attempt) if wait is None else wait, reason)
                attempt += 1
                continue
            if status == 401 and not refreshed:
                refreshed = True
                self.stats.token_refreshes_after_401 += 1
                self.tokens.invalidate()
                continue
            raise self._failure(status, code, message, url, kind)

    def _decode(self, response: httpx.Response, url: str) -> dict[str, Any]:
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise GraphResponseError(
                f"Graph answered {_path(url)} with malformed JSON ({exc}); try again, and "
                "report it if it persists"
            ) from None
        if not isinstance(body, dict):
            raise GraphResponseError(
                f"Graph answered {_path(url)} with a JSON {type(body).__name__}"
            )
        return body

    def _failure(self, status: int, code: str, message: str, url: str, kind: str) -> GraphError:
        path = _path(url)
        detail = f"{code}: {message}" if code else message
        if status == 401:
            return GraphAuthError(
                f"Graph refused the access token twice on {path} (401 {detail}): check that "
                f"AZURE_GRAPH_SCOPE ({self.config.scope}) and ODOOBRIDGE_GRAPH_BASE_URL "
                f"({self.config.graph_base_url}) name the same cloud"
            )
        if status == 403:
            return GraphPermissionError(permission_hint(kind, path, detail))
        if status == 410 or (status == 400 and "syncstate" in code.lower()):
            return GraphDeltaExpired(
                f"Graph no longer accepts the saved delta link ({status} {detail})"
            )
        if status == 400 and "/delta" in path and "token" in message.lower():
            return GraphDeltaExpired(f"Graph refused the saved delta link (400 {detail})")
        return GraphResponseError(f"Graph answered {status} on {path}: {detail}")

    # --- paging ----------------------------------------------------------------------------

    def pages(
        self, url: str, params: dict[str, str] | None = None, *, kind: str = "users"
    ) -> Iterator[Page]:
        """Every page of a collection, following ``@odata.nextLink`` to the end."""
        number = 0
        where_path = _path(url)
        while True:
            number += 1
            body = self.get_json(url, params, kind=kind)
            self.stats.pages += 1
            items = body.get("value")
            where = f"page {number} of {where_path}"
            if not isinstance(items, list):
                raise GraphResponseError(f"Graph answered {where} without a 'value' list")
            next_link = body.get("@odata.nextLink")
            delta_link = body.get("@odata.deltaLink")
            yield Page(items, next_link, delta_link, number, where)
            if not next_link:
                return
            url, params = str(next_link), None

    def users(self, user_filter: str | None = None) -> Iterator[Page]:
        params = {
            "$select": USER_SELECT,
            "$expand": "manager($select=id)",
            "$top": str(USERS_PAGE_SIZE),
        }
        if user_filter:
            params["$filter"] = user_filter
        return self.pages(self.url("users"), params)

    def latest_delta_link(self) -> str:
        """A delta link for "changes from now on" (no user data is transferred)."""
        params = {"$select": f"{USER_SELECT},manager", "$deltatoken": "latest"}
        for page in self.pages(self.url("users/delta"), params):
            if page.delta_link:
                return str(page.delta_link)
        raise GraphResponseError("Graph answered /users/delta?$deltatoken=latest without a link")

    def delta(self, delta_link: str) -> Iterator[Page]:
        """The changes since ``delta_link``; the last page carries the next delta link."""
        if not delta_link.startswith(self.config.graph_base_url):
            raise GraphDeltaExpired("the saved delta link belongs to another Graph endpoint")
        for page in self.pages(delta_link):
            yield page
            if page.next_link is None and page.delta_link is None:
                raise GraphResponseError(f"Graph ended {page.where} without a delta link")

    def sign_ins(self) -> Iterator[Page]:
        params = {"$select": "id,signInActivity", "$top": str(SIGN_IN_PAGE_SIZE)}
        return self.pages(self.url("users"), params, kind="sign-ins")


def permission_hint(kind: str, path: str, detail: str) -> str:
    """What to grant for a 403 on ``path``."""
    if "RequestFromNonPremiumTenant" in detail or "premium" in detail.lower():
        return (
            f"Graph refused sign-in activity ({detail}): signInActivity needs a Microsoft Entra "
            "ID P1 or P2 licence in the tenant"
        )
    if kind == "sign-ins":
        return (
            f"Graph refused sign-in activity ({detail}): grant the app the application "
            "permission AuditLog.Read.All (plus User.Read.All) and give admin consent"
        )
    return (
        f"Graph refused {path} (403 {detail}): grant the app the Microsoft Graph application "
        "permission User.Read.All (not a delegated one) and give admin consent in Entra ID → "
        "App registrations → API permissions"
    )
