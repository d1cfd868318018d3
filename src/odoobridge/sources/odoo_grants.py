"""Which tables and columns a login may read (``check odoo``; the reader's setup SQL is in
``odoo_setup_sql``).

Everything here reads ``pg_catalog`` and the ``has_*_privilege`` functions, which answer for the
current login without any grant, so a check can say exactly what is missing before a sync fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from odoobridge.sources.odoo_schema import Catalog, TableNeed, all_needed_tables, quote_ident

_CATALOG_SQL = """
SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped AND c.relname = ANY(%(tables)s)
"""


def read_catalog(conn: psycopg.Connection[Any]) -> Catalog:
    columns: dict[str, dict[str, str]] = {}
    with conn.cursor() as cur:
        cur.execute(_CATALOG_SQL, {"tables": list(all_needed_tables())})
        for table, column, type_name in cur.fetchall():
            columns.setdefault(table, {})[column] = type_name
    return Catalog(columns)


@dataclass
class NeedStatus:
    need: TableNeed
    exists: bool
    missing_columns: tuple[str, ...] = ()  # absent from the schema
    unreadable: tuple[str, ...] = ()  # present but not granted ("*" = the whole table)

    @property
    def ok(self) -> bool:
        return self.exists and not self.missing_columns and not self.unreadable

    def fix(self, role: str) -> str | None:
        if not self.exists or self.missing_columns or not self.unreadable:
            return None
        return self.need.grant(role, () if self.unreadable == ("*",) else self.unreadable)


@dataclass
class GrantReport:
    role: str
    superuser: bool
    database: str
    can_create_in_schema: bool
    can_create_temp: bool
    statuses: list[NeedStatus] = field(default_factory=list)

    @property
    def skipped(self) -> dict[str, str]:
        """Optional entities whose tables exist but may not be read: not synced this time (their
        facts stay as they were), with the grant that would fix it."""
        skipped: dict[str, str] = {}
        for status in self.statuses:
            if status.need.optional and status.exists and not status.ok and status.need.entity:
                fix = status.fix(self.role) or status.need.table
                skipped.setdefault(status.need.entity, f"not readable: {fix}")
        return skipped

    @property
    def absent(self) -> dict[str, str]:
        """Optional entities whose tables do not exist: read as empty."""
        absent: dict[str, str] = {}
        for s in self.statuses:
            if s.need.optional and not s.exists and s.need.entity:
                why = f" (the {s.need.module} module is not installed)" if s.need.module else ""
                absent.setdefault(s.need.entity, f"no {s.need.table} table{why}")
        return absent

    def readable(self, table: str) -> bool:
        return all(s.ok for s in self.statuses if s.need.table == table)

    def required_problems(self) -> list[NeedStatus]:
        return [s for s in self.statuses if not s.need.optional and not s.ok]

    def warnings(self) -> list[str]:
        warnings = []
        if self.superuser:
            warnings.append(
                f"{self.role} is a superuser: give OdooBridge a read-only login "
                "(odoobridge setup-sql prints one)"
            )
        if self.can_create_in_schema:
            warnings.append(
                f"{self.role} can create tables in the schema — run: "
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
            )
        if self.can_create_temp:
            warnings.append(
                f"{self.role} can create temporary tables — run: "
                f"REVOKE TEMPORARY ON DATABASE {quote_ident(self.database)} FROM PUBLIC;"
            )
        return warnings


def check_grants(
    conn: psycopg.Connection[Any], catalog: Catalog, needs: list[TableNeed]
) -> GrantReport:
    """What the current login may read of ``needs``, in one round trip."""
    probes: list[tuple[int, str]] = []  # (need index, column or "*")
    expressions: list[str] = []
    params: list[str] = []
    statuses: list[NeedStatus] = []
    for index, need in enumerate(needs):
        exists = catalog.has_table(need.table)
        missing = tuple(c for c in need.columns if exists and not catalog.has_column(need.table, c))
        statuses.append(NeedStatus(need, exists, missing))
        if not exists or missing:
            continue
        if need.columns:
            for column in need.columns:
                probes.append((index, column))
                expressions.append("has_column_privilege(%s, %s, 'SELECT')")
                params.extend([need.table, column])
        else:
            probes.append((index, "*"))
            expressions.append("has_table_privilege(%s, 'SELECT')")
            params.append(need.table)
    expressions += [
        "current_user",
        "(SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)",
        "has_schema_privilege(current_schema(), 'CREATE')",
        "has_database_privilege(current_database(), 'TEMPORARY')",
        "current_database()",
    ]
    with conn.cursor() as cur:
        cur.execute(f"SELECT {', '.join(expressions)}", params)
        row = cur.fetchone()
    assert row is not None
    *granted, role, superuser, create, temp, database = row
    unreadable: dict[int, list[str]] = {}
    for (index, column), ok in zip(probes, granted, strict=True):
        if not ok:
            unreadable.setdefault(index, []).append(column)
    for index, columns in unreadable.items():
        statuses[index].unreadable = tuple(columns)
    return GrantReport(
        role=str(role),
        superuser=bool(superuser),
        database=str(database),
        can_create_in_schema=bool(create),
        can_create_temp=bool(temp),
        statuses=statuses,
    )
