"""The MCP server's sales tools for the person a key belongs to: my_pipeline and
account_overview answer exactly what /api/opportunities and /api/accounts/{id} answer that person
(their Odoo user's own rules), never another person's record; a key nobody owns sees nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from odoobridge.auth.roles import Role
from tests.mcp.conftest import answer, error, mcp_http, run
from tests.sales.api.scene import Scene


@pytest.mark.parametrize("odoo_rpc_stub", [18], indirect=True)
def test_my_pipeline_and_account_overview_for_the_keys_person(
    scene: Scene, make_key: Callable[..., str], base_url: str
) -> None:
    demo = scene.people["mark.brown23@example.com"]
    key = make_key(Role.VIEWER, by=demo.email)
    nobodys = make_key(Role.VIEWER)  # made from the command line: nobody's

    account = demo.get("/api/accounts")["items"][0]["id"]

    async def go() -> tuple[dict[str, object], dict[str, object], str]:
        async with mcp_http(base_url, key) as client:
            pipeline = answer(
                await client.call_tool("my_pipeline", {"status": "all", "limit": 500})
            )
            overview = answer(await client.call_tool("account_overview", {"partner_id": account}))
        async with mcp_http(base_url, nobodys) as client:
            refused = error(await client.call_tool("account_overview", {"partner_id": account}))
        return pipeline, overview, refused

    pipeline, overview, refused = run(go())
    expected = demo.get("/api/opportunities", type="opportunity", status="all", limit=500)
    assert [i["id"] for i in pipeline["items"]] == [i["id"] for i in expected["items"]]  # type: ignore[index]
    assert pipeline["visibility"]["email"] == demo.email  # type: ignore[index]
    assert pipeline["items"]  # type: ignore[index]
    assert overview == demo.get(f"/api/accounts/{account}")
    assert "you see no sales records" in refused and "command line" in refused
