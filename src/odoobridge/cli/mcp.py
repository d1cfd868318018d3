"""``odoobridge mcp``: the MCP server over stdio for desktop agents (odoobridge.mcp.stdio).

The SDK and the domains are imported inside the command, so ``odoobridge --help`` stays fast.
"""

from __future__ import annotations

import typer

from odoobridge.cli.state import CliState


def mcp_command(ctx: typer.Context) -> None:
    """Serve the MCP server over stdio for an AI agent (Claude Desktop, VS Code, Cursor …),
    acting as the API key in ODOOBRIDGE_API_KEY: searches, proposals (never executed), access
    questions."""
    from odoobridge.mcp.stdio import serve_stdio

    state: CliState = ctx.obj
    serve_stdio(state.settings(), state.store())


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp_command)
