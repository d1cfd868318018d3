"""The MCP server mounted at /mcp, driven by the SDK's own client over Streamable HTTP against
the app under uvicorn: tools listed with typed schemas, every tool called against the stub Odoo
and the fixture store, a proposal confirmed and executed by a person through the REST route,
scopes, roles, rate limits, one-line errors, the audit log, resources and the prompt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from odoobridge.auth.audit import list_events
from odoobridge.auth.roles import Role
from odoobridge.store.engine import Store
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.mcp.conftest import AGENT, PROPOSE, READ, answer, error, mcp_http, run
from tests.web.conftest import SignedIn

ODOO_TOOLS = {
    "search_partners", "search_leads", "search_projects", "search_tasks", "search_activities",
    "search_calendar", "partner_history",
}  # fmt: skip
PROPOSAL_TOOLS = {
    "propose_partner", "propose_lead", "propose_project", "propose_tasks", "propose_activity",
    "propose_calendar_event", "list_proposals", "get_proposal", "cancel_proposal",
}  # fmt: skip
ACCESS_TOOLS = {"who_can", "user_access", "group_grants", "findings", "diff_runs", "user_timeline"}
SALES_TOOLS = {"my_pipeline", "account_overview"}
WRITES = {"create", "write", "unlink", "copy", "action_archive", "toggle_active"}


def test_tools_are_listed_with_typed_schemas_and_descriptions(
    base_url: str, new_key: Callable[..., str]
) -> None:
    async def go() -> Any:
        async with mcp_http(base_url, new_key(Role.VIEWER, READ)) as client:
            return (await client.list_tools()).tools

    tools = {t.name: t for t in run(go())}
    assert set(tools) == ODOO_TOOLS | PROPOSAL_TOOLS | ACCESS_TOOLS | SALES_TOOLS
    for tool in tools.values():
        assert len(tool.description or "") > 30, tool.name
        assert tool.input_schema["type"] == "object" and tool.input_schema["properties"]
        assert tool.input_schema.get("additionalProperties") is False, tool.name
        assert tool.annotations is not None and tool.annotations.destructive_hint is False
    partners = tools["search_partners"].input_schema["properties"]
    assert partners["limit"] == {
        "default": 100, "description": "Page size (at most 500).", "maximum": 500, "minimum": 1,
        "title": "Limit", "type": "integer",
    }  # fmt: skip
    event = tools["propose_calendar_event"].input_schema
    assert set(event["required"]) == {"name", "start", "stop", "case_id"}
    assert event["properties"]["start"]["format"] == "date-time"
    who = tools["who_can"].input_schema["properties"]
    assert who["operation"]["enum"] == ["read", "write", "create", "unlink"]
    assert "review_url, where a person reviews it" in tools["propose_partner"].description
    assert tools["search_leads"].annotations.read_only_hint is True  # type: ignore[union-attr]
    assert tools["propose_lead"].annotations.read_only_hint is False  # type: ignore[union-attr]


def test_every_tool_answers_from_the_stub_odoo_and_the_store(
    base_url: str,
    new_key: Callable[..., str],
    runs: tuple[int, int],
    odoo_rpc_stub: RunningStub,
) -> None:
    key = new_key(Role.AUDITOR, PROPOSE)

    async def go() -> dict[str, Any]:
        got: dict[str, Any] = {}
        async with mcp_http(base_url, key) as client:

            async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
                got[name] = answer(await client.call_tool(name, arguments))
                return got[name]

            await call("search_partners", {"query": "Reed"})
            await call("search_leads", {"partner_id": 10, "stage": "Won"})
            await call("search_projects", {"partner_id": 10})
            await call("search_tasks", {"project_id": 5})
            await call("search_activities", {"res_model": "crm.lead", "res_id": 19})
            await call("search_calendar", {"partner_ids": [15]})
            await call("partner_history", {"partner_id": 10, "limit": 5})
            case = {"case_id": "mcp-1"}
            await call(
                "propose_partner", {"name": "Example Corp", "email": "c@example.com", **case}
            )
            await call("propose_lead", {"name": "Web Design", "partner_id": 15, **case})
            await call("propose_project", {"name": "Site", "partner_id": 10, "user_id": 6, **case})
            await call("propose_tasks", {"project_id": 5, "tasks": [{"name": "Mockups"}], **case})
            await call("propose_activity", {"res_model": "crm.lead", "res_id": 19,
                       "activity_type": "Call", "date_deadline": "2026-01-10", **case})  # fmt: skip
            await call("propose_calendar_event", {"name": "Kickoff", "start": "2026-02-01T10:00:00",
                       "stop": "2026-02-01T11:00:00", "partner_ids": [12, 15], **case})  # fmt: skip
            await call("list_proposals", {})
            pid = got["propose_lead"]["proposal_id"]
            await call("get_proposal", {"proposal_id": pid})
            await call("cancel_proposal", {"proposal_id": pid})
            await call("who_can", {"model": "crm.lead", "operation": "unlink"})
            await call("user_access", {"login": "demo"})
            await call("group_grants", {"group": "base.group_user"})
            await call("findings", {"severity": "high"})
            await call("diff_runs", {"from_run": runs[0], "to_run": runs[1]})
            await call("user_timeline", {"user_id": 6})
        return got

    got = run(go())
    ids = lambda records: [r["id"] for r in records]  # noqa: E731
    # the gateway's searches, as the REST tests assert them against the fixture
    assert ids(got["search_partners"]["partners"]) == [40, 51]
    assert [(r["id"], r["name"]) for r in got["search_leads"]["leads"]] == [
        (27, "Interest in your products")
    ]
    assert [(p["id"], p["name"]) for p in got["search_projects"]["projects"]] == [
        (5, "Home Construction")
    ]
    assert ids(got["search_tasks"]["tasks"]) == [55, 56, 57, 58, 59]
    assert got["search_activities"]["activities"][0]["summary"] == "Followup on the proposal"
    assert got["search_calendar"]["count"] >= 1
    history = got["partner_history"]
    assert history["partner"]["name"] == "Deco Addict" and len(history["leads"]) <= 5
    assert history["counts"]["projects"] == 1
    # proposals: the id, the summary, where a person confirms it
    partner = got["propose_partner"]
    assert partner["summary"] == "Create partner: Example Corp (c@example.com)"
    assert partner["review_url"] == f"{base_url}/odoo/proposals/{partner['proposal_id']}"
    assert partner["confirm_url"] == f"{base_url}/odoo/execute/{partner['proposal_id']}"
    assert got["propose_lead"]["summary"] == "Create opportunity: Web Design for Azure Interior"
    assert got["propose_tasks"]["summary"] == "Create 1 task in project Home Construction: Mockups"
    assert got["propose_calendar_event"]["status"] == "pending"
    assert got["list_proposals"]["count"] == 6
    assert got["get_proposal"]["proposed_by"].startswith("apikey:obk_")
    assert got["cancel_proposal"] == {
        "status": "cancelled",
        "proposal_id": got["get_proposal"]["proposal_id"],
    }
    # the access answers, as the REST analysis tests assert them
    assert [u["login"] for u in got["who_can"]["users"]] == ["admin"]
    assert (got["user_access"]["odoo_user_id"], got["user_access"]["name"]) == (6, "Marc Demo")
    assert got["group_grants"]["name"] == "User types / Internal User"
    assert any(f["kind"] == "admin_access" for f in got["findings"]["findings"])
    removed = got["diff_runs"]["entities"]["memberships"]["removed"]
    assert [(c["login"], c["group"]) for c in removed] == [("demo", "User")]
    assert any(e["run_id"] == runs[1] for e in got["user_timeline"]["events"])
    # nothing was written to Odoo by any of them
    written = [c for c in odoo_rpc_stub.stub.calls if c.method in WRITES]
    assert written == []


def test_a_proposal_is_executed_by_a_person_through_the_rest_route(
    base_url: str,
    new_key: Callable[..., str],
    signed_in: Callable[[Role], SignedIn],
    odoo_rpc_stub: RunningStub,
) -> None:
    async def propose() -> dict[str, Any]:
        async with mcp_http(base_url, new_key(Role.VIEWER, PROPOSE)) as client:
            return answer(await client.call_tool("propose_partner", {
                "name": "Example Corp", "email": "contact@example.com", "is_company": True,
                "case_id": "abc12345",
            }))  # fmt: skip

    proposal = run(propose())
    assert odoo_rpc_stub.stub.calls_to("res.partner", "create") == []
    admin = signed_in(Role.ADMIN)
    review = admin.client.get(proposal["review_url"].removeprefix(base_url))
    assert review.status_code == 200 and review.json()["status"] == "pending"
    done = admin.post(proposal["confirm_url"].removeprefix(base_url), json={"confirmed": True})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "executed" and done.json()["confirmed_by"] != ""
    created = done.json()["results"][0]["record_id"]
    found = odoo_rpc_stub.stub.calls_to("res.partner", "create")
    assert len(found) == 1 and found[0].args[0]["name"] == "Example Corp"

    async def search() -> dict[str, Any]:
        async with mcp_http(base_url, new_key(Role.VIEWER, READ)) as client:
            return answer(
                await client.call_tool("search_partners", {"email": "contact@example.com"})
            )

    assert [p["id"] for p in run(search())["partners"]] == [created]


def test_scopes_and_roles_refuse_with_the_api_message(
    base_url: str, new_key: Callable[..., str], runs: tuple[int, int]
) -> None:
    async def go() -> list[str]:
        async with mcp_http(base_url, new_key(Role.VIEWER, READ)) as reader:
            propose = await reader.call_tool("propose_lead", {"name": "X", "case_id": "c1"})
            cancel = await reader.call_tool("cancel_proposal", {"proposal_id": "abc"})
            who = await reader.call_tool("who_can", {"model": "crm.lead"})
        async with mcp_http(base_url, new_key(Role.ADMIN, [])) as bare:
            search = await bare.call_tool("search_partners", {})
        return [error(propose), error(cancel), error(who), error(search)]

    assert run(go()) == [
        "this API key lacks the scope gateway:propose: make a key that has it",
        "this API key lacks the scope gateway:propose: make a key that has it",
        "this needs the auditor role; you are viewer",
        "this API key lacks the scope gateway:read: make a key that has it",
    ]


def test_mistakes_come_back_as_the_api_one_line_messages(
    base_url: str, new_key: Callable[..., str], runs: tuple[int, int]
) -> None:
    async def go() -> list[str]:
        async with mcp_http(base_url, new_key(Role.AUDITOR, PROPOSE)) as client:
            calls = [
                ("search_partners", {"limit": 0, "nme": "x"}),
                ("propose_lead", {"partner_id": 10}),
                (
                    "propose_tasks",
                    {"project_id": 5, "case_id": "c1", "tasks": [{"name": "a", "priority": "3"}]},
                ),
                ("propose_lead", {"name": "X", "partner_id": 999999, "case_id": "c1"}),
                ("partner_history", {"partner_id": 999999}),
                ("get_proposal", {"proposal_id": "nope"}),
                ("who_can", {"model": "crm.leads"}),
                ("user_access", {"login": "nobody"}),
            ]
            return [error(await client.call_tool(name, args)) for name, args in calls]

    messages = run(go())
    assert messages[0] == (
        "limit: Input should be greater than or equal to 1; nme: Extra inputs are not permitted"
    )
    assert messages[1] == "name: Field required; case_id: Field required"
    assert messages[2].startswith("tasks.0.priority: Input should be '0' or '1'")
    assert messages[3].startswith("partner_id: there is no partner 999999 in Odoo")
    assert messages[4] == "there is no partner 999999 in Odoo: search partners to find one"
    assert messages[5] == "there is no proposal nope: GET /odoo/proposals lists them"
    assert messages[6].startswith("no access rights mention model 'crm.leads'")
    assert messages[7].startswith("no Odoo user 'nobody' in Odoo (Pre-Production)")
    assert all("\n" not in m and "Traceback" not in m for m in messages)


@pytest.mark.parametrize(
    "gateway_env", [{"ODOOBRIDGE_GATEWAY_READ_LIMIT": "2/minute"}], indirect=True
)
def test_the_gateway_rate_limit_counts_mcp_and_rest_calls_together(
    base_url: str, new_key: Callable[..., str], anonymous: httpx.Client
) -> None:
    key = new_key(Role.VIEWER, READ)
    rest = anonymous.post("/odoo/search/projects", json={}, headers={"X-API-Key": key})
    assert rest.status_code == 200

    async def go() -> list[Any]:
        async with mcp_http(base_url, key) as client:
            return [await client.call_tool("search_projects", {}) for _ in range(2)]

    first, second = run(go())
    assert answer(first)["count"] >= 1
    message = error(second)
    assert message.startswith("too many gateway reads from this caller (at most 2 per 1 minute)")
    seconds = int(message.split("wait ")[1].split(" seconds")[0])
    assert 1 <= seconds <= 60


def test_no_key_or_a_bad_key_is_refused_before_the_protocol(
    base_url: str, anonymous: httpx.Client, new_key: Callable[..., str],
    signed_in: Callable[[Role], SignedIn],
) -> None:  # fmt: skip
    hello = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    plain = anonymous.post("/mcp", json=hello)
    assert plain.status_code == 401
    assert plain.json()["detail"].startswith("send an OdooBridge API key in the X-API-Key header")
    unknown = {"Authorization": "Bearer obk_abcdefghij_" + "x" * 43}  # well-formed, never made
    bad = anonymous.post("/mcp", json=hello, headers=unknown)
    assert bad.status_code == 401 and bad.json() == {"detail": "the API key is not valid"}
    person = signed_in(Role.SUPER_ADMIN)  # a browser's cookie is never enough
    assert person.client.post("/mcp", json=hello).status_code == 401

    async def bearer() -> Any:
        async with mcp_http(base_url, new_key(Role.VIEWER, READ), bearer=True) as client:
            return await client.call_tool("search_projects", {"name": "office"})

    assert [p["id"] for p in answer(run(bearer()))["projects"]] == [1]


def test_the_audit_log_shows_each_call_via_mcp(
    base_url: str, new_key: Callable[..., str], store: Store
) -> None:
    async def go() -> None:
        async with mcp_http(base_url, new_key(Role.VIEWER, PROPOSE)) as client:
            answer(await client.call_tool("search_partners", {"query": "Reed"}))
            error(await client.call_tool("who_can", {"model": "crm.lead"}))
            answer(await client.call_tool("propose_partner", {"name": "Acme", "case_id": "c9"}))

    run(go())
    with store.session() as session:
        _total, events = list_events(session, action="mcp.call")
        propose_events = list_events(session, action="gateway.propose")[1]
    calls = [(e.target, e.detail["outcome"]) for e in reversed(events)]
    assert calls == [
        ("tool:search_partners", "ok"), ("tool:who_can", "error"), ("tool:propose_partner", "ok"),
    ]  # fmt: skip
    for event in events:
        assert event.detail["via"] == "mcp" and event.detail["key"] == AGENT
        assert event.actor.startswith("apikey:obk_") and event.ip == "127.0.0.1"
    assert events[2].detail["arguments"] == {"query": "Reed"}
    assert events[1].detail["error"] == "this needs the auditor role; you are viewer"
    assert propose_events[0].actor == events[0].actor  # the proposal is the key's own


def test_resources_and_the_review_prompt(
    base_url: str, new_key: Callable[..., str], runs: tuple[int, int]
) -> None:
    from mcp.shared.exceptions import MCPError

    async def go() -> dict[str, Any]:
        got: dict[str, Any] = {}
        async with mcp_http(base_url, new_key(Role.VIEWER, READ)) as viewer:
            listed = await viewer.list_resources()
            got["uris"] = sorted(str(r.uri) for r in listed.resources)
            got["runs"] = await viewer.read_resource("odoobridge://runs/latest")
            with pytest.raises(MCPError) as refused:
                await viewer.read_resource("odoobridge://findings/summary")
            got["refused"] = refused.value.error.message
        async with mcp_http(base_url, new_key(Role.AUDITOR, [])) as auditor:
            got["summary"] = await auditor.read_resource("odoobridge://findings/summary")
            got["prompts"] = [p.name for p in (await auditor.list_prompts()).prompts]
            got["prompt"] = await auditor.get_prompt("review_user_access", {"login": "demo"})
            with pytest.raises(MCPError) as missing:
                await auditor.get_prompt("review_user_access", {"login": "nobody"})
            got["missing"] = missing.value.error.message
        return got

    import json

    got = run(go())
    assert got["uris"] == ["odoobridge://findings/summary", "odoobridge://runs/latest"]
    latest = json.loads(got["runs"].contents[0].text)
    assert [r["id"] for r in latest["runs"][:2]] == [runs[1], runs[0]]
    assert got["refused"] == "this needs the auditor role; you are viewer"
    summary = json.loads(got["summary"].contents[0].text)
    assert summary["PREPROD"]["run_id"] == runs[1] and summary["PREPROD"]["counts"]["high"] >= 1
    assert summary["PROD"]["error"].startswith("no successful")
    assert got["prompts"] == ["review_user_access"]
    message = got["prompt"].messages[0].content.text
    assert message.startswith("Review the Odoo access of demo (Marc Demo) in PREPROD")
    assert '"login": "demo"' in message
    assert got["missing"].startswith("no Odoo user 'nobody'")


def test_clients_of_the_handshake_protocols_are_served_too(
    base_url: str, new_key: Callable[..., str]
) -> None:
    """Agents speaking a pre-2026 protocol (initialize handshake) get the same tools and errors;
    each request stands alone, so any worker of the app may answer it."""

    async def go() -> tuple[int, dict[str, Any], str]:
        async with mcp_http(base_url, new_key(Role.VIEWER, READ), mode="legacy") as client:
            tools = (await client.list_tools()).tools
            found = await client.call_tool("search_projects", {"name": "office"})
            refused = await client.call_tool("propose_lead", {"name": "X", "case_id": "c1"})
            return len(tools), answer(found), error(refused)

    count, found, refused = run(go())
    assert count == 24 and [p["id"] for p in found["projects"]] == [1]
    assert refused == "this API key lacks the scope gateway:propose: make a key that has it"
