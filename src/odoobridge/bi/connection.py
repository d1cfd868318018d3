"""Connections to Odoo's PostgreSQL for the BI layer, and the catalog facts it decides on.

The BI layer writes into Odoo's database (its ``analytics`` schema, roles, grants), so unlike the
security sync it connects with a login that may create objects: the DSN given with ``--dsn`` or
``ODOOBRIDGE_BI_ADMIN_DSN``. Every failure becomes one :class:`BiDatabaseError` line that says
what to do, with the password never shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from pydantic import SecretStr

from odoobridge.errors import ConfigError, SourceError
from odoobridge.settings import Settings
from odoobridge.sources.odoo_db import OdooDbError, OdooDbTarget, translate_error


class BiDatabaseError(SourceError):
    """Odoo's database refused or failed a BI operation."""


class BiPermissionError(BiDatabaseError):
    status = 403


def admin_target(settings: Settings, dsn: str | None) -> OdooDbTarget:
    """The database to install into: ``--dsn`` or ``ODOOBRIDGE_BI_ADMIN_DSN``."""
    if dsn:
        return OdooDbTarget(dsn=dsn, setting="--dsn", connect_timeout=settings.odoo_connect_timeout)
    configured = settings.bi_admin_dsn
    if configured is None or not configured.get_secret_value().strip():
        raise ConfigError(
            "give --dsn postgresql://user:password@host:5432/odoo (a login that may create a "
            "schema in Odoo's database, e.g. its owner) or set ODOOBRIDGE_BI_ADMIN_DSN"
        )
    return OdooDbTarget(
        dsn=configured.get_secret_value(),
        setting="ODOOBRIDGE_BI_ADMIN_DSN",
        connect_timeout=settings.odoo_connect_timeout,
    )


def read_target(settings: Settings) -> OdooDbTarget:
    """The database the charts page reads from: ``ODOOBRIDGE_BI_READ_DSN``."""
    configured: SecretStr | None = settings.bi_read_dsn
    if configured is None or not configured.get_secret_value().strip():
        raise ConfigError(
            "ODOOBRIDGE_BI_READ_DSN is not set: point it at Odoo's database with the read-only "
            "login made by `odoobridge bi grant` (postgresql://superset_readonly:pw@host/odoo)"
        )
    return OdooDbTarget(
        dsn=configured.get_secret_value(),
        setting="ODOOBRIDGE_BI_READ_DSN",
        connect_timeout=settings.odoo_connect_timeout,
        statement_timeout=settings.bi_statement_timeout,
    )


def _conninfo(target: OdooDbTarget) -> dict[str, Any]:
    url = target.url
    info: dict[str, Any] = {
        "host": url.host or "localhost",
        "port": url.port or 5432,
        "dbname": url.database,
        "connect_timeout": target.connect_timeout,
        "application_name": "odoobridge-bi",
    }
    if url.username:
        info["user"] = url.username
    if url.password:
        info["password"] = url.password
    for key, value in url.query.items():
        info[key] = value if isinstance(value, str) else value[-1]
    return info


def translate(exc: BaseException, target: OdooDbTarget) -> BiDatabaseError:
    """One line for what went wrong and what to do (no password, no traceback)."""
    orig = getattr(exc, "orig", None) or exc
    user = target.url.username or "the login"
    if isinstance(orig, pg_errors.InsufficientPrivilege):
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else "permission denied"
        return BiPermissionError(
            f"{target.where}: {first} — {user} may not do this; use a login that owns Odoo's "
            f"database (or a superuser) in {target.setting}"
        )
    if isinstance(orig, pg_errors.DependentObjectsStillExist):
        detail = getattr(getattr(orig, "diag", None), "message_detail", None) or ""
        return BiDatabaseError(
            f"{target.where}: other objects depend on the analytics views "
            f"({' '.join(detail.split())}): drop or move them first"
        )
    translated: OdooDbError = translate_error(orig, target)
    return BiDatabaseError(translated.message.replace("run the sync again", "try again"))


@contextmanager
def connect(target: OdooDbTarget, *, autocommit: bool = False) -> Iterator[psycopg.Connection[Any]]:
    """A connection in UTC; unless ``autocommit``, one transaction committed when the block ends
    and rolled back on any error (so a failed install changes nothing)."""
    try:
        conn = psycopg.connect(**_conninfo(target), autocommit=autocommit)
    except psycopg.Error as exc:
        raise translate(exc, target) from None
    try:
        conn.execute("SET TIME ZONE 'UTC'")
        yield conn
        if not autocommit:
            conn.commit()
    except psycopg.Error as exc:
        _rollback(conn)
        raise translate(exc, target) from None
    except BaseException:
        _rollback(conn)
        raise
    finally:
        conn.close()


def _rollback(conn: psycopg.Connection[Any]) -> None:
    with suppress(psycopg.Error):  # a connection that is gone was rolled back by the server
        conn.rollback()


@dataclass
class OdooCatalog:
    """Which tables and columns Odoo's ``public`` schema has, and which modules are installed."""

    columns: dict[str, set[str]] = field(default_factory=dict)
    modules: set[str] | None = None  # None: ir_module_module could not be read

    def missing(self, requires: dict[str, tuple[str, ...]]) -> list[str]:
        gaps: list[str] = []
        for table, wanted in requires.items():
            have = self.columns.get(table)
            if have is None:
                gaps.append(f"no table {table}")
                continue
            absent = [c for c in wanted if c not in have]
            if absent:
                gaps.append(f"no column {table}.{', '.join(absent)}")
        return gaps

    def absent_modules(self, modules: tuple[str, ...]) -> list[str]:
        if self.modules is None:
            return []
        return [m for m in modules if m not in self.modules]


def read_odoo_catalog(conn: psycopg.Connection[Any]) -> OdooCatalog:
    rows = conn.execute(
        """
        SELECT c.relname, a.attname
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND a.attnum > 0 AND NOT a.attisdropped
        """
    ).fetchall()
    catalog = OdooCatalog()
    for table, column in rows:
        catalog.columns.setdefault(table, set()).add(column)
    if "res_company" not in catalog.columns:
        raise BiDatabaseError(
            "this database has no res_company table in schema public: is it Odoo's database? "
            "Check the database name in the DSN"
        )
    if {"name", "state"} <= catalog.columns.get("ir_module_module", set()):
        installed = conn.execute(
            "SELECT name FROM public.ir_module_module WHERE state IN ('installed', 'to upgrade')"
        ).fetchall()
        catalog.modules = {name for (name,) in installed}
    return catalog


def companies(conn: psycopg.Connection[Any]) -> list[tuple[int, str]]:
    return [
        (int(cid), str(name))
        for cid, name in conn.execute("SELECT id, name FROM public.res_company ORDER BY id")
    ]
