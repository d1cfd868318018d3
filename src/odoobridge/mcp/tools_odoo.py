"""Tools that read Odoo's business records through the gateway's searches
(:mod:`odoobridge.gateway.search`): the ``gateway:read`` scope, the gateway's read limit."""

from __future__ import annotations

from typing import Any

from odoobridge.auth.roles import Role
from odoobridge.gateway import schemas as gs
from odoobridge.gateway import search
from odoobridge.mcp.args import PartnerHistoryArgs
from odoobridge.mcp.runtime import Caller, McpRuntime, ToolSpec

PAGING = " Pages with limit/offset; count is the number of matches in all."


def _search(name: str, description: str, args: type[gs.Paged], find: Any) -> ToolSpec:
    def run(runtime: McpRuntime, _caller: Caller, criteria: Any) -> dict[str, Any]:
        answer: dict[str, Any] = find(runtime.odoo(), criteria)
        return answer

    return ToolSpec(name, description + PAGING, args, Role.VIEWER, "gateway:read", "read", run)


def _partner_history(runtime: McpRuntime, _caller: Caller, a: PartnerHistoryArgs) -> Any:
    return search.partner_history(runtime.odoo(), a.partner_id, a.limit)


TOOLS = [
    _search(
        "search_partners",
        "Search Odoo contacts and companies by part of the name or "
        "e-mail, the whole e-mail, phone, website host or is_company.",
        gs.PartnerSearch,
        search.search_partners,
    ),
    _search(
        "search_leads",
        "Search Odoo CRM leads and opportunities by partner, e-mail, part "
        "of the title or stage name.",
        gs.LeadSearch,
        search.search_leads,
    ),
    _search(
        "search_projects",
        "Search Odoo projects by partner or part of the name.",
        gs.ProjectSearch,
        search.search_projects,
    ),
    _search(
        "search_tasks",
        "Search Odoo project tasks by project, partner or part of the name.",
        gs.TaskSearch,
        search.search_tasks,
    ),
    _search(
        "search_activities",
        "Search scheduled activities (mail.activity): on a partner "
        "(and its contacts, leads and tasks), or on one record (res_model + res_id).",
        gs.ActivitySearch,
        search.search_activities,
    ),
    _search(
        "search_calendar",
        "Search Odoo calendar events by attendee partners or part of the name.",
        gs.CalendarSearch,
        search.search_calendar,
    ),
    ToolSpec(
        "partner_history",
        "One Odoo partner with what hangs on it or its contacts: leads, projects, tasks, "
        "activities and calendar events (up to limit each, oldest first; counts says how many).",
        PartnerHistoryArgs,
        Role.VIEWER,
        "gateway:read",
        "read",
        _partner_history,
    ),
]
