"""The MCP server: every tool, the resources and the prompt on the official SDK's server
(``MCPServer``, the SDK's FastMCP).

Each tool publishes the JSON schema of its payload model (the REST route's own where there is
one) and hands the arguments as sent to :meth:`McpRuntime.call`, which validates them with that
model — so an agent's mistake comes back as the API's one-line 422, naming the field, not as
the SDK's multi-line validation report.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import ConfigDict

import odoobridge
from odoobridge.mcp import tools_access, tools_odoo, tools_proposals, tools_sales
from odoobridge.mcp.resources import register_resources
from odoobridge.mcp.runtime import McpRuntime, ToolSpec, bind_request

NAME = "odoobridge"
INSTRUCTIONS = (
    "OdooBridge answers questions about an Odoo ERP (its contacts, leads, projects, tasks, "
    "activities, calendar) and about who may do what in it (access rights, findings, history). "
    "It never changes Odoo: the propose_* tools store a proposal that a person reviews and "
    "executes in OdooBridge; give the user the review_url of each proposal."
)
TOOL_SPECS: list[ToolSpec] = [
    *tools_odoo.TOOLS,
    *tools_proposals.TOOLS,
    *tools_access.TOOLS,
    *tools_sales.TOOLS,
]


class ArgumentsAsSent(ArgModelBase):
    """Takes any arguments and hands them on unchanged: the tool's payload model checks them."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


def sdk_tool(runtime: McpRuntime, spec: ToolSpec) -> Tool:
    async def call(arguments: dict[str, Any]) -> CallToolResult:
        return await runtime.call_tool(spec, arguments)

    schema = spec.args.model_json_schema()
    schema.pop("title", None)
    return Tool(
        fn=call,
        name=spec.name,
        title=spec.name.replace("_", " ").capitalize(),
        description=spec.description,
        parameters=schema,
        fn_metadata=FuncMetadata(arg_model=ArgumentsAsSent),
        is_async=True,
        annotations=ToolAnnotations(
            read_only_hint=spec.read_only,
            destructive_hint=False,
            idempotent_hint=spec.read_only,
            open_world_hint=spec.scope is not None,
        ),
    )


def build_server(runtime: McpRuntime) -> MCPServer:
    """The server with every tool, resource and prompt, bound to ``runtime``."""
    server: MCPServer = MCPServer(
        NAME,
        title="OdooBridge",
        instructions=INSTRUCTIONS,
        version=odoobridge.__version__,
        tools=[sdk_tool(runtime, spec) for spec in TOOL_SPECS],
        log_level="WARNING",
    )
    server.middleware.append(bind_request)
    register_resources(server, runtime)
    return server
