"""The MCP server: AI agents ask Odoo and OdooBridge questions and propose changes; a person
executes them.

- :mod:`.runtime` — the one door of every call (caller, guard, rate limit, payload check,
  service call, audit event) and the tool specification;
- :mod:`.tools_odoo`, :mod:`.tools_proposals`, :mod:`.tools_access` — the tools, each a thin
  call of a domain service (the gateway's searches and proposals, the access answers);
- :mod:`.resources` — the latest runs, the findings summary, the prompt "review a user's access";
- :mod:`.server` — the SDK server with all of them;
- :mod:`.http` — Streamable HTTP mounted in the web app at ``/mcp`` (API key required);
- :mod:`.stdio` — ``odoobridge mcp`` for desktop agents (``ODOOBRIDGE_API_KEY``).
"""
