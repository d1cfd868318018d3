"""Temporal fact tables for Odoo's security model, one per entity of
:data:`odoobridge.sources.odoo_records.ENTITIES` and with the same column names.

Every table carries ``environment`` (PREPROD/PROD), ``first_seen_run_id`` and
``last_seen_run_id`` (see :class:`odoobridge.store.base.TemporalFact`).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Boolean, Index, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from odoobridge.store.base import Base, TemporalFact, UTCDateTime


def _indexes(table: str, *key: str) -> tuple[Index, ...]:
    """One index per table: a fact's versions by environment and key (unique per first run).
    It serves look-ups by key; whole-state reads scan the table, which an index on the run
    columns would not beat (most rows are alive), and every extra index slows the first sync."""
    return (Index(f"uq_{table}_version", "environment", *key, "first_seen_run_id", unique=True),)


class OdooCompany(TemporalFact, Base):
    __tablename__ = "odoo_companies"
    __table_args__ = _indexes(__tablename__, "odoo_id")
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class OdooCategory(TemporalFact, Base):
    __tablename__ = "odoo_categories"
    __table_args__ = _indexes(__tablename__, "odoo_id")
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    parent_id: Mapped[int | None] = mapped_column(Integer)


class OdooPrivilege(TemporalFact, Base):
    __tablename__ = "odoo_privileges"
    __table_args__ = _indexes(__tablename__, "odoo_id")
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    category_id: Mapped[int | None] = mapped_column(Integer)


class OdooGroup(TemporalFact, Base):
    __tablename__ = "odoo_groups"
    __table_args__ = _indexes(__tablename__, "odoo_id")
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    category_id: Mapped[int | None] = mapped_column(Integer)
    privilege_id: Mapped[int | None] = mapped_column(Integer)
    share: Mapped[bool] = mapped_column(Boolean, nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)


class OdooUser(TemporalFact, Base):
    __tablename__ = "odoo_users"
    __table_args__ = _indexes(__tablename__, "odoo_id")
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    login: Mapped[str] = mapped_column(String, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    share: Mapped[bool] = mapped_column(Boolean, nullable=False)
    partner_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String)
    company_id: Mapped[int | None] = mapped_column(Integer)
    create_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    write_date: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OdooLogin(TemporalFact, Base):
    __tablename__ = "odoo_logins"
    __table_args__ = _indexes(__tablename__, "user_id")
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    last_login: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class OdooUserCompany(TemporalFact, Base):
    __tablename__ = "odoo_user_companies"
    __table_args__ = _indexes(__tablename__, "user_id", "company_id")
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    company_id: Mapped[int] = mapped_column(Integer, nullable=False)


class OdooMembership(TemporalFact, Base):
    __tablename__ = "odoo_memberships"
    __table_args__ = _indexes(__tablename__, "user_id", "group_id")
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    group_id: Mapped[int] = mapped_column(Integer, nullable=False)


class OdooImplication(TemporalFact, Base):
    __tablename__ = "odoo_implications"
    __table_args__ = _indexes(__tablename__, "group_id", "implied_group_id")
    group_id: Mapped[int] = mapped_column(Integer, nullable=False)
    implied_group_id: Mapped[int] = mapped_column(Integer, nullable=False)


class OdooAcl(TemporalFact, Base):
    __tablename__ = "odoo_acls"
    __table_args__ = (
        *_indexes(__tablename__, "odoo_id"),
        Index("ix_odoo_acls_model", "environment", "model"),
    )
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)
    model: Mapped[str] = mapped_column(String, nullable=False)
    model_name: Mapped[str | None] = mapped_column(String)
    group_id: Mapped[int | None] = mapped_column(Integer)
    perm_read: Mapped[bool] = mapped_column(Boolean, nullable=False)
    perm_write: Mapped[bool] = mapped_column(Boolean, nullable=False)
    perm_create: Mapped[bool] = mapped_column(Boolean, nullable=False)
    perm_unlink: Mapped[bool] = mapped_column(Boolean, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class OdooRule(TemporalFact, Base):
    __tablename__ = "odoo_rules"
    __table_args__ = (
        *_indexes(__tablename__, "odoo_id"),
        Index("ix_odoo_rules_model", "environment", "model"),
    )
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String)
    model: Mapped[str] = mapped_column(String, nullable=False)
    domain: Mapped[str | None] = mapped_column(Text)
    perm_read: Mapped[bool] = mapped_column(Boolean, nullable=False)
    perm_write: Mapped[bool] = mapped_column(Boolean, nullable=False)
    perm_create: Mapped[bool] = mapped_column(Boolean, nullable=False)
    perm_unlink: Mapped[bool] = mapped_column(Boolean, nullable=False)
    is_global: Mapped[bool] = mapped_column(Boolean, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class OdooRuleGroup(TemporalFact, Base):
    __tablename__ = "odoo_rule_groups"
    __table_args__ = _indexes(__tablename__, "rule_id", "group_id")
    rule_id: Mapped[int] = mapped_column(Integer, nullable=False)
    group_id: Mapped[int] = mapped_column(Integer, nullable=False)


class OdooEmployee(TemporalFact, Base):
    __tablename__ = "odoo_employees"
    __table_args__ = _indexes(__tablename__, "odoo_id")
    odoo_id: Mapped[int] = mapped_column(Integer, nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String)
    department_id: Mapped[int | None] = mapped_column(Integer)
    department_name: Mapped[str | None] = mapped_column(String)
    job_title: Mapped[str | None] = mapped_column(String)
    manager_id: Mapped[int | None] = mapped_column(Integer)
    work_email: Mapped[str | None] = mapped_column(String)
    company_id: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)


class OdooXmlId(TemporalFact, Base):
    __tablename__ = "odoo_xml_ids"
    __table_args__ = _indexes(__tablename__, "model", "res_id")
    model: Mapped[str] = mapped_column(String, nullable=False)
    res_id: Mapped[int] = mapped_column(Integer, nullable=False)
    module: Mapped[str] = mapped_column(String, nullable=False)
    name: Mapped[str] = mapped_column(String, nullable=False)


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


FACT_TABLES: dict[str, Table] = {
    "companies": _table(OdooCompany),
    "categories": _table(OdooCategory),
    "privileges": _table(OdooPrivilege),
    "groups": _table(OdooGroup),
    "users": _table(OdooUser),
    "logins": _table(OdooLogin),
    "user_companies": _table(OdooUserCompany),
    "memberships": _table(OdooMembership),
    "implications": _table(OdooImplication),
    "acls": _table(OdooAcl),
    "rules": _table(OdooRule),
    "rule_groups": _table(OdooRuleGroup),
    "employees": _table(OdooEmployee),
    "xml_ids": _table(OdooXmlId),
}
