"""Streamable HTTP at ``/mcp`` in the web app, for agents that reach OdooBridge over the network.

Every request must carry an API key — ``X-API-Key: <key>`` or ``Authorization: Bearer <key>`` —
checked as the app's routes check keys (the same credential cache); without one, or with one
that is not valid, the answer is 401 before the SDK sees the request. A signed-in browser's
cookie is never enough. The key's principal is put on the request for the tools
(:meth:`McpRuntime.caller`), and as the SDK's authenticated user.

Stateless: every request stands alone (as the 2026-07-28 protocol's requests do; clients of the
earlier handshake protocols get a fresh session per request), so any worker or replica of the
app may answer any request. The SDK's session manager still needs its task group running:
:func:`mcp_lifespan` runs it inside the app's lifespan (a new manager each time the app starts).
DNS-rebinding protection is off: it guards servers that trust the browser's ambient
credentials, and this endpoint accepts none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from odoobridge.auth.principal import Principal
from odoobridge.errors import Unauthorized
from odoobridge.mcp.runtime import Caller, McpRuntime
from odoobridge.mcp.server import build_server
from odoobridge.web.deps import api_key_principal, get_store, origin_of
from odoobridge.web.state import AppState

PATH = "/mcp"
NO_KEY = (
    "send an OdooBridge API key in the X-API-Key header or as Authorization: Bearer <key> "
    "(an admin makes one with `odoobridge apikey create`)"
)
_NO_REBINDING_CHECK = TransportSecuritySettings(enable_dns_rebinding_protection=False)


def key_of(request: Request) -> str | None:
    """The API key a request carries (X-API-Key, or an Authorization bearer token)."""
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


class McpEndpoint:
    """The ASGI endpoint at ``/mcp``: authenticate, then hand the request to the SDK."""

    def __init__(self, server: MCPServer, runtime: McpRuntime) -> None:
        self.server = server
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        raw = key_of(request)
        if raw is None:
            raise Unauthorized(NO_KEY)  # the app's handler answers {"detail": …}, 401
        principal = await run_in_threadpool(self._principal, request, raw)
        base = self.runtime.settings.public_url or str(request.base_url).rstrip("/")
        scope.setdefault("state", {})["mcp_caller"] = Caller(principal, origin_of(request), base)
        token = AccessToken(
            token=principal.actor, client_id=principal.actor, scopes=sorted(principal.scopes)
        )
        scope["user"] = AuthenticatedUser(token)
        await self.server.session_manager.handle_request(scope, receive, send)

    @staticmethod
    def _principal(request: Request, raw: str) -> Principal:
        with get_store(request).session() as session:
            return api_key_principal(request, session, raw)


def mount_mcp(app: FastAPI) -> None:
    """Serve the MCP server at ``/mcp`` with the app's store, rate limits and Odoo client."""
    state: AppState = app.state.odoobridge
    runtime = McpRuntime(
        state.settings, state.store, limits=state.gateway_limits, odoo=state.odoo_client
    )
    server = build_server(runtime)
    state.mcp_server = server
    app.router.routes.append(
        Route(PATH, endpoint=McpEndpoint(server, runtime), methods=["GET", "POST", "DELETE"])
    )


@asynccontextmanager
async def mcp_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Run the SDK's session manager while the app runs (a fresh one at every start)."""
    state: AppState = app.state.odoobridge
    server: MCPServer | None = state.mcp_server
    if server is None:
        yield
        return
    server.streamable_http_app(
        json_response=True, stateless_http=True, transport_security=_NO_REBINDING_CHECK
    )
    async with server.session_manager.run():
        yield
