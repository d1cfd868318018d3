"""A client of Odoo's external API: XML-RPC, JSON-RPC, and Odoo 19's JSON-2.

One :class:`OdooRpcClient` per Odoo (``ODOO_URL``, ``ODOO_DB``, ``ODOO_USERNAME`` with
``ODOO_PASSWORD`` or ``ODOO_API_KEY``), the protocol chosen by ``ODOOBRIDGE_ODOO_PROTOCOL``.
It keeps pooled HTTP connections (httpx), authenticates once and caches the uid, sends the
configured context (lang, tz, allowed_company_ids) with every call, bounds each call by
``ODOOBRIDGE_ODOO_RPC_TIMEOUT`` and retries only when the connection could not be opened —
before anything was sent. A write that was sent and got no answer is never sent again: its
outcome is unknown, and the caller is told so. Records come back as Odoo returns them
(many2one as ``[id, "Name"]`` or ``False``). Wire formats: :mod:`.odoo_rpc_wire`; settings:
:mod:`.odoo_rpc_config`.

Errors (all :class:`odoobridge.errors.SourceError`; ``odoo_message`` is Odoo's own text;
defined in :mod:`.odoo_rpc_errors`, importable from here)::

    OdooRpcError                 502  Odoo failed (any other exception, an answer we cannot read)
    ├── OdooConnectionError      503  cannot reach Odoo, or a read got no answer in time
    ├── OdooThrottled            503  Odoo answered 429 (Odoo Online's rate limit): nothing ran;
    │                                 ``retry_after`` holds its Retry-After in seconds (or None)
    ├── OdooOutcomeUnknown       504  a write was sent and no answer came — it is never re-sent
    ├── OdooAccessDenied         502  our credentials were refused (odoo.exceptions.AccessDenied)
    ├── OdooAccessError          403  odoo.exceptions.AccessError
    ├── OdooMissingError         404  odoo.exceptions.MissingError
    ├── OdooValidationError      422  odoo.exceptions.ValidationError
    └── OdooUserError            422  odoo.exceptions.UserError (and RedirectWarning)
"""

from __future__ import annotations

import email.utils
import functools
import json
import socket
import ssl
import threading
import time
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import certifi
import httpx

from odoobridge.redact import redact_url
from odoobridge.sources import odoo_rpc_wire as wire
from odoobridge.sources.odoo_rpc_config import PROTOCOLS, OdooRpcConfig, Protocol
from odoobridge.sources.odoo_rpc_errors import (
    FAULTS,
    OdooAccessDenied,
    OdooAccessError,
    OdooConnectionError,
    OdooMissingError,
    OdooOutcomeUnknown,
    OdooRpcError,
    OdooThrottled,
    OdooUserError,
    OdooValidationError,
)

__all__ = [
    "PROTOCOLS",
    "OdooAccessDenied",
    "OdooAccessError",
    "OdooConnectionError",
    "OdooMissingError",
    "OdooOutcomeUnknown",
    "OdooRpcClient",
    "OdooRpcConfig",
    "OdooRpcError",
    "OdooThrottled",
    "OdooUserError",
    "OdooValidationError",
    "Protocol",
]

# Methods that change nothing: a failure after sending them can be reported as "try again".
READ_METHODS = frozenset(
    {
        "version",
        "authenticate",
        "login",
        "search",
        "search_read",
        "search_count",
        "read",
        "fields_get",
        "check_access_rights",
        "has_access",
        "name_search",
        "context_get",
        "default_get",
        "read_group",
        "name_get",
        "exists",
        "has_group",
    }
)
RETRY_DELAYS = (0.1, 0.4)  # seconds before each new attempt to connect


