"""Answer and request shapes of the sales API (pydantic): what ``/docs`` shows."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from odoobridge.auth.roles import Role
from odoobridge.auth.schemas import AccountOut


class Ref(BaseModel):
    id: int
    name: str | None


class VisibilityOut(BaseModel):
    """Whose view this is and, when it shows nothing, why and what to do."""

    status: str = Field(
        description="visible, or why not: not_found, ambiguous, archived, "
        "unlinked, no_crm_sync, no_security_sync, unknown_user, not_a_person"
    )
    reason: str | None
    environment: str
    email: str | None
    odoo_user_id: int | None
    salesperson: str | None
    crm_run_id: int | None
    crm_synced_at: str | None
    security_run_id: int | None
    as_of_run_id: int | None


class Opportunity(BaseModel):
    id: int
    name: str | None
    type: str | None
    active: bool
    status: str = Field(description="open, won, lost (archived with probability 0) or archived")
    stage: Ref | None
    probability: float
    expected_revenue: float
    weighted_revenue: float
    date_deadline: str | None
    date_closed: str | None
    salesperson: Ref | None
    team: Ref | None
    partner: Ref | None
    company: Ref | None
    lost_reason: str | None
    tags: list[str | None]
    partner_name: str | None
    contact_name: str | None
    email_from: str | None
    phone: str | None
    priority: str | None
    create_date: str | None
    write_date: str | None


class StageStep(BaseModel):
    stage: Ref
    since: str | None
    seen_in_run: int


class Activity(BaseModel):
    id: int
    opportunity_id: int | None
    type: str | None
    summary: str | None
    date_deadline: str | None
    state: str | None = Field(description="overdue, today or planned")
    assigned_to: Ref | None


class OpportunityDetail(Opportunity):
    stage_history: list[StageStep]
    activities: list[Activity]


class OpportunityPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Opportunity]
    visibility: VisibilityOut


class Invoice(BaseModel):
    id: int
    name: str | None
    move_type: str
    state: str | None
    payment_state: str | None
    partner: Ref | None
    salesperson: Ref | None
    team: Ref | None
    company: Ref | None
    invoice_date: str | None
    invoice_date_due: str | None
    amount_untaxed_signed: float | None
    amount_total_signed: float | None
    amount_residual_signed: float | None
    currency: str | None
    overdue: bool


class InvoicePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Invoice]
    visibility: VisibilityOut


class Order(BaseModel):
    id: int
    name: str | None
    state: str | None
    salesperson: Ref | None
    opportunity_id: int | None
    date_order: str | None
    amount_untaxed: float | None
    amount_total: float | None
    currency: str | None


class Partner(BaseModel):
    id: int
    name: str | None
    complete_name: str | None
    is_company: bool
    type: str | None
    email: str | None
    phone: str | None
    city: str | None
    country: str | None
    active: bool
    salesperson: Ref | None
    company: Ref | None
    write_date: str | None


class AccountFigures(BaseModel):
    open_opportunities: int
    open_pipeline: float
    won: float
    invoiced_net: float
    receivable: float


class Account(Partner, AccountFigures):
    pass


class AccountPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[Account]
    visibility: VisibilityOut


class AccountDetail(Partner):
    contacts: list[Partner]
    opportunities: list[Opportunity]
    activities: list[Activity]
    invoices: list[Invoice]
    orders: list[Order]
    totals: AccountFigures


class Dashboard(BaseModel):
    period: dict[str, str]
    open_pipeline: dict[str, float]
    weighted_pipeline: float
    won: dict[str, float]
    lost: dict[str, float]
    win_rate: dict[str, float | None]
    average_deal_size: float | None
    average_sales_cycle_days: float | None
    forecast: list[dict[str, Any]]
    overdue_activities: int
    invoiced_revenue: dict[str, float]
    open_receivables: float
    visibility: VisibilityOut


class Target(BaseModel):
    id: int
    scope: str
    odoo_id: int
    name: str | None
    period_start: str
    period_end: str
    amount: float
    won: float
    progress: float
    updated_at: str
    updated_by: str


class TargetList(BaseModel):
    items: list[Target]
    visibility: VisibilityOut


class TargetIn(BaseModel):
    scope: str = Field(pattern="^(salesperson|team)$")
    odoo_id: int = Field(ge=1, description="The salesperson's Odoo user id, or the team's id.")
    period_start: date
    period_end: date
    amount: float = Field(gt=0)


class LinkOut(BaseModel):
    account_id: int
    environment: str
    status: str
    manual: bool
    odoo_user_id: int | None
    candidates: list[int]
    salesperson_name: str | None
    team_id: int | None
    team_name: str | None
    department_id: int | None
    department_name: str | None
    company_id: int | None
    company_name: str | None
    checked_at: str
    changed_at: str
    changed_by: str


class AdminUser(AccountOut):
    odoo_link: LinkOut | None


class ApproveIn(BaseModel):
    role: Role = Role.VIEWER


class LinkIn(BaseModel):
    odoo_user_id: int = Field(ge=1)


class RuleProblem(BaseModel):
    model: str
    rule_id: int
    name: str | None
    is_global: bool
    domain: str | None
    reason: str


class RulesCheck(BaseModel):
    environment: str
    security_run_id: int | None
    crm_run_id: int | None
    reason: str | None
    rules: list[RuleProblem]
