"""``odoobridge mcp`` spawned as a subprocess with a test store and ODOOBRIDGE_API_KEY, driven by
the SDK's own client over stdio: tools listed and called against the stub Odoo and the store,
proposal links on ODOOBRIDGE_PUBLIC_URL, the audit log, a key revoked mid-session, and a server
that refuses to start without a valid key."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

from odoobridge.auth.apikeys import find_api_key, revoke_api_key
from odoobridge.auth.audit import Origin, list_events
from odoobridge.auth.roles import Role
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests.mcp.conftest import AGENT, PROPOSE, answer, error, run

PUBLIC = "https://odoobridge.example.com"


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The settings of the test app as the environment of ``odoobridge mcp``."""
    env = {
        "DATABASE_URL": settings.store_url,
        "ODOOBRIDGE_DATA_DIR": str(settings.data_dir),
        "ODOO_PREPROD_DSN": settings.odoo_preprod_dsn.get_secret_value(),  # type: ignore[union-attr]
        "ODOO_URL": str(settings.odoo_url),
        "ODOO_DB": str(settings.odoo_db),
        "ODOO_USERNAME": str(settings.odoo_username),
        "ODOO_API_KEY": settings.odoo_api_key.get_secret_value(),  # type: ignore[union-attr]
        "ODOOBRIDGE_ODOO_PROTOCOL": settings.odoo_protocol,
        "ODOOBRIDGE_PUBLIC_URL": PUBLIC,
    }
    return {**env, **extra}


def parameters(env: dict[str, str], cwd: Path) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable, args=["-m", "odoobridge", "mcp"], env=env, cwd=cwd
    )


def test_stdio_lists_and_calls_tools_as_the_key(
    web_settings: Settings, store: Store, new_key: Callable[..., str], runs: tuple[int, int],
    tmp_path: Path,
) -> None:  # fmt: skip
    key = new_key(Role.AUDITOR, PROPOSE)
    env = server_env(web_settings, ODOOBRIDGE_API_KEY=key)

    async def go() -> dict[str, Any]:
        got: dict[str, Any] = {}
        async with Client(parameters(env, tmp_path)) as client:
            got["tools"] = [t.name for t in (await client.list_tools()).tools]
            got["partners"] = answer(await client.call_tool("search_partners", {"query": "Reed"}))
            got["who"] = answer(await client.call_tool("who_can", {"model": "crm.lead",
                                                                   "operation": "unlink"}))  # fmt: skip
            got["proposal"] = answer(await client.call_tool(
                "propose_project", {"name": "Site", "partner_id": 10, "case_id": "c1"}
            ))  # fmt: skip
            got["bad"] = error(await client.call_tool("search_tasks", {"project_id": 0}))
            with store.session() as session:  # revoked while the agent runs
                revoke_api_key(session, find_api_key(session, key[:14]), by="test",
                               by_role=Role.SUPER_ADMIN, origin=Origin())  # fmt: skip
            got["revoked"] = error(await client.call_tool("search_partners", {}))
        return got

    got = run(go())
    assert len(got["tools"]) == 24 and "search_partners" in got["tools"]
    assert [p["id"] for p in got["partners"]["partners"]] == [40, 51]
    assert [u["login"] for u in got["who"]["users"]] == ["admin"]
    pid = got["proposal"]["proposal_id"]
    assert got["proposal"]["review_url"] == f"{PUBLIC}/odoo/proposals/{pid}"
    assert got["proposal"]["summary"] == "Create project: Site for Deco Addict"
    assert got["bad"] == "project_id: Input should be greater than or equal to 1"
    assert got["revoked"] == f"the API key {key[:14]} was revoked: ask an admin for a new one"
    with store.session() as session:
        _total, events = list_events(session, action="mcp.call")
    assert len(events) == 4  # the revoked call is not the key's any more
    assert {e.user_agent for e in events} == {"odoobridge-mcp (stdio)"}
    assert all(e.detail["via"] == "mcp" and e.detail["key"] == AGENT for e in events)
    assert {e.actor for e in events} == {f"apikey:{key[:14]}"}


def test_the_server_refuses_to_start_without_a_valid_key(
    web_settings: Settings, new_key: Callable[..., str], tmp_path: Path
) -> None:
    def start(**extra: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": "/usr/bin:/bin", **server_env(web_settings, **extra)}
        command = [sys.executable, "-m", "odoobridge", "mcp"]
        return subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=60, stdin=subprocess.DEVNULL, check=False)  # fmt: skip

    missing = start()
    assert missing.returncode != 0 and missing.stdout == ""
    assert missing.stderr.strip() == (
        "error: set ODOOBRIDGE_API_KEY to the API key the MCP server acts as"
    )
    unknown = start(ODOOBRIDGE_API_KEY="obk_abcdefghij_" + "x" * 43)
    assert unknown.returncode != 0 and unknown.stderr.strip() == "error: the API key is not valid"
