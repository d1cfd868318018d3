"""Native PostgreSQL row-level security per company, for BI logins without Superset's RLS.

PostgreSQL cannot put policies on a materialized view (``ALTER … ENABLE ROW LEVEL SECURITY`` is
refused for them), so each ``analytics.mv_x`` gets a companion table ``analytics.rls_x`` with the
same columns, refreshed from it in the same transaction as the view (``bi refresh``). Each
companion has row-level security on and one policy per company::

    CREATE POLICY company_1 ON analytics.rls_sales_kpi_day FOR SELECT TO bi_company_1
        USING (company_id = 1)

and each company gets a NOLOGIN role ``<prefix><company id>`` that may read the companions. A DBA
lets a login see companies A and B with ``GRANT bi_company_A, bi_company_B TO login``; a login
in no company role sees no rows. Roles created here are dropped again by ``bi rls disable`` and
``bi uninstall``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from odoobridge.bi import records
from odoobridge.bi.connection import BiPermissionError, companies
from odoobridge.bi.records import Record, qualified
from odoobridge.bi.specs import SCHEMA
from odoobridge.errors import ConfigError, NotFound

SETTING = ("setting", "policies")
DEFAULT_PREFIX = "bi_company_"
_PREFIX = re.compile(r"^[a-z_][a-z0-9_]{0,50}$")


def policy_table(matview: str) -> str:
    return "rls_" + matview.removeprefix("mv_")


@dataclass
class PolicyReport:
    prefix: str
    roles: dict[int, str] = field(default_factory=dict)
    created_roles: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)
    rebuilt: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "prefix": self.prefix,
            "roles": {str(k): v for k, v in self.roles.items()},
            "created_roles": self.created_roles,
            "tables": self.tables,
            "rebuilt": self.rebuilt,
        }


def enable_policies(conn: psycopg.Connection[Any], prefix: str = DEFAULT_PREFIX) -> PolicyReport:
    if not _PREFIX.match(prefix):
        raise ConfigError(
            f"role prefix {prefix!r} is not allowed: lower-case letters, digits and _ "
            "(e.g. bi_company_)"
        )
    records.lock(conn)
    known = records.load(conn)
    if not records.of_kind(known, "matview"):
        raise NotFound(
            "native row-level security works on the materialized views: run "
            "`odoobridge bi install --materialized` first"
        )
    setting = known.get(SETTING)
    if setting is not None and setting.detail.get("prefix") != prefix:
        raise ConfigError(
            f"native row-level security is on with role prefix {setting.detail.get('prefix')}: "
            "run `odoobridge bi rls disable` first to change it"
        )
    if setting is None:
        records.save(conn, Record(*SETTING, detail={"prefix": prefix}))
    return ensure_policies(conn, records.load(conn), prefix)


def ensure_policies(
    conn: psycopg.Connection[Any], known: dict[tuple[str, str], Record], prefix: str
) -> PolicyReport:
    """Company roles for every company, a companion table for every materialized view."""
    report = PolicyReport(prefix=prefix)
    for company_id, _name in companies(conn):
        role = f"{prefix}{company_id}"
        report.roles[company_id] = role
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if exists is None:
            try:
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
            except pg_errors.InsufficientPrivilege:
                raise BiPermissionError(
                    f"this login may not create role {role} (it needs CREATEROLE)"
                ) from None
            report.created_roles.append(role)
        if ("company_role", role) not in known:
            detail = {"created": exists is None, "company_id": company_id}
            records.save(conn, Record("company_role", role, detail=detail))
        conn.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(SCHEMA), sql.Identifier(role)
            )
        )
    for matview in records.of_kind(known, "matview"):
        table = policy_table(matview.name)
        report.tables.append(table)
        record = known.get(("rls_table", table))
        if record is None or record.checksum != matview.checksum:
            _build_table(conn, matview, table, record is not None)
            report.rebuilt.append(table)
        for company_id, role in report.roles.items():
            _ensure_policy(conn, table, company_id, role)
    return report


def _build_table(conn: psycopg.Connection[Any], matview: Record, table: str, ours: bool) -> None:
    kind = records.relation_kind(conn, table)
    if kind is not None:
        if not ours:
            raise ConfigError(f"{SCHEMA}.{table} exists but OdooBridge did not create it")
        conn.execute(sql.SQL("DROP TABLE {}").format(qualified(table)))
    conn.execute(
        sql.SQL("CREATE TABLE {} (LIKE {})").format(qualified(table), qualified(matview.name))
    )
    conn.execute(
        sql.SQL("INSERT INTO {} SELECT * FROM {}").format(qualified(table), qualified(matview.name))
    )
    conn.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(qualified(table)))
    conn.execute(
        sql.SQL("COMMENT ON TABLE {} IS {}").format(
            qualified(table),
            sql.Literal(
                f"{matview.name} with row-level security: each company role sees its company's "
                "rows. Refreshed with it by odoobridge bi refresh."
            ),
        )
    )
    records.save(
        conn,
        Record("rls_table", table, matview.version, matview.checksum, detail={"of": matview.name}),
    )


def _ensure_policy(conn: psycopg.Connection[Any], table: str, company_id: int, role: str) -> None:
    name = f"company_{company_id}"
    exists = conn.execute(
        "SELECT 1 FROM pg_policies WHERE schemaname = %s AND tablename = %s AND policyname = %s",
        (SCHEMA, table, name),
    ).fetchone()
    if exists is None:
        conn.execute(
            sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING (company_id = {})").format(
                sql.Identifier(name),
                qualified(table),
                sql.Identifier(role),
                sql.Literal(company_id),
            )
        )
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(qualified(table), sql.Identifier(role)))


def copy_into_policy_table(conn: psycopg.Connection[Any], matview: str) -> bool:
    """After a refresh: make ``rls_x`` equal ``mv_x`` (same transaction). False when none."""
    table = policy_table(matview)
    row = conn.execute(
        sql.SQL("SELECT 1 FROM {} WHERE kind = 'rls_table' AND name = %s").format(
            qualified(records.TABLE)
        ),
        (table,),
    ).fetchone()
    if row is None:
        return False
    conn.execute(sql.SQL("DELETE FROM {}").format(qualified(table)))
    conn.execute(
        sql.SQL("INSERT INTO {} SELECT * FROM {}").format(qualified(table), qualified(matview))
    )
    records.mark_refreshed(conn, "rls_table", table)
    return True


def drop_policy_table(conn: psycopg.Connection[Any], matview: str) -> None:
    table = policy_table(matview)
    known = records.load(conn)
    if ("rls_table", table) in known:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(table)))
        records.delete(conn, "rls_table", table)


def disable_policies(
    conn: psycopg.Connection[Any], known: dict[tuple[str, str], Record], kept: dict[str, str]
) -> list[str]:
    """Drop the companion tables and the company roles created here (``bi rls disable``)."""
    removed: list[str] = []
    for record in records.of_kind(known, "rls_table"):
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(record.name)))
        records.delete(conn, "rls_table", record.name)
        removed.append(record.name)
    for record in records.of_kind(known, "company_role"):
        role = sql.Identifier(record.name)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (record.name,))
        if exists.fetchone() is not None:
            conn.execute(
                sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(SCHEMA), role)
            )
            if record.detail.get("created"):
                conn.execute("SAVEPOINT drop_company_role")
                try:
                    conn.execute(sql.SQL("DROP ROLE {}").format(role))
                    conn.execute("RELEASE SAVEPOINT drop_company_role")
                    removed.append(f"role {record.name}")
                except pg_errors.DependentObjectsStillExist:
                    conn.execute("ROLLBACK TO SAVEPOINT drop_company_role")
                    kept[record.name] = "the role still has rights in another database"
        records.delete(conn, "company_role", record.name)
    if SETTING in known:
        records.delete(conn, *SETTING)
    return removed
