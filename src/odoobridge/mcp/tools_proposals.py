"""Tools that propose writes to Odoo and manage the proposals (:mod:`odoobridge.gateway.proposals`):
a proposal is checked and stored, never sent to Odoo — a person (or a second key with
``gateway:execute``) reviews and executes it through the app. No tool here executes.

Proposing needs ``gateway:propose`` and counts against the propose limit, as the REST routes do;
listing and reading need ``gateway:read``; cancelling needs ``gateway:propose``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from odoobridge.auth.roles import Role
from odoobridge.gateway import drafts as gd
from odoobridge.gateway import proposals as gp
from odoobridge.gateway import schemas as gs
from odoobridge.mcp.args import ProposalRef, ProposalsArgs
from odoobridge.mcp.runtime import Caller, McpRuntime, ToolSpec
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooRpcClient

Drafter = Callable[[OdooRpcClient, Settings, Any], gp.Draft]
CONFIRM = (
    " Nothing is written to Odoo: the answer gives the proposal id, its summary and review_url, "
    'where a person reviews it and executes it (POST confirm_url with {"confirmed": true}); '
    "tell the user to do so."
)


def proposal_links(caller: Caller, proposal: dict[str, Any]) -> dict[str, Any]:
    """What an agent tells its user: the proposal, and where a person confirms it."""
    pid = proposal["proposal_id"]
    return {
        "proposal_id": pid,
        "summary": proposal["summary"],
        "status": proposal["status"],
        "expires_at": proposal["expires_at"],
        "review_url": f"{caller.base_url}/odoo/proposals/{pid}",
        "confirm_url": f"{caller.base_url}/odoo/execute/{pid}",
        "operations": proposal["operations"],
    }


def _propose(name: str, description: str, args: type[gs.Payload], draft: Drafter) -> ToolSpec:
    def run(runtime: McpRuntime, caller: Caller, payload: Any) -> dict[str, Any]:
        made = draft(runtime.odoo(), runtime.settings, payload)
        stored = gp.save_proposal(
            runtime.store,
            runtime.settings,
            made,
            actor=caller.principal.actor,
            origin=caller.origin,
        )
        return proposal_links(caller, stored)

    return ToolSpec(
        name,
        description + CONFIRM,
        args,
        Role.VIEWER,
        "gateway:propose",
        "propose",
        run,
        read_only=False,
    )


def _list(runtime: McpRuntime, _caller: Caller, a: ProposalsArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        return gp.list_proposals(session, status=a.status, limit=a.limit, offset=a.offset)


def _get(runtime: McpRuntime, caller: Caller, a: ProposalRef) -> dict[str, Any]:
    with runtime.store.session() as session:
        proposal = gp.get_proposal(session, a.proposal_id).as_dict()
    return {**proposal, **proposal_links(caller, proposal)}


def _cancel(runtime: McpRuntime, caller: Caller, a: ProposalRef) -> dict[str, Any]:
    return gp.cancel_as(runtime.store, a.proposal_id, caller.principal, caller.origin)


TOOLS = [
    _propose(
        "propose_partner",
        "Propose creating an Odoo partner (contact or company), or with partner_id updating one.",
        gs.PartnerProposal,
        gd.draft_partner,
    ),
    _propose("propose_lead", "Propose creating a CRM opportunity.", gs.LeadProposal, gd.draft_lead),
    _propose(
        "propose_project", "Propose creating a project.", gs.ProjectProposal, gd.draft_project
    ),
    _propose(
        "propose_tasks",
        "Propose creating tasks in an existing project.",
        gs.TasksProposal,
        gd.draft_tasks,
    ),
    _propose(
        "propose_activity",
        "Propose scheduling an activity (a call, a to-do …) on a "
        "partner, lead, project, task or event.",
        gs.ActivityProposal,
        gd.draft_activity,
    ),
    _propose(
        "propose_calendar_event",
        "Propose a calendar event with attendee partners.",
        gs.CalendarEventProposal,
        gd.draft_calendar_event,
    ),
    ToolSpec(
        "list_proposals",
        "Proposals, newest first: pending ones unless status says otherwise.",
        ProposalsArgs,
        Role.VIEWER,
        "gateway:read",
        "read",
        _list,
    ),
    ToolSpec(
        "get_proposal",
        "One proposal: its operations, status and, once run, its results.",
        ProposalRef,
        Role.VIEWER,
        "gateway:read",
        "read",
        _get,
    ),
    ToolSpec(
        "cancel_proposal",
        "Cancel a pending proposal this key made.",
        ProposalRef,
        Role.VIEWER,
        "gateway:propose",
        "propose",
        _cancel,
        read_only=False,
    ),
]
