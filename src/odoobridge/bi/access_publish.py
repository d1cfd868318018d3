"""Publish the store's ``user_company_access`` to ``analytics.user_company_access`` in Odoo's
database, for the ``lookup`` RLS form (the seed's subquery), which reads it at query time.

The copy is replaced whole in one transaction (readers see the old rows until it commits) and
recorded, so ``bi uninstall`` drops it. Roles given read access by ``bi grant`` may read it: the
subquery runs as the querying login.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from odoobridge.bi import records
from odoobridge.bi.grants import regrant
from odoobridge.bi.models import UserCompanyAccess
from odoobridge.bi.records import Record, qualified
from odoobridge.bi.specs import SCHEMA
from odoobridge.errors import ConfigError, NotFound

TABLE = "user_company_access"


def publish(conn: psycopg.Connection[Any], rows: list[UserCompanyAccess]) -> int:
    """Replace the published copy with ``rows``; returns how many were written."""
    records.lock(conn)
    known = records.load(conn)
    if not known:
        raise NotFound("nothing is installed here yet: run `odoobridge bi install` first")
    if ("access_table", TABLE) not in known:
        if records.relation_kind(conn, TABLE) is not None:
            raise ConfigError(f"{SCHEMA}.{TABLE} exists but OdooBridge did not create it")
        conn.execute(
            sql.SQL(
                """
                CREATE TABLE {} (
                    user_email text NOT NULL,
                    company_id integer NOT NULL,
                    access_level text NOT NULL CHECK (access_level IN ('full', 'read', 'none')),
                    PRIMARY KEY (user_email, company_id)
                )
                """
            ).format(qualified(TABLE))
        )
        conn.execute(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(
                qualified(TABLE),
                sql.Literal(
                    "Who may see which company (published by odoobridge bi access publish)."
                ),
            )
        )
        records.save(conn, Record("access_table", TABLE))
        regrant(conn, known)
    conn.execute(sql.SQL("DELETE FROM {}").format(qualified(TABLE)))
    with conn.cursor() as cur:
        copy_sql = sql.SQL("COPY {} (user_email, company_id, access_level) FROM STDIN")
        with cur.copy(copy_sql.format(qualified(TABLE))) as copy:
            for row in rows:
                copy.write_row((row.user_email, row.company_id, row.access_level))
    records.mark_refreshed(conn, "access_table", TABLE)
    return len(rows)


def unpublish(conn: psycopg.Connection[Any], known: dict[tuple[str, str], Record]) -> list[str]:
    if ("access_table", TABLE) not in known:
        return []
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(qualified(TABLE)))
    records.delete(conn, "access_table", TABLE)
    return [TABLE]
