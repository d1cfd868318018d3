"""Tools over the sales data for the person the API key belongs to (:mod:`odoobridge.sales`):
their pipeline and one account in full — each record filtered by their Odoo user's own access
rights and record rules, exactly as ``/api/opportunities`` and ``/api/accounts/{id}`` answer that
person. A key made from the command line belongs to nobody and sees nothing (the answer says why).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from odoobridge.auth.roles import Role
from odoobridge.errors import NotFound
from odoobridge.gateway.schemas import Payload, RecordId
from odoobridge.mcp.runtime import Caller, McpRuntime, ToolSpec
from odoobridge.sales import customers, opportunities
from odoobridge.sales.serving import MAX_LIMIT, Paging
from odoobridge.sales.visibility import visibility_for_principal


class PipelineArgs(Payload):
    status: Literal["open", "won", "lost", "archived", "all"] = Field(
        "open", description="Which opportunities: open (default), won, lost, archived or all."
    )
    search: Annotated[str, Field(max_length=200)] | None = Field(
        None, description="Part of the name, the account or the e-mail."
    )
    stage_id: RecordId | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 50
    offset: Annotated[int, Field(ge=0)] = 0


class AccountArgs(Payload):
    partner_id: RecordId = Field(description="The account's (commercial partner's) Odoo id.")


def _my_pipeline(runtime: McpRuntime, caller: Caller, a: PipelineArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        vis = visibility_for_principal(session, runtime.settings, caller.principal)
        filters = opportunities.LeadFilters(
            search=a.search, stage_id=a.stage_id, type="opportunity", status=a.status
        )
        page = opportunities.list_opportunities(session, vis, filters, Paging(a.limit, a.offset))
        return {**page, "visibility": vis.as_dict()}


def _account_overview(runtime: McpRuntime, caller: Caller, a: AccountArgs) -> dict[str, Any]:
    with runtime.store.session() as session:
        vis = visibility_for_principal(session, runtime.settings, caller.principal)
        if not vis.visible:
            raise NotFound(f"you see no sales records: {vis.reason}")
        return customers.get_account(session, vis, a.partner_id)


TOOLS = [
    ToolSpec(
        "my_pipeline",
        "The opportunities of the person this API key belongs to, as their Odoo user may see "
        "them (Odoo's own access rights and record rules): stage, expected revenue, "
        "probability, salesperson, next activity; newest change first, paged.",
        PipelineArgs,
        Role.VIEWER,
        None,
        None,  # the sales routes have no rate limit of their own
        _my_pipeline,
    ),
    ToolSpec(
        "account_overview",
        "One account (commercial partner) in full for the key's person: contacts, "
        "opportunities open/won/lost, invoices with payment state, activities and totals — "
        "only what their Odoo user may read.",
        AccountArgs,
        Role.VIEWER,
        None,
        None,
        _account_overview,
    ),
]
