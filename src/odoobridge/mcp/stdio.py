"""``odoobridge mcp``: the MCP server over stdio, for a desktop agent that starts it (Claude
Desktop, VS Code, Cursor). It acts as the API key in ``ODOOBRIDGE_API_KEY``: the key is checked
before the server starts (a missing or invalid key is one line on stderr and a non-zero exit)
and again on every call. Stdout carries the protocol only; logs go to stderr."""

from __future__ import annotations

from odoobridge.logs import configure_logging
from odoobridge.mcp.runtime import McpRuntime
from odoobridge.mcp.server import build_server
from odoobridge.settings import Settings
from odoobridge.store.engine import Store


def serve_stdio(settings: Settings, store: Store) -> None:
    """Serve over this process's stdin and stdout until the agent closes them."""
    # Our log format on stderr, before the SDK would install its own handler on the root logger.
    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    runtime = McpRuntime(settings, store)
    runtime.stdio_principal()  # refuse to start for a key that cannot act
    try:
        build_server(runtime).run("stdio")
    finally:
        runtime.close()
