"""The one door every MCP call goes through: who is asking, may they, within their rate limit,
with arguments the REST payload accepts — then the service call, and the audit event.

:class:`McpRuntime` holds what the tools need (settings, the store, the gateway's rate limits,
the client of Odoo's API) and :meth:`McpRuntime.call` runs one tool for one :class:`Caller`.
The caller of the message being handled is bound by :func:`bind_request` (SDK middleware): over
Streamable HTTP the mounted endpoint has authenticated the request's key already
(:mod:`odoobridge.mcp.http`); over stdio the key in ``ODOOBRIDGE_API_KEY`` is checked again on
every call, so a revoked or expired key stops working at once.

A user's mistake (:class:`~odoobridge.errors.AppError`, or arguments the payload model refuses)
becomes a tool error carrying the API's one-line message; nothing else is caught (a bug is the
SDK's to report, without its text reaching the agent).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, INVALID_REQUEST, CallToolResult, TextContent
from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from odoobridge.auth.apikeys import authenticate_key, key_principal
from odoobridge.auth.audit import Origin, record
from odoobridge.auth.principal import Principal, ensure_allowed
from odoobridge.auth.roles import Role
from odoobridge.errors import AppError, Unauthorized, Unprocessable, describe_invalid
from odoobridge.gateway.ratelimit import Bucket, GatewayLimits
from odoobridge.redact import redact
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig
from odoobridge.store.engine import Store

VIA = "mcp"
STDIO_AGENT = "odoobridge-mcp (stdio)"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:3200"  # where `odoobridge serve` listens by default
MAX_AUDITED = 2000  # characters of arguments an audit event keeps

# The transport's request of the message being handled (None over stdio), bound by
# :func:`bind_request` for the handlers below it.
_REQUEST: ContextVar[Any] = ContextVar("odoobridge_mcp_request", default=None)


@dataclass(frozen=True)
class Caller:
    """Who is calling, from where, and the address links in answers start with."""

    principal: Principal
    origin: Origin
    base_url: str


@dataclass(frozen=True)
class ToolSpec:
    """One tool: what it is called and says, the payload model that checks its arguments (the
    REST route's own where there is one), the guard and rate-limit bucket of its REST route,
    and the service call it makes."""

    name: str
    description: str
    args: type[BaseModel]
    role: Role
    scope: str | None
    bucket: Bucket | None
    run: Callable[[McpRuntime, Caller, Any], Any]
    read_only: bool = True


class McpRuntime:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        limits: GatewayLimits | None = None,
        odoo: Callable[[], OdooRpcClient] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.limits = limits or GatewayLimits(settings)
        self._odoo = odoo
        self._client: OdooRpcClient | None = None

    # --- parts ---------------------------------------------------------------------------------

    def odoo(self) -> OdooRpcClient:
        """The client of Odoo's API (the app's own when mounted; else one made on first use)."""
        if self._odoo is not None:
            return self._odoo()
        if self._client is None:
            self._client = OdooRpcClient(OdooRpcConfig.from_settings(self.settings))
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # --- who is calling ------------------------------------------------------------------------

    def stdio_principal(self) -> Principal:
        """The principal of ``ODOOBRIDGE_API_KEY`` (401 when it is missing or no longer valid)."""
        if self.settings.api_key is None:
            raise Unauthorized("set ODOOBRIDGE_API_KEY to the API key the MCP server acts as")
        with self.store.session() as session:
            return key_principal(
                authenticate_key(session, self.settings.api_key.get_secret_value())
            )

    def caller(self) -> Caller:
        """The caller of the message being handled."""
        request = _REQUEST.get()
        if request is not None:  # the mounted endpoint authenticated it (mcp.http)
            found: Caller = request.state.mcp_caller
            return found
        base = self.settings.public_url or DEFAULT_PUBLIC_URL
        return Caller(self.stdio_principal(), Origin(user_agent=STDIO_AGENT), base)

    # --- calls ---------------------------------------------------------------------------------

    async def call_tool(self, spec: ToolSpec, arguments: dict[str, Any]) -> CallToolResult:
        """Run ``spec`` for the current caller on a worker thread (the services block; the
        thread sees the bound request: anyio copies the context)."""
        return await anyio.to_thread.run_sync(self.call, spec, arguments)

    def call(self, spec: ToolSpec, arguments: dict[str, Any]) -> CallToolResult:
        """Run one tool: a user's mistake is a tool error with the API's one-line message."""

        def run(caller: Caller) -> Any:
            return spec.run(self, caller, validated(spec.args, arguments))

        try:
            answer = self.admitted(
                f"tool:{spec.name}", arguments, run, spec.role, spec.scope, spec.bucket
            )
        except AppError as exc:
            message = redact(exc.message, self.settings.secret_values())
            return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
        structured = answer if isinstance(answer, dict) else {"result": answer}
        text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=structured
        )

    async def guarded(
        self, what: str, role: Role, read: Callable[[Caller], Any], arguments: dict[str, Any]
    ) -> Any:
        """A resource or a prompt, on a worker thread; a refusal or a user's mistake is a
        protocol error with the API's one-line message."""
        try:
            return await anyio.to_thread.run_sync(self.admitted, what, arguments, read, role)
        except AppError as exc:
            message = redact(exc.message, self.settings.secret_values())
            code = INVALID_PARAMS if exc.status in (404, 422) else INVALID_REQUEST
            raise MCPError(code=code, message=message) from None

    def admitted(
        self,
        what: str,
        arguments: dict[str, Any],
        read: Callable[[Caller], Any],
        role: Role,
        scope: str | None = None,
        bucket: Bucket | None = None,
    ) -> Any:
        """The one door, in the REST routes' order: the caller, its role and scope, its rate
        limit, then ``read`` (which checks the arguments and calls the service); the answer as
        JSON values. Audited either way; an AppError passes on after its audit event."""
        caller = self.caller()
        try:
            ensure_allowed(caller.principal, role, scope)
            if bucket is not None:
                self.limits.hit(bucket, caller.principal.actor)
            answer = to_jsonable_python(read(caller))
        except AppError as exc:
            self.audit(caller, what, arguments, error=exc.message)
            raise
        self.audit(caller, what, arguments)
        return answer

    def audit(
        self, caller: Caller, what: str, arguments: dict[str, Any], *, error: str | None = None
    ) -> None:
        """One event per call: the key's actor and name, ``via: mcp``, what was asked, and the
        refusal or error when there was one (its own transaction, committed at once)."""
        detail: dict[str, Any] = {
            "via": VIA,
            "key": caller.principal.name,
            "arguments": audited_arguments(arguments),
            "outcome": "error" if error else "ok",
        }
        if error:
            detail["error"] = redact(error, self.settings.secret_values())[:500]
        with self.store.write_session() as session:
            record(
                session,
                actor=caller.principal.actor,
                action="mcp.call",
                target=what,
                detail=detail,
                origin=caller.origin,
            )


def audited_arguments(arguments: dict[str, Any]) -> Any:
    """The arguments as the audit log keeps them: as sent, or only their names when long."""
    text = json.dumps(to_jsonable_python(arguments, fallback=str), ensure_ascii=False)
    return json.loads(text) if len(text) <= MAX_AUDITED else {"names": sorted(arguments)}


def validated(model: type[BaseModel], arguments: dict[str, Any]) -> Any:
    """The arguments as the REST payload model reads them, or 422 naming each field."""
    try:
        return model.model_validate(arguments)
    except ValidationError as exc:
        raise Unprocessable(describe_invalid(exc.errors())) from None


async def bind_request(ctx: Any, call_next: Any) -> Any:
    """SDK middleware: make the transport's request of this message (None over stdio) known to
    the handlers it runs (:meth:`McpRuntime.caller`)."""
    token = _REQUEST.set(getattr(ctx, "request", None))
    try:
        return await call_next(ctx)
    finally:
        _REQUEST.reset(token)
