"""A client of Apache Superset's REST API: log in, fetch a CSRF token, request guest tokens.

The calls, as Superset documents them (``superset/security/api.py``)::

    POST /api/v1/security/login        {"username", "password", "provider": "db"|"ldap",
                                        "refresh": true}  → {"access_token", "refresh_token"}
    GET  /api/v1/security/csrf_token/  (Bearer)           → {"result": csrf}  + session cookie
    POST /api/v1/security/guest_token/ (Bearer, X-CSRFToken, session cookie, Referer)
         {"user": {"username", "first_name", "last_name"},
          "resources": [{"type": "dashboard", "id": "<embedded dashboard id>"}],
          "rls": [{"clause": "company_id IN (1, 2)"}, {"dataset": 7, "clause": …}]}
                                                          → {"token": "<JWT>"}

The access token and CSRF token are kept and reused; a 401 (expired token) logs in again once.
Errors (all :class:`odoobridge.errors.SourceError`, never with the password)::

    SupersetError
    ├── SupersetConnectError     unreachable, timeout, TLS
    ├── SupersetAuthError        login refused (wrong user or password)
    ├── SupersetPermissionError  the service account's role lacks a permission the call needs:
    │                            *can read on SecurityRestApi* (the CSRF token) or *can grant
    │                            guest token on SecurityRestApi* (the guest token)
    └── SupersetRequestError     Superset rejected the request (e.g. no such embedded dashboard)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from odoobridge.errors import ConfigError, SourceError
from odoobridge.redact import redact_url

# The two permissions of Superset's SecurityRestApi the service account's role needs.
READ = "can read on SecurityRestApi"
GRANT = "can grant guest token on SecurityRestApi"


class SupersetError(SourceError):
    pass


class SupersetConnectError(SupersetError):
    pass


class SupersetAuthError(SupersetError):
    pass


class SupersetPermissionError(SupersetError):
    pass


class SupersetRequestError(SupersetError):
    pass


@dataclass(frozen=True)
class GuestUser:
    username: str
    first_name: str = ""
    last_name: str = ""

    def as_payload(self) -> dict[str, str]:
        return {
            "username": self.username,
            "first_name": self.first_name,
            "last_name": self.last_name,
        }


@dataclass(frozen=True)
class RlsRule:
    clause: str
    dataset: int | None = None  # None: the rule applies to every dataset of the dashboard

    def as_payload(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"clause": self.clause}
        if self.dataset is not None:
            rule["dataset"] = self.dataset
        return rule


@dataclass
class SupersetClient:
    """One Superset service account. Thread-safe; pass ``transport`` in tests if needed."""

    base_url: str
    username: str
    password: SecretStr
    provider: str = "db"
    timeout: float = 10.0
    transport: httpx.BaseTransport | None = None
    _http: httpx.Client | None = field(default=None, init=False, repr=False)
    _access_token: str | None = field(default=None, init=False, repr=False)
    _csrf_token: str | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"ODOOBRIDGE_SUPERSET_URL {self.base_url!r} is not a URL: "
                "use https://superset.example.com"
            )
        self.base_url = self.base_url.rstrip("/")

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=self.timeout,
                transport=self.transport,
                headers={"Accept": "application/json", "Referer": self.base_url + "/"},
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # --- the calls ------------------------------------------------------------------------

    def login(self) -> str:
        """Log in; returns (and keeps) the access token."""
        response = self._send(
            "POST",
            "/api/v1/security/login",
            json={
                "username": self.username,
                "password": self.password.get_secret_value(),
                "provider": self.provider,
                "refresh": True,
            },
        )
        if response.status_code in (400, 401, 403):
            raise SupersetAuthError(
                f"Superset at {self.where} refused the login of {self.username} "
                f"({_message(response)}): check ODOOBRIDGE_SUPERSET_USERNAME, "
                "ODOOBRIDGE_SUPERSET_PASSWORD and ODOOBRIDGE_SUPERSET_PROVIDER"
            )
        token = self._json(response, "login").get("access_token")
        if not isinstance(token, str) or not token:
            raise SupersetError(f"Superset at {self.where} answered the login without a token")
        self._access_token, self._csrf_token = token, None
        return token

    def csrf_token(self) -> str:
        response = self._authorized("GET", "/api/v1/security/csrf_token/", permission=READ)
        token = self._json(response, "CSRF token").get("result")
        if not isinstance(token, str) or not token:
            raise SupersetError(f"Superset at {self.where} answered without a CSRF token")
        self._csrf_token = token
        return token

    def guest_token(
        self, user: GuestUser, resources: list[tuple[str, str]], rls: list[RlsRule]
    ) -> str:
        """A guest token for ``user`` on ``resources`` ((type, id) pairs), limited by ``rls``."""
        payload = {
            "user": user.as_payload(),
            "resources": [{"type": kind, "id": str(rid)} for kind, rid in resources],
            "rls": [rule.as_payload() for rule in rls],
        }
        with self._lock:
            response = self._authorized(
                "POST", "/api/v1/security/guest_token/", permission=GRANT, json=payload
            )
        token = self._json(response, "guest token").get("token")
        if not isinstance(token, str) or not token:
            raise SupersetError(f"Superset at {self.where} answered without a guest token")
        return token

    # --- plumbing -------------------------------------------------------------------------

    @property
    def where(self) -> str:
        return redact_url(self.base_url)

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TimeoutException:
            raise SupersetConnectError(
                f"Superset at {self.where} did not answer within {self.timeout:g}s: "
                "check ODOOBRIDGE_SUPERSET_URL or raise ODOOBRIDGE_SUPERSET_TIMEOUT"
            ) from None
        except httpx.HTTPError as exc:
            raise SupersetConnectError(
                f"cannot reach Superset at {self.where} ({type(exc).__name__}: "
                f"{redact_url(str(exc))}): check ODOOBRIDGE_SUPERSET_URL"
            ) from None

    def _authorized(
        self, method: str, path: str, *, permission: str, **kwargs: Any
    ) -> httpx.Response:
        for attempt in (1, 2):
            if self._access_token is None:
                self.login()
            headers = {"Authorization": f"Bearer {self._access_token}"}
            if method != "GET":
                if self._csrf_token is None:
                    self.csrf_token()
                headers["X-CSRFToken"] = str(self._csrf_token)
            response = self._send(method, path, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 1:
                self._access_token = self._csrf_token = None  # expired: log in again once
                continue
            csrf_refused = response.status_code == 400 and "csrf" in _message(response).lower()
            if csrf_refused and attempt == 1:
                self._csrf_token = None
                continue
            return self._checked(response, permission)
        raise AssertionError("unreachable")  # pragma: no cover

    def _checked(self, response: httpx.Response, permission: str = GRANT) -> httpx.Response:
        status = response.status_code
        if status < 400:
            return response
        message = _message(response)
        if status == 401:
            raise SupersetAuthError(
                f"Superset at {self.where} refused the session of {self.username} ({message})"
            )
        if status == 403:
            what = "a CSRF token" if permission == READ else "a guest token"
            raise SupersetPermissionError(
                f"Superset at {self.where} refused {self.username} {what} ({message}): give that "
                f"user's role the {permission} permission (a guest token needs both {READ} and "
                f"{GRANT})"
            )
        if status in (400, 404, 422):
            raise SupersetRequestError(f"Superset at {self.where} rejected the request: {message}")
        raise SupersetError(f"Superset at {self.where} failed with HTTP {status}: {message}")

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        self._checked(response)  # already checked by _authorized for the calls needing a role
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise SupersetError(
                f"Superset at {self.where} answered the {what} request with something other "
                "than a JSON object: is ODOOBRIDGE_SUPERSET_URL Superset's address?"
            )
        return body


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for key in ("message", "msg", "error", "errors"):
            if key in body:
                value = body[key]
                return value if isinstance(value, str) else str(value)
    return f"HTTP {response.status_code}"
