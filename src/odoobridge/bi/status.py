"""``bi status``: what is installed in Odoo's database against what this package ships."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from odoobridge.bi import records
from odoobridge.bi.connection import read_odoo_catalog
from odoobridge.bi.install import MATERIALIZED, POLICIES, unavailable
from odoobridge.bi.specs import SCHEMA, view_specs


@dataclass
class ObjectStatus:
    name: str
    kind: str  # view, matview
    state: str  # current, outdated, missing, not installed, skipped
    installed_version: int | None = None
    shipped_version: int | None = None
    refreshed_at: str | None = None
    rows: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class BiStatus:
    database: str
    installed: bool
    materialized: bool = False
    objects: list[ObjectStatus] = field(default_factory=list)
    grants: list[str] = field(default_factory=list)
    policies_prefix: str | None = None
    company_roles: list[str] = field(default_factory=list)
    access_published_at: str | None = None

    @property
    def up_to_date(self) -> bool:
        return self.installed and all(o.state in ("current", "skipped") for o in self.objects)

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "schema": SCHEMA,
            "installed": self.installed,
            "up_to_date": self.up_to_date,
            "materialized": self.materialized,
            "objects": [o.as_dict() for o in self.objects],
            "grants": self.grants,
            "native_rls": {"prefix": self.policies_prefix, "roles": self.company_roles}
            if self.policies_prefix
            else None,
            "access_published_at": self.access_published_at,
        }


def bi_status(conn: psycopg.Connection[Any], database: str) -> BiStatus:
    known = records.load(conn)
    status = BiStatus(database=database, installed=bool(known))
    catalog = read_odoo_catalog(conn)
    setting = known.get(MATERIALIZED)
    status.materialized = bool(setting and setting.detail.get("on"))
    for spec in view_specs():
        reason = unavailable(spec, catalog)
        kinds = [("view", spec.name)]
        if status.materialized:
            kinds.append(("matview", spec.materialized_name))
        for kind, name in kinds:
            record = known.get((kind, name))
            item = ObjectStatus(name=name, kind=kind, state="", shipped_version=spec.version)
            present = records.relation_kind(conn, name) if status.installed else None
            if record is None:
                item.state = "skipped" if reason else "not installed"
                item.reason = reason
            elif present is None:
                item.state = "missing"
                item.reason = reason or "dropped outside OdooBridge: run `odoobridge bi install`"
            else:
                item.installed_version = record.version
                item.state = "current" if record.checksum == spec.checksum else "outdated"
                if kind == "matview":
                    item.refreshed_at = (record.refreshed_at or record.installed_at).isoformat()  # type: ignore[union-attr]
                    item.rows = _rows(conn, name)
            status.objects.append(item)
    status.grants = [r.name for r in records.of_kind(known, "grant")]
    policies = known.get(POLICIES)
    if policies is not None:
        status.policies_prefix = str(policies.detail.get("prefix"))
        status.company_roles = [r.name for r in records.of_kind(known, "company_role")]
    published = known.get(("access_table", "user_company_access"))
    if published is not None and published.refreshed_at is not None:
        status.access_published_at = published.refreshed_at.isoformat()
    return status


def _rows(conn: psycopg.Connection[Any], name: str) -> int:
    """Exact row count of a materialized view (they hold aggregates: small)."""
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(records.qualified(name)))
    return int(row.fetchone()[0])  # type: ignore[index]
