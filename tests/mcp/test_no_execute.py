"""No MCP tool can execute a proposal or write to Odoo: the tool list holds no execution, no tool
has the execute scope or bucket, and nothing the server's tools are built from imports the
gateway's execution (the HTTP test calls every tool and finds no write in the stub's log)."""

from __future__ import annotations

from odoobridge.mcp.server import TOOL_SPECS
from tests.test_imports import import_graph

FORBIDDEN_WORDS = ("execute", "confirm", "delete", "unlink", "write", "run")


def closure(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_the_tool_list_holds_nothing_that_executes() -> None:
    names = [spec.name for spec in TOOL_SPECS]
    assert len(names) == len(set(names)) == 24
    for spec in TOOL_SPECS:
        assert not any(word in spec.name.split("_") for word in FORBIDDEN_WORDS), spec.name
        assert spec.scope in (None, "gateway:read", "gateway:propose"), spec.name
        assert spec.bucket in (None, "read", "propose"), spec.name
    assert {s.name for s in TOOL_SPECS if not s.read_only} == {
        "propose_partner", "propose_lead", "propose_project", "propose_tasks",
        "propose_activity", "propose_calendar_event", "cancel_proposal",
    }  # fmt: skip


def test_the_server_never_imports_the_gateway_execution() -> None:
    graph = import_graph()
    reached = closure(graph, "odoobridge.mcp.server") | closure(graph, "odoobridge.mcp.stdio")
    assert "odoobridge.mcp.tools_proposals" in reached  # the walk does reach the tools
    assert "odoobridge.gateway.execute" not in reached
    assert "odoobridge.gateway.api" not in reached


def test_the_check_can_fail() -> None:
    """The walk finds the execution where it is imported: the REST routes."""
    assert "odoobridge.gateway.execute" in closure(import_graph(), "odoobridge.gateway.api")
