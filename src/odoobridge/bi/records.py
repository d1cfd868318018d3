"""What OdooBridge made in Odoo's database, recorded in ``analytics.odoobridge_install``.

One row per object (``kind``, ``name``): the schema (and whether we created it), the label
functions, each view and materialized view with the checksum of the SQL it was built from, the
roles given read access, the company roles and tables of native row-level security. Install
compares checksums to upgrade in place and to do nothing when nothing changed; uninstall removes
exactly the recorded objects and puts back what it changed. The table itself is one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from odoobridge.bi.specs import SCHEMA

TABLE = "odoobridge_install"
LOCK_KEY = 0x0DB0B1  # pg_advisory_xact_lock: one BI change at a time per database


@dataclass
class Record:
    kind: str
    name: str
    version: int | None = None
    checksum: str | None = None
    installed_at: datetime | None = None
    refreshed_at: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def qualified(name: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(SCHEMA), sql.Identifier(name))


def lock(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))


def schema_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (SCHEMA,)).fetchone()
    return row is not None


def relation_kind(conn: psycopg.Connection[Any], name: str) -> str | None:
    """``v`` view, ``m`` materialized view, ``r`` table … or None when absent."""
    row = conn.execute(
        "SELECT c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s",
        (SCHEMA, name),
    ).fetchone()
    return str(row[0]) if row else None


def table_exists(conn: psycopg.Connection[Any]) -> bool:
    return relation_kind(conn, TABLE) == "r"


def create_table(conn: psycopg.Connection[Any]) -> None:
    conn.execute(
        sql.SQL(
            """
            CREATE TABLE {} (
                kind text NOT NULL,
                name text NOT NULL,
                version integer,
                checksum text,
                installed_at timestamptz NOT NULL DEFAULT now(),
                refreshed_at timestamptz,
                detail jsonb NOT NULL DEFAULT '{{}}'::jsonb,
                PRIMARY KEY (kind, name)
            )
            """
        ).format(qualified(TABLE))
    )
    conn.execute(
        sql.SQL("COMMENT ON TABLE {} IS {}").format(
            qualified(TABLE),
            sql.Literal("What OdooBridge installed in this database (odoobridge bi status)."),
        )
    )


def load(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], Record]:
    """Every record, or nothing when OdooBridge never installed here."""
    if not schema_exists(conn) or not table_exists(conn):
        return {}
    rows = conn.execute(
        sql.SQL(
            "SELECT kind, name, version, checksum, installed_at, refreshed_at, detail FROM {}"
        ).format(qualified(TABLE))
    ).fetchall()
    return {(r[0], r[1]): Record(r[0], r[1], r[2], r[3], r[4], r[5], dict(r[6])) for r in rows}


def save(conn: psycopg.Connection[Any], record: Record) -> None:
    conn.execute(
        sql.SQL(
            """
            INSERT INTO {} (kind, name, version, checksum, refreshed_at, detail)
            VALUES (%s, %s, %s, %s, %s, %s)
            ON CONFLICT (kind, name) DO UPDATE SET
                version = EXCLUDED.version, checksum = EXCLUDED.checksum,
                installed_at = now(), refreshed_at = EXCLUDED.refreshed_at,
                detail = EXCLUDED.detail
            """
        ).format(qualified(TABLE)),
        (
            record.kind,
            record.name,
            record.version,
            record.checksum,
            record.refreshed_at,
            Jsonb(record.detail),
        ),
    )


def mark_refreshed(conn: psycopg.Connection[Any], kind: str, name: str) -> None:
    conn.execute(
        sql.SQL("UPDATE {} SET refreshed_at = now() WHERE kind = %s AND name = %s").format(
            qualified(TABLE)
        ),
        (kind, name),
    )


def delete(conn: psycopg.Connection[Any], kind: str, name: str) -> None:
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE kind = %s AND name = %s").format(qualified(TABLE)),
        (kind, name),
    )


def of_kind(records: dict[tuple[str, str], Record], kind: str) -> list[Record]:
    return sorted((r for (k, _), r in records.items() if k == kind), key=lambda r: r.name)
