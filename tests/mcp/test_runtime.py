"""The runtime's own paths, with the SDK's client connected in-process to a server acting as
ODOOBRIDGE_API_KEY (no transport request: the stdio path): a missing Odoo setting, the default
proposal links, long arguments in the audit log, and a bug that must not leak its text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp import Client
from mcp.server.mcpserver import MCPServer
from pydantic import BaseModel

from odoobridge.auth.audit import list_events
from odoobridge.auth.roles import Role
from odoobridge.mcp.runtime import DEFAULT_PUBLIC_URL, McpRuntime, ToolSpec, bind_request
from odoobridge.mcp.server import build_server, sdk_tool
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests.mcp.conftest import PROPOSE, READ, answer, error, run


def runtime_for(settings: Settings, store: Store, key: str) -> McpRuntime:
    return McpRuntime(settings.model_copy(update={"api_key": _secret(key)}), store)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def test_without_odoo_settings_a_search_names_what_is_missing(
    make_settings: Callable[..., Settings], store: Store, new_key: Callable[..., str]
) -> None:
    runtime = runtime_for(make_settings(), store, new_key(Role.VIEWER, READ))

    async def go() -> Any:
        async with Client(build_server(runtime)) as client:
            return await client.call_tool("search_partners", {"query": "x"})

    assert error(run(go())) == (
        "ODOO_URL, ODOO_DB, ODOO_USERNAME are not set: Odoo's API needs ODOO_URL, ODOO_DB, "
        "ODOO_USERNAME and ODOO_PASSWORD or ODOO_API_KEY"
    )


def test_proposal_links_default_to_the_served_address_and_long_arguments_are_named_only(
    web_settings: Settings, store: Store, new_key: Callable[..., str]
) -> None:
    runtime = runtime_for(web_settings, store, new_key(Role.VIEWER, PROPOSE))
    comment = "x" * 3000

    async def go() -> Any:
        async with Client(build_server(runtime)) as client:
            return await client.call_tool(
                "propose_partner", {"name": "Acme", "comment": comment, "case_id": "c1"}
            )

    proposal = answer(run(go()))
    assert (
        proposal["review_url"] == f"{DEFAULT_PUBLIC_URL}/odoo/proposals/{proposal['proposal_id']}"
    )
    with store.session() as session:
        event = list_events(session, action="mcp.call")[1][0]
    assert event.detail["arguments"] == {"names": ["case_id", "comment", "name"]}
    assert event.user_agent == "odoobridge-mcp (stdio)"
    runtime.close()


class Nothing(BaseModel):
    pass


def test_a_bug_in_a_service_does_not_reach_the_agent(
    make_settings: Callable[..., Settings], store: Store, new_key: Callable[..., str]
) -> None:
    def broken(_runtime: McpRuntime, _caller: Any, _args: Any) -> Any:
        raise RuntimeError("secret internals: password=hunter2")

    runtime = runtime_for(make_settings(), store, new_key(Role.VIEWER, []))
    spec = ToolSpec("broken", "A tool whose service has a bug.", Nothing, Role.VIEWER, None,
                    None, broken)  # fmt: skip
    server: MCPServer = MCPServer("test", tools=[sdk_tool(runtime, spec)])
    server.middleware.append(bind_request)

    async def go() -> Any:
        async with Client(server) as client:
            return await client.call_tool("broken", {})

    message = error(run(go()))
    assert message == "Error executing tool broken"