class OdooRpcClient:
    """Odoo's external API over one pooled httpx transport. Thread-safe.

    Requests go straight to the transport: a call needs none of ``httpx.Client``'s redirects,
    cookies, auth flows or event hooks, and skipping them halves the client's CPU per call."""

    def __init__(self, config: OdooRpcConfig, *, transport: httpx.BaseTransport | None = None):
        self.config = config
        if transport is None:
            # Pooled keep-alive connections, with Nagle's algorithm off: httpx writes a request's
            # headers and body separately, and on a reused connection the body would otherwise
            # wait for the server's delayed ACK (~40 ms per call).
            transport = httpx.HTTPTransport(
                verify=_tls_context(),
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            )
        self._transport = transport
        self._base = httpx.URL(config.url.rstrip("/") + "/")
        self._urls: dict[str, httpx.URL] = {}
        timeout = httpx.Timeout(config.timeout, connect=min(config.timeout, 10.0))
        self._extensions = {"timeout": timeout.as_dict()}
        self._uid: int | None = None
        self._lock = threading.Lock()

    @property
    def where(self) -> str:
        return redact_url(self.config.url)

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> OdooRpcClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- the common service ---------------------------------------------------------------

    def version(self) -> dict[str, Any]:
        """``common.version()``: server_version, server_version_info, protocol_version."""
        if self.config.protocol == "xmlrpc":
            answer = self._xmlrpc("common", "version", ())
        elif self.config.protocol == "jsonrpc":
            answer = self._jsonrpc("common", "version", [])
        else:
            answer = self._decode_json2(self._send("GET", "/web/version", "version"), "version")
        if not isinstance(answer, dict):
            raise OdooRpcError(f"Odoo at {self.where} answered version() with {answer!r}")
        if "server_version" not in answer and "version" in answer:  # /web/version's shape
            answer = {
                "server_version": answer["version"],
                "server_version_info": answer.get("version_info", []),
                "protocol_version": 1,
            }
        return answer

    def authenticate(self) -> int:
        """The uid of ``ODOO_USERNAME`` (cached); OdooAccessDenied when Odoo refuses."""
        with self._lock:
            if self._uid is not None:
                return self._uid
        cfg = self.config
        if cfg.protocol == "xmlrpc":
            uid = self._xmlrpc("common", "authenticate", (cfg.db, cfg.username, cfg.secret, {}))
        elif cfg.protocol == "jsonrpc":
            uid = self._jsonrpc("common", "login", [cfg.db, cfg.username, cfg.secret])
        else:
            by_login = {"domain": [["login", "=", cfg.username]], "limit": 1}
            found = self._json2("res.users", "search", (), by_login)
            uid = found[0] if isinstance(found, list) and found else False
        if not isinstance(uid, int) or isinstance(uid, bool) or uid <= 0:
            raise self._denied("Access Denied")
        with self._lock:
            self._uid = uid
        return uid

    # --- the object service ---------------------------------------------------------------

    def execute(
        self,
        model: str,
        method: str,
        *args: Any,
        context: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """``model.method(*args, **kwargs)``, with the configured context updated by ``context``."""
        merged = {**self.config.context, **(context or {})}
        if self.config.protocol == "json2":
            return self._json2(model, method, args, kwargs, merged)
        uid = self.authenticate()
        if merged:
            kwargs = {**kwargs, "context": merged}
        params = (self.config.db, uid, self.config.secret, model, method, list(args), kwargs)
        if self.config.protocol == "xmlrpc":
            return self._xmlrpc("object", "execute_kw", params, model=model, method=method)
        return self._jsonrpc("object", "execute_kw", list(params), model=model, method=method)

    def search_read(
        self,
        model: str,
        domain: list[Any],
        fields: list[str],
        *,
        limit: int | None = None,
        offset: int = 0,
        order: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        options: dict[str, Any] = {"fields": fields}
        if offset:
            options["offset"] = offset
        if limit is not None:
            options["limit"] = limit
        if order:
            options["order"] = order
        records = self.execute(model, "search_read", domain, context=context, **options)
        return list(records)

    def search_count(
        self, model: str, domain: list[Any], *, context: dict[str, Any] | None = None
    ) -> int:
        return int(self.execute(model, "search_count", domain, context=context))

    def read(
        self,
        model: str,
        ids: list[int],
        fields: list[str],
        *,
        context: dict[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return list(self.execute(model, "read", ids, context=context, fields=fields))

    def create(
        self, model: str, values: dict[str, Any], *, context: dict[str, Any] | None = None
    ) -> int:
        created = self.execute(model, "create", values, context=context)
        if isinstance(created, list):  # JSON-2 (vals_list) answers a list of ids
            created = created[0]
        return int(created)

    def write(
        self,
        model: str,
        ids: list[int],
        values: dict[str, Any],
        *,
        context: dict[str, Any] | None = None,
    ) -> bool:
        return bool(self.execute(model, "write", ids, values, context=context))

    def fields_get(
        self, model: str, attributes: list[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        if attributes is None:
            return dict(self.execute(model, "fields_get"))
        return dict(self.execute(model, "fields_get", attributes=attributes))

    # --- protocols ------------------------------------------------------------------------

    def _xmlrpc(
        self,
        service: str,
        call: str,
        params: tuple[Any, ...],
        *,
        model: str = "",
        method: str = "",
    ) -> Any:
        body = wire.xmlrpc_body(call, params)
        response = self._send("POST", f"/xmlrpc/2/{service}", method or call, body, "text/xml")
        self._expect_200(response)
        try:
            answer = wire.xmlrpc_result(response.content)
        except wire.Undecodable as exc:
            raise OdooRpcError(f"Odoo at {self.where} sent {exc}") from None
        return self._raise_fault(answer, model, method or call)

    def _jsonrpc(
        self, service: str, call: str, args: list[Any], *, model: str = "", method: str = ""
    ) -> Any:
        body = wire.jsonrpc_body(service, call, args)
        response = self._send("POST", "/jsonrpc", method or call, body, "application/json")
        self._expect_200(response)
        try:
            answer = wire.jsonrpc_result(response.content)
        except wire.Undecodable as exc:
            raise OdooRpcError(f"Odoo at {self.where} sent {exc}") from None
        return self._raise_fault(answer, model, method or call)

    def _json2(
        self,
        model: str,
        method: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        context: dict[str, Any] | None = None,
    ) -> Any:
        payload = wire.json2_payload(method, args, kwargs, context or self.config.context)
        body = json.dumps(payload).encode()
        response = self._send("POST", f"/json/2/{model}/{method}", method, body, "application/json")
        return self._raise_fault(self._decode_json2(response, method), model, method)

    def _decode_json2(self, response: httpx.Response, method: str) -> Any:
        if 300 <= response.status_code < 400:
            raise OdooRpcError(
                f"Odoo at {self.where} redirected /json/2 (HTTP {response.status_code}): it has "
                "no JSON-2 API (Odoo 19 or newer has one) — set ODOOBRIDGE_ODOO_PROTOCOL=xmlrpc"
            )
        try:
            return wire.json2_result(response.status_code, response.content)
        except wire.Undecodable as exc:
            raise OdooRpcError(f"Odoo at {self.where} sent {exc} to {method}") from None

    def _expect_200(self, response: httpx.Response) -> None:
        if response.status_code != 200:
            raise OdooRpcError(
                f"Odoo at {self.where} answered HTTP {response.status_code} on "
                f"{response.request.url.path}: check {self.config.setting('URL')} and "
                "ODOOBRIDGE_ODOO_PROTOCOL"
            )

    def _send(
        self,
        verb: str,
        path: str,
        method: str,
        body: bytes | None = None,
        content_type: str = "",
    ) -> httpx.Response:
        """One HTTP exchange; new attempts only while the connection could not be opened."""
        headers = {"Content-Type": content_type} if content_type else {}
        if self.config.protocol == "json2" and path.startswith("/json/2/"):
            headers["Authorization"] = f"bearer {self.config.secret}"
            headers["X-Odoo-Database"] = self.config.db
        attempt = 0
        while True:
            try:
                response = self._exchange(verb, path, body, headers)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                if attempt >= self.config.retries:
                    raise OdooConnectionError(
                        f"cannot reach Odoo at {self.where} ({_reason(exc)}) after "
                        f"{attempt + 1} attempt{'s' if attempt else ''}: check "
                        f"{self.config.setting('URL')} and that Odoo is running"
                    ) from None
                time.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
                attempt += 1
                continue
            except httpx.TransportError as exc:  # sent (or partly sent), and no answer came
                if method in READ_METHODS:
                    raise OdooConnectionError(
                        f"Odoo at {self.where} gave no answer to {method} ({_reason(exc)}); "
                        "nothing was changed, try again"
                    ) from None
                raise OdooOutcomeUnknown(
                    f"Odoo at {self.where} gave no answer to {method} ({_reason(exc)}): the "
                    "change may or may not have been made, and it was not sent again — check "
                    "in Odoo before retrying"
                ) from None
            if response.status_code == 429:
                wait = _retry_after(response)
                raise OdooThrottled(
                    f"Odoo at {self.where} is rate-limiting calls (HTTP 429 on {method}"
                    f"{f', retry after {wait:g} s' if wait is not None else ''}): nothing was "
                    "run; try again later",
                    wait,
                )
            return response

    def _exchange(
        self, verb: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._base.join(path.lstrip("/"))
        headers["User-Agent"] = "odoobridge"
        request = httpx.Request(
            verb, url, headers=headers, content=body, extensions=self._extensions
        )
        response = self._transport.handle_request(request)
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        return response

    def _raise_fault(self, answer: Any, model: str, method: str) -> Any:
        if not isinstance(answer, wire.Fault):
            return answer
        if answer.kind == "AccessDenied":
            with self._lock:
                self._uid = None
            raise self._denied(answer.message)
        error = FAULTS.get(answer.kind, OdooRpcError)
        target = f"{model}.{method}" if model else method
        raise error(f"Odoo refused {target}: {answer.message}", answer.message)

    def _denied(self, odoo_message: str) -> OdooAccessDenied:
        cfg = self.config
        what = cfg.setting("API_KEY" if cfg.api_key is not None else "PASSWORD")
        return OdooAccessDenied(
            f"Odoo at {self.where} refused the credentials of {cfg.username!r} on database "
            f"{cfg.db!r} ({odoo_message}): check {cfg.setting('USERNAME')}, "
            f"{cfg.setting('DB')} and {what}",
            odoo_message,
        )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process (loading the CA bundle takes ~30 ms)."""
    return ssl.create_default_context(cafile=certifi.where())


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds: a number, or an HTTP date (RFC 9110); None when absent or bad."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]
