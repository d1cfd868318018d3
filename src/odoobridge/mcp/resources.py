"""Readable resources — the store's latest runs, the findings summary — and the prompt "review a
user's access", each through the runtime's guard and audit like the tools."""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.prompts.base import Message, UserMessage
from pydantic_core import to_jsonable_python

from odoobridge.access.analysis.answers import user_access
from odoobridge.access.analysis.effective import index_for
from odoobridge.access.findings.listing import findings_answer
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.errors import AppError
from odoobridge.mcp.runtime import Caller, McpRuntime
from odoobridge.sync.runs import list_runs
from odoobridge.sync.status import all_statuses

RUNS_URI = "odoobridge://runs/latest"
FINDINGS_URI = "odoobridge://findings/summary"
LATEST_RUNS = 20
SUMMARY_FINDINGS = 10  # the most severe findings a summary lists per environment


def as_json(value: Any) -> str:
    return json.dumps(to_jsonable_python(value), ensure_ascii=False, indent=1)


def latest_runs(runtime: McpRuntime, _caller: Caller) -> dict[str, Any]:
    """Where each source stands, and the latest runs (as ``GET /api/sync/status`` and
    ``/api/sync/runs`` answer them)."""
    with runtime.store.session() as session:
        _total, runs = list_runs(session, limit=LATEST_RUNS)
        return {
            "sources": all_statuses(session, runtime.settings),
            "runs": [r.as_dict() for r in runs],
        }


def findings_summary(runtime: McpRuntime, _caller: Caller) -> dict[str, Any]:
    """Per environment: the latest run's finding counts per severity and its most severe
    findings (or why there are none)."""
    summary: dict[str, Any] = {}
    with runtime.store.session() as session:
        for environment in Environment:
            try:
                answer = findings_answer(session, runtime.settings, environment)
            except AppError as exc:  # e.g. no sync of this environment yet
                summary[environment.value] = {"error": exc.message}
                continue
            summary[environment.value] = {
                "run_id": answer["run_id"],
                "counts": answer["counts"],
                "most_severe": [
                    {k: f[k] for k in ("id", "severity", "kind", "title")}
                    for f in answer["findings"][:SUMMARY_FINDINGS]
                ],
            }
    return summary


REVIEW = """Review the Odoo access of {login} ({name}) in {environment}, sync run {run_id}.

Judge whether each group and right fits what this person needs; point out segregation-of-duties
conflicts, administrator rights, access a leaver or a portal user should not have, and rights
that only come through implied groups. Say for each problem what to change (which group to
remove), citing the grant path. The findings below were computed by OdooBridge.

User access (groups, rights per model with their grant paths, record rules):
{access}

Findings about this user:
{findings}
"""


def review_material(
    runtime: McpRuntime, login: str, environment: Environment | None
) -> dict[str, Any]:
    """What the review prompt gathers: the user's access and the findings about them."""
    env = environment or runtime.settings.odoo_environment
    with runtime.store.session() as session:
        index = index_for(session, env)
        access = user_access(index, login).as_dict()
        found = findings_answer(
            session, runtime.settings, env, index.snap.run_id, odoo_user_id=access["odoo_user_id"]
        )
    return {"access": access, "findings": found["findings"]}


def register_resources(server: MCPServer, runtime: McpRuntime) -> None:
    @server.resource(
        RUNS_URI,
        name="latest_runs",
        mime_type="application/json",
        description="Where each source stands and the latest sync runs.",
    )
    async def runs_resource() -> str:
        read = lambda c: latest_runs(runtime, c)  # noqa: E731
        return as_json(await runtime.guarded(f"resource:{RUNS_URI}", Role.VIEWER, read, {}))

    @server.resource(
        FINDINGS_URI,
        name="findings_summary",
        mime_type="application/json",
        description="Finding counts per severity and the most severe findings of "
        "the latest run of each environment (auditor role).",
    )
    async def findings_resource() -> str:
        read = lambda c: findings_summary(runtime, c)  # noqa: E731
        return as_json(await runtime.guarded(f"resource:{FINDINGS_URI}", Role.AUDITOR, read, {}))

    @server.prompt(
        name="review_user_access",
        title="Review a user's access",
        description="Gathers what an Odoo user can do and the findings about them, "
        "and asks for a review (auditor role).",
    )
    async def review_user_access(login: str, environment: str | None = None) -> list[Message]:
        def gather(_caller: Caller) -> dict[str, Any]:
            env = Environment.parse(environment) if environment else None
            return review_material(runtime, login, env)

        arguments = {"login": login, "environment": environment}
        found = await runtime.guarded("prompt:review_user_access", Role.AUDITOR, gather, arguments)
        access = found["access"]
        text = REVIEW.format(
            login=access["login"],
            name=access["name"] or "-",
            environment=access["environment"],
            run_id=access["run_id"],
            access=as_json(access),
            findings=as_json(found["findings"]) if found["findings"] else "none",
        )
        return [UserMessage(text)]
