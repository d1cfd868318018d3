"""JSON API of the sales data, every answer filtered for the caller: what their linked Odoo user
may read in Odoo (:mod:`.visibility`), with a ``visibility`` block saying whose view it is and,
when it shows nothing, why. Super admins may ask for another person's view (``?as=EMAIL``,
audited). Targets are set by admins; the rules check is for auditors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from odoobridge.auth.accounts import account_by_email
from odoobridge.auth.audit import record
from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.errors import Forbidden, NotFound
from odoobridge.sales import customers, dashboard, invoices, opportunities, targets
from odoobridge.sales.health import integration_statuses, rules_check
from odoobridge.sales.schemas import (
    AccountDetail,
    AccountPage,
    Dashboard,
    InvoicePage,
    OpportunityDetail,
    OpportunityPage,
    RulesCheck,
    Target,
    TargetIn,
    TargetList,
    VisibilityOut,
)
from odoobridge.sales.serving import MAX_LIMIT, Paging
from odoobridge.sales.visibility import Visibility, visibility_for, visibility_for_principal
from odoobridge.sync.schemas import SourceStatus
from odoobridge.web.deps import Admin, Auditor, DbSession, Viewer, get_settings, origin_of

router = APIRouter(prefix="/api", tags=["sales"])

AsEmail = Annotated[
    str | None,
    Query(alias="as", description="Super admins: show what this person sees (audited)."),
]
AsOf = Annotated[
    datetime | None, Query(description="Read the CRM as the last sync before this time left it.")
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0)]


def caller_view(
    request: Request,
    session: DbSession,
    principal: Principal,
    as_email: str | None = None,
    as_of: datetime | None = None,
) -> Visibility:
    """The caller's view, or (super admins, audited) another person's."""
    settings = get_settings(request)
    if as_email is None:
        return visibility_for_principal(session, settings, principal, as_of=as_of)
    if principal.role is not Role.SUPER_ADMIN:
        raise Forbidden("?as= shows another person's sales view: super admins only")
    account = account_by_email(session, as_email)
    if account is None:
        raise NotFound(f"there is no account {as_email.strip()}: the Admin page lists them")
    record(
        session,
        actor=principal.actor,
        action="sales_view_as",
        target=account.email,
        detail={"path": request.url.path},
        origin=origin_of(request),
    )
    return visibility_for(session, settings, account, as_of=as_of)


def _shown(vis: Visibility) -> VisibilityOut:
    return VisibilityOut.model_validate(vis.as_dict())


def _detail_view(vis: Visibility, what: str) -> None:
    if not vis.visible:
        raise NotFound(f"you see no {what}: {vis.reason}")


@router.get(
    "/sales/visibility", response_model=VisibilityOut, summary="Whose view I get, or why none"
)
def my_visibility(
    request: Request, session: DbSession, principal: Viewer, as_email: AsEmail = None
) -> VisibilityOut:
    return _shown(caller_view(request, session, principal, as_email))


@router.get("/opportunities", response_model=OpportunityPage, summary="Leads and opportunities")
def list_opportunities(
    request: Request,
    session: DbSession,
    principal: Viewer,
    search: str | None = None,
    stage_id: int | None = None,
    team_id: int | None = None,
    salesperson_id: int | None = None,
    type: Annotated[str | None, Query(pattern="^(lead|opportunity)$")] = None,
    status: Annotated[str, Query(pattern="^(open|won|lost|archived|all)$")] = "all",
    date_field: Annotated[str, Query(pattern="^(create_date|date_deadline|date_closed)$")] = (
        "create_date"
    ),
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "-write_date",
    limit: Limit = 50,
    offset: Offset = 0,
    as_of: AsOf = None,
    as_email: AsEmail = None,
) -> OpportunityPage:
    vis = caller_view(request, session, principal, as_email, as_of)
    filters = opportunities.LeadFilters(
        search=search,
        stage_id=stage_id,
        team_id=team_id,
        user_id=salesperson_id,
        type=type,
        status=status,
        date_field=date_field,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
    )
    page = opportunities.list_opportunities(session, vis, filters, Paging(limit, offset))
    return OpportunityPage.model_validate({**page, "visibility": vis.as_dict()})


@router.get("/opportunities/{lead_id}", response_model=OpportunityDetail, summary="One opportunity")
def get_opportunity(
    request: Request,
    lead_id: int,
    session: DbSession,
    principal: Viewer,
    as_of: AsOf = None,
    as_email: AsEmail = None,
) -> OpportunityDetail:
    vis = caller_view(request, session, principal, as_email, as_of)
    _detail_view(vis, "sales records")
    return OpportunityDetail.model_validate(opportunities.get_opportunity(session, vis, lead_id))


@router.get("/accounts", response_model=AccountPage, summary="Accounts (commercial partners)")
def list_accounts(
    request: Request,
    session: DbSession,
    principal: Viewer,
    search: str | None = None,
    salesperson_id: int | None = None,
    sort: str = "name",
    limit: Limit = 50,
    offset: Offset = 0,
    as_email: AsEmail = None,
) -> AccountPage:
    vis = caller_view(request, session, principal, as_email)
    filters = customers.AccountFilters(search=search, user_id=salesperson_id, sort=sort)
    page = customers.list_accounts(session, vis, filters, Paging(limit, offset))
    return AccountPage.model_validate({**page, "visibility": vis.as_dict()})


@router.get("/accounts/{partner_id}", response_model=AccountDetail, summary="One account in full")
def get_account(
    request: Request,
    partner_id: int,
    session: DbSession,
    principal: Viewer,
    as_email: AsEmail = None,
) -> AccountDetail:
    vis = caller_view(request, session, principal, as_email)
    _detail_view(vis, "sales records")
    return AccountDetail.model_validate(customers.get_account(session, vis, partner_id))


@router.get("/invoices", response_model=InvoicePage, summary="Customer invoices and credit notes")
def list_invoices(
    request: Request,
    session: DbSession,
    principal: Viewer,
    search: str | None = None,
    move_type: Annotated[str | None, Query(pattern="^(out_invoice|out_refund)$")] = None,
    payment_state: str | None = None,
    partner_id: int | None = None,
    salesperson_id: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "-invoice_date",
    limit: Limit = 50,
    offset: Offset = 0,
    as_email: AsEmail = None,
) -> InvoicePage:
    vis = caller_view(request, session, principal, as_email)
    filters = invoices.InvoiceFilters(
        search=search,
        move_type=move_type,
        payment_state=payment_state,
        partner_id=partner_id,
        user_id=salesperson_id,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
    )
    page = invoices.list_invoices(session, vis, filters, Paging(limit, offset))
    return InvoicePage.model_validate({**page, "visibility": vis.as_dict()})


@router.get("/dashboard/real", response_model=Dashboard, summary="The sales KPIs I may see")
def real_dashboard(
    request: Request,
    session: DbSession,
    principal: Viewer,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: AsOf = None,
    as_email: AsEmail = None,
) -> Dashboard:
    vis = caller_view(request, session, principal, as_email, as_of)
    figures = dashboard.dashboard(session, vis, date_from, date_to)
    return Dashboard.model_validate({**figures, "visibility": vis.as_dict()})


@router.get("/targets", response_model=TargetList, summary="Targets with their progress")
def list_targets(
    request: Request,
    session: DbSession,
    principal: Viewer,
    on: Annotated[date | None, Query(description="Only targets whose period covers this day.")] = (
        None
    ),
    as_email: AsEmail = None,
) -> TargetList:
    vis = caller_view(request, session, principal, as_email)
    items = targets.list_targets(session, vis, on=on)
    return TargetList.model_validate({"items": items, "visibility": vis.as_dict()})


@router.post("/targets", response_model=Target, status_code=201, summary="Set a target (admins)")
def set_target(request: Request, body: TargetIn, session: DbSession, principal: Admin) -> Target:
    spec = targets.TargetSpec(**body.model_dump())
    environment = get_settings(request).sales_environment.value
    made = targets.set_target(
        session, spec, environment, by=principal.actor, origin=origin_of(request)
    )
    vis = caller_view(request, session, principal)
    (shown,) = [t for t in targets.list_targets(session, vis) if t["id"] == made.id]
    return Target.model_validate(shown)


@router.delete("/targets/{target_id}", status_code=204, summary="Delete a target (admins)")
def delete_target(request: Request, target_id: int, session: DbSession, principal: Admin) -> None:
    targets.delete_target(session, target_id, by=principal.actor, origin=origin_of(request))


@router.get("/sync-status", response_model=list[SourceStatus], summary="Each integration's state")
def integration_status(request: Request, session: DbSession, _p: Viewer) -> list[SourceStatus]:
    statuses = integration_statuses(session, get_settings(request))
    return [SourceStatus.model_validate(s) for s in statuses]


@router.get(
    "/sales/rules", response_model=RulesCheck, summary="Record rules that deny (unsupported)"
)
def sales_rules(request: Request, session: DbSession, _p: Auditor) -> RulesCheck:
    return RulesCheck.model_validate(rules_check(session, get_settings(request)))
