"""Tables of the sales domain.

Serving copies of Odoo's CRM, one temporal fact table per entity (``environment``,
``first_seen_run_id``, ``last_seen_run_id`` as :class:`odoobridge.store.base.TemporalFact`): the
state at any CRM sync run is a query, so "the pipeline as it was last Monday" and a lead's stage
history need no extra bookkeeping. Keys are Odoo's ids (``odoo_id``); many2one fields keep the
id only (names come from the referenced table, so a rename never rewrites the referencing rows).

Two tables are state a person sets, not facts: ``sales_links`` (an account's Odoo user, matched
by e-mail or set by a super admin) and ``sales_targets`` (revenue targets per salesperson or team
and period). Both are audited through the audit log.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, TemporalFact, UTCDateTime, utcnow


def _version(table: str, *key: str) -> Index:
    """A fact's versions by environment and key (unique per first run)."""
    return Index(f"uq_{table}_version", "environment", *key, "first_seen_run_id", unique=True)


def _by(table: str, column: str) -> Index:
    return Index(f"ix_{table}_{column}", "environment", column)


def _alive_by(table: str, column: str) -> Index:
    """The alive rows in ``column`` order: a page of the current state reads a few rows."""
    alive = text("last_seen_run_id IS NULL")
    return Index(
        f"ix_{table}_alive_{column}",
        "environment",
        column,
        "odoo_id",
        postgresql_where=alive,
        sqlite_where=alive,
    )


class SalesCompany(TemporalFact, Base):
    __tablename__ = "sales_companies"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    parent_id: Mapped[int | None] = mapped_column(Integer)


class SalesUser(TemporalFact, Base):
    """``res.users``: salespeople (and every other user, for linking)."""

    __tablename__ = "sales_users"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    login: Mapped[str | None] = mapped_column(String)
    name: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    share: Mapped[bool] = mapped_column(Boolean, nullable=False)
    company_id: Mapped[int | None] = mapped_column(Integer)
    partner_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SalesUserCompany(TemporalFact, Base):
    """``res.users.company_ids``: the companies a user may work in."""

    __tablename__ = "sales_user_companies"
    __table_args__ = (_version(__tablename__, "user_id", "company_id"),)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    company_id: Mapped[int] = mapped_column(Integer, nullable=False)


class SalesTeam(TemporalFact, Base):
    __tablename__ = "sales_teams"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    leader_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class SalesTeamMember(TemporalFact, Base):
    __tablename__ = "sales_team_members"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    team_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class SalesStage(TemporalFact, Base):
    __tablename__ = "sales_stages"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    sequence: Mapped[int | None] = mapped_column(Integer)
    is_won: Mapped[bool] = mapped_column(Boolean, nullable=False)
    fold: Mapped[bool] = mapped_column(Boolean, nullable=False)
    team_id: Mapped[int | None] = mapped_column(Integer)


class SalesLostReason(TemporalFact, Base):
    __tablename__ = "sales_lost_reasons"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class SalesTag(TemporalFact, Base):
    __tablename__ = "sales_tags"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)


