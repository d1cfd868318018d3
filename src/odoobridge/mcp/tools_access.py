"""Tools that answer access questions from the store (:mod:`odoobridge.access`): what a user can
do, who can do X on a model, what a group grants, findings, what changed between runs, a user's
timeline. The auditor role, as the REST routes under ``/api/analysis`` need."""

from __future__ import annotations

from typing import Any

from odoobridge.access.analysis.answers import group_grants, user_access, who_can_answer
from odoobridge.access.analysis.effective import index_for
from odoobridge.access.analysis.history import diff_runs, timeline_answer
from odoobridge.access.findings.listing import findings_answer
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.mcp.args import (
    DiffRunsArgs,
    FindingsArgs,
    GroupGrantsArgs,
    UserAccessArgs,
    UserTimelineArgs,
    WhoCanArgs,
)
from odoobridge.mcp.runtime import Caller, McpRuntime, ToolSpec


def _env(runtime: McpRuntime, environment: Environment | None) -> Environment:
    return environment or runtime.settings.odoo_environment


def _who_can(runtime: McpRuntime, _c: Caller, a: WhoCanArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        index = index_for(session, _env(runtime, a.environment), a.run_id)
        return who_can_answer(
            index,
            a.model,
            a.operation,
            include_inactive=a.include_inactive,
            offset=a.offset,
            limit=a.limit,
        )


def _user_access(runtime: McpRuntime, _c: Caller, a: UserAccessArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        index = index_for(session, _env(runtime, a.environment), a.run_id)
        return user_access(index, a.login).as_dict()


def _group_grants(runtime: McpRuntime, _c: Caller, a: GroupGrantsArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        index = index_for(session, _env(runtime, a.environment), a.run_id)
        return group_grants(index, a.group).as_dict()


def _findings(runtime: McpRuntime, _c: Caller, a: FindingsArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        return findings_answer(
            session,
            runtime.settings,
            _env(runtime, a.environment),
            a.run_id,
            severity=a.severity,
            kind=a.kind,
        )


def _diff_runs(runtime: McpRuntime, _c: Caller, a: DiffRunsArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        return diff_runs(session, _env(runtime, a.environment), a.from_run, a.to_run).as_dict()


def _user_timeline(runtime: McpRuntime, _c: Caller, a: UserTimelineArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        return timeline_answer(session, _env(runtime, a.environment), user_id=a.user_id)


def _auditor(name: str, description: str, args: type[Any], run: Any) -> ToolSpec:
    return ToolSpec(name, description, args, Role.AUDITOR, None, None, run)


TOOLS = [
    _auditor(
        "who_can",
        "Who may read, write, create or unlink records of an Odoo model, in "
        "login order, each with the chain of groups and access rights that grants it.",
        WhoCanArgs,
        _who_can,
    ),
    _auditor(
        "user_access",
        "Everything one Odoo user can do: groups (own or implied), rights "
        "per model with the path behind each, record rules, level per application.",
        UserAccessArgs,
        _user_access,
    ),
    _auditor(
        "group_grants",
        "What an Odoo group grants, directly and through the groups it "
        "implies (access rights, record rules), and who holds it.",
        GroupGrantsArgs,
        _group_grants,
    ),
    _auditor(
        "findings",
        "Findings of a sync run, most severe first: segregation-of-duties "
        "conflicts, admins, leavers, drift between environments … each with its evidence "
        "and a suggested fix; counts per severity.",
        FindingsArgs,
        _findings,
    ),
    _auditor(
        "diff_runs",
        "Every access fact that differs between two sync runs: memberships "
        "granted or revoked, groups renamed, access rights and record rules changed.",
        DiffRunsArgs,
        _diff_runs,
    ),
    _auditor(
        "user_timeline",
        "How one Odoo user's account and group memberships changed, run by run.",
        UserTimelineArgs,
        _user_timeline,
    ),
]