class SalesPartner(TemporalFact, Base):
    """``res.partner``: accounts (commercial partners) and their contacts."""

    __tablename__ = "sales_partners"
    __table_args__ = (
        _version(__tablename__, "odoo_id"),
        _by(__tablename__, "commercial_partner_id"),
        _alive_by(__tablename__, "name"),
    )
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    complete_name: Mapped[str | None] = mapped_column(String)
    is_company: Mapped[bool] = mapped_column(Boolean, nullable=False)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    commercial_partner_id: Mapped[int | None] = mapped_column(Integer)
    type: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)
    phone: Mapped[str | None] = mapped_column(String)
    city: Mapped[str | None] = mapped_column(String)
    country: Mapped[str | None] = mapped_column(String)
    company_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    partner_share: Mapped[bool] = mapped_column(Boolean, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SalesLead(TemporalFact, Base):
    """``crm.lead``: leads and opportunities, archived and lost ones too."""

    __tablename__ = "sales_leads"
    __table_args__ = (
        _version(__tablename__, "odoo_id"),
        _by(__tablename__, "user_id"),
        _by(__tablename__, "partner_id"),
        _alive_by(__tablename__, "write_date"),
    )
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    type: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    stage_id: Mapped[int | None] = mapped_column(Integer)
    probability: Mapped[float | None] = mapped_column(Float)
    expected_revenue: Mapped[float | None] = mapped_column(Float)
    prorated_revenue: Mapped[float | None] = mapped_column(Float)
    date_deadline: Mapped[date | None] = mapped_column(Date)
    date_closed: Mapped[datetime | None] = mapped_column(UTCDateTime())
    date_last_stage_update: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    partner_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    lost_reason_id: Mapped[int | None] = mapped_column(Integer)
    tag_ids: Mapped[str | None] = mapped_column(String)  # "3,7": sorted ids
    email_from: Mapped[str | None] = mapped_column(String)
    phone: Mapped[str | None] = mapped_column(String)
    partner_name: Mapped[str | None] = mapped_column(String)
    contact_name: Mapped[str | None] = mapped_column(String)
    priority: Mapped[str | None] = mapped_column(String(8))
    create_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SalesActivity(TemporalFact, Base):
    """``mail.activity`` on leads (open ones: Odoo deletes or archives an activity when done)."""

    __tablename__ = "sales_activities"
    __table_args__ = (_version(__tablename__, "odoo_id"), _by(__tablename__, "lead_id"))
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    lead_id: Mapped[int | None] = mapped_column(Integer)
    activity_type: Mapped[str | None] = mapped_column(String)
    summary: Mapped[str | None] = mapped_column(String)
    date_deadline: Mapped[date | None] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(Integer)
    create_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SalesInvoice(TemporalFact, Base):
    """``account.move``: posted customer invoices and credit notes, amounts signed (a credit note
    is negative) in the company's currency."""

    __tablename__ = "sales_invoices"
    __table_args__ = (
        _version(__tablename__, "odoo_id"),
        _by(__tablename__, "commercial_partner_id"),
        _by(__tablename__, "invoice_user_id"),
        _alive_by(__tablename__, "invoice_date"),
    )
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    move_type: Mapped[str] = mapped_column(String(16), nullable=False)
    state: Mapped[str | None] = mapped_column(String(16))
    payment_state: Mapped[str | None] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(Integer)
    commercial_partner_id: Mapped[int | None] = mapped_column(Integer)
    invoice_user_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    invoice_date: Mapped[date | None] = mapped_column(Date)
    invoice_date_due: Mapped[date | None] = mapped_column(Date)
    amount_untaxed_signed: Mapped[float | None] = mapped_column(Float)
    amount_total_signed: Mapped[float | None] = mapped_column(Float)
    amount_residual_signed: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(8))
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SalesOrder(TemporalFact, Base):
    """``sale.order`` (when the Sales app is installed)."""

    __tablename__ = "sales_orders"
    __table_args__ = (_version(__tablename__, "odoo_id"), _by(__tablename__, "partner_id"))
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    state: Mapped[str | None] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    opportunity_id: Mapped[int | None] = mapped_column(Integer)
    date_order: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amount_untaxed: Mapped[float | None] = mapped_column(Float)
    amount_total: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(8))
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SalesDepartment(TemporalFact, Base):
    __tablename__ = "sales_departments"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    complete_name: Mapped[str | None] = mapped_column(String)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    manager_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class SalesEmployee(TemporalFact, Base):
    """``hr.employee``: only what links a user to a department."""

    __tablename__ = "sales_employees"
    __table_args__ = (_version(__tablename__, "odoo_id"),)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    user_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    company_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class LinkStatus:
    MATCHED = "matched"  # one active Odoo user has this e-mail (or a super admin chose one)
    NOT_FOUND = "not_found"  # no Odoo user has it
    AMBIGUOUS = "ambiguous"  # several do: no access until a super admin picks one
    ARCHIVED = "archived"  # the Odoo user was archived: access is gone
    UNLINKED = "unlinked"  # a super admin removed the link: matching leaves it alone

    ALL = (MATCHED, NOT_FOUND, AMBIGUOUS, ARCHIVED, UNLINKED)


class SalesLink(Base):
    """Which Odoo user an OdooBridge account is, with what Odoo says about that user."""

    __tablename__ = "sales_links"
    __table_args__ = (UniqueConstraint("account_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    environment: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    odoo_user_id: Mapped[int | None] = mapped_column(Integer)
    candidates: Mapped[list[int]] = mapped_column(JSON, nullable=False, default=list)
    salesperson_name: Mapped[str | None] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(Integer)
    team_name: Mapped[str | None] = mapped_column(String(200))
    department_id: Mapped[int | None] = mapped_column(Integer)
    department_name: Mapped[str | None] = mapped_column(String(200))
    company_id: Mapped[int | None] = mapped_column(Integer)
    company_name: Mapped[str | None] = mapped_column(String(200))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(200), nullable=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "environment": self.environment,
            "status": self.status,
            "manual": self.manual,
            "odoo_user_id": self.odoo_user_id,
            "candidates": list(self.candidates),
            "salesperson_name": self.salesperson_name,
            "team_id": self.team_id,
            "team_name": self.team_name,
            "department_id": self.department_id,
            "department_name": self.department_name,
            "company_id": self.company_id,
            "company_name": self.company_name,
            "checked_at": self.checked_at.isoformat(),
            "changed_at": self.changed_at.isoformat(),
            "changed_by": self.changed_by,
        }


class TargetScope:
    SALESPERSON = "salesperson"
    TEAM = "team"

    ALL = (SALESPERSON, TEAM)


class SalesTarget(Base):
    """A revenue target for one salesperson or team over one period (dates inclusive)."""

    __tablename__ = "sales_targets"
    __table_args__ = (
        UniqueConstraint("environment", "scope", "odoo_id", "period_start", "period_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    environment: Mapped[str] = mapped_column(String(16), nullable=False)
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    period_start: Mapped[date] = mapped_column(Date, nullable=False)
    period_end: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200), nullable=False)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


FACT_TABLES: dict[str, Table] = {
    "companies": _table(SalesCompany),
    "users": _table(SalesUser),
    "user_companies": _table(SalesUserCompany),
    "teams": _table(SalesTeam),
    "team_members": _table(SalesTeamMember),
    "stages": _table(SalesStage),
    "lost_reasons": _table(SalesLostReason),
    "tags": _table(SalesTag),
    "partners": _table(SalesPartner),
    "leads": _table(SalesLead),
    "activities": _table(SalesActivity),
    "invoices": _table(SalesInvoice),
    "orders": _table(SalesOrder),
    "departments": _table(SalesDepartment),
    "employees": _table(SalesEmployee),
}
