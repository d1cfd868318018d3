"""Read Odoo's security model from its PostgreSQL database, read-only.

Every connection is opened with ``default_transaction_read_only=on``, a statement timeout, a
connect timeout and ``TimeZone=UTC``; the whole read is one ``REPEATABLE READ READ ONLY``
transaction, so all entities come from one snapshot and even a superuser DSN cannot write.
Rows stream through server-side cursors in batches.

Errors (all :class:`odoobridge.errors.SourceError`)::

    OdooDbError
    ├── OdooDbConnectError      unreachable host, timeout, login refused, unknown database
    ├── OdooDbPermissionError   missing grants; the message holds the GRANT statements that fix it
    ├── OdooDbSchemaError       not an Odoo database, or a table/column we need is missing
    └── OdooDbQueryError        statement timeout, connection lost mid-read
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.pool import NullPool

from odoobridge.errors import ConfigError, SourceError
from odoobridge.redact import redact_url
from odoobridge.sources.odoo_grants import GrantReport, check_grants, read_catalog
from odoobridge.sources.odoo_records import ENTITIES
from odoobridge.sources.odoo_schema import SchemaAdapter, choose_adapter


class OdooDbError(SourceError):
    pass


class OdooDbConnectError(OdooDbError):
    pass


class OdooDbPermissionError(OdooDbError):
    pass


class OdooDbSchemaError(OdooDbError):
    pass


class OdooDbQueryError(OdooDbError):
    pass


@dataclass(frozen=True)
class OdooDbTarget:
    """Where and how to connect, with the name of the setting the DSN came from (for messages)."""

    dsn: str
    setting: str = "the DSN"
    lang: str = "en_US"
    connect_timeout: int = 10
    statement_timeout: int = 300
    batch_size: int = 10_000

    @property
    def url(self) -> URL:
        try:
            url = make_url(_with_psycopg(self.dsn))
        except (ArgumentError, ValueError):  # ValueError: a port that is not a number
            raise ConfigError(
                f"{self.setting} is not a PostgreSQL URL: use "
                "postgresql+psycopg://user:password@host:5432/dbname?sslmode=require"
            ) from None
        if url.get_backend_name() != "postgresql":
            raise ConfigError(
                f"{self.setting} must point at PostgreSQL (postgresql+psycopg://…), "
                f"not {url.get_backend_name()}"
            )
        if not url.database:
            raise ConfigError(f"{self.setting} names no database: add /dbname after host:port")
        return url

    @property
    def where(self) -> str:
        url = self.url
        return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def _with_psycopg(dsn: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if dsn.startswith(prefix):
            return "postgresql+psycopg://" + dsn[len(prefix) :]
    return dsn


def read_only_engine(target: OdooDbTarget) -> Engine:
    """An engine whose every session is read-only, time-limited and in UTC."""
    url = target.url
    options = " ".join(
        filter(
            None,
            [
                str(url.query.get("options", "")),
                "-c default_transaction_read_only=on",
                f"-c statement_timeout={target.statement_timeout * 1000}",
                f"-c idle_in_transaction_session_timeout={(target.statement_timeout + 60) * 1000}",
                "-c TimeZone=UTC",
            ],
        )
    )
    connect_args: dict[str, Any] = {
        "connect_timeout": target.connect_timeout,
        "options": options,
        "application_name": "odoobridge",
    }
    return create_engine(url, poolclass=NullPool, connect_args=connect_args)


@dataclass
class SourceInfo:
    """What a security source is: shown in run stats and ``check odoo``."""

    source: str
    database: str
    odoo_version: str | None
    major: int | None
    adapter: str
    entities: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # not read: facts carried forward
    absent: dict[str, str] = field(default_factory=dict)  # module not installed: read as empty
    details: dict[str, Any] = field(default_factory=dict)  # the source's own (API: retries …)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "database": self.database,
            "odoo_version": self.odoo_version,
            "major": self.major,
            "adapter": self.adapter,
            "skipped": self.skipped,
            "absent": self.absent,
            **self.details,
        }


def parse_major(version: str | None) -> int | None:
    """``18.0.1.3`` → 18, ``saas~17.2.1.0`` → 17."""
    match = re.search(r"(\d+)\.\d", version or "")
    return int(match.group(1)) if match else None


class OdooDbReader:
    """One read-only, one-snapshot session on an Odoo database.

    ``with OdooDbReader(target) as reader:`` connects, detects the schema generation, checks the
    grants, and then ``reader.batches("groups")`` streams each entity's rows as tuples.
    """

    def __init__(self, target: OdooDbTarget, *, check_only: bool = False) -> None:
        self.target = target
        self.check_only = check_only  # report missing grants instead of raising (``check odoo``)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self.adapter: SchemaAdapter | None = None
        self.grants: GrantReport | None = None
        self.info: SourceInfo | None = None
        self._queries: dict[str, str] = {}

    def __enter__(self) -> OdooDbReader:
        try:
            self._open()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                driver = conn.connection.driver_connection
                if isinstance(driver, psycopg.Connection) and (driver.broken or driver.closed):
                    # Known dead (the server ended it): without this the pool would roll it
                    # back on return and log that failure with a traceback of its own.
                    conn.invalidate()
                else:
                    conn.rollback()
                conn.close()
            except (DBAPIError, psycopg.Error):
                pass  # the connection is already gone; nothing was written through it
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @property
    def driver(self) -> psycopg.Connection[Any]:
        assert self._conn is not None, "use OdooDbReader as a context manager"
        driver = self._conn.connection.driver_connection
        assert isinstance(driver, psycopg.Connection)
        return driver

    def _open(self) -> None:
        self._engine = read_only_engine(self.target)
        try:
            conn = self._engine.connect()
        except DBAPIError as exc:
            raise translate_error(exc, self.target) from None
        self._conn = conn.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with self.translating():
            catalog = read_catalog(self.driver)
            if not catalog.has_table("res_groups") or not catalog.has_table("res_users"):
                raise OdooDbSchemaError(
                    f"{self.target.where} has no res_groups/res_users tables in its schema: is "
                    f"it an Odoo database? Check the database name in {self.target.setting}"
                )
            self.adapter = choose_adapter(catalog, self.target.lang)
            self.grants = check_grants(self.driver, catalog, self.adapter.needs())
            if not self.check_only:
                raise_for_problems(self.grants, self.target)
            version = self._base_version() if self.grants.readable("ir_module_module") else None
            self._queries = self.adapter.queries()
            skipped = self.grants.skipped
            self.info = SourceInfo(
                source="postgres",
                database=self.target.where,
                odoo_version=version,
                major=parse_major(version),
                adapter=f"{self.adapter.name} ({self.adapter.generations})",
                entities=[spec.name for spec in ENTITIES if spec.name not in skipped],
                skipped=skipped,
                absent=self.grants.absent,
            )

    def _base_version(self) -> str | None:
        with self.driver.cursor() as cur:
            cur.execute("SELECT latest_version FROM ir_module_module WHERE name = 'base'")
            row = cur.fetchone()
        return str(row[0]) if row and row[0] else None

    def batches(self, entity: str) -> Iterator[list[tuple[Any, ...]]]:
        """Stream ``entity``'s rows in batches through a server-side cursor (nothing when this
        Odoo has no such table, e.g. privileges before 19 or employees without hr)."""
        sql = self._queries.get(entity)
        if sql is None:
            return
        with self.translating(), self.driver.cursor(name=f"odoobridge_{entity}") as cur:
            cur.itersize = self.target.batch_size
            cur.execute(sql, {"lang": self.target.lang}, binary=True)
            while rows := cur.fetchmany(self.target.batch_size):
                yield rows

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one read-only statement in the session (used by checks and tests)."""
        with self.translating(), self.driver.cursor() as cur:
            cur.execute(sql, params or {})
            return cur.fetchall() if cur.description else []

    def translating(self) -> _Translating:
        return _Translating(self.target)


class _Translating:
    """Context manager mapping psycopg/SQLAlchemy errors to :class:`OdooDbError`."""

    def __init__(self, target: OdooDbTarget, *, check_only: bool = False) -> None:
        self.target = target
        self.check_only = check_only  # report missing grants instead of raising (``check odoo``)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and isinstance(exc, DBAPIError | psycopg.Error):
            raise translate_error(exc, self.target) from None


_PERMISSION = re.compile(r"permission denied for (?:table|relation|view) (\w+)")
_MISSING_TABLE = re.compile(r'relation "([\w.]+)" does not exist')
_MISSING_COLUMN = re.compile(r'column "?([\w.]+)"? does not exist')


def raise_for_problems(grants: GrantReport, target: OdooDbTarget) -> None:
    """Stop before reading when a needed table or column is absent or may not be read, saying
    which GRANT fixes it."""
    problems = grants.required_problems()
    absent = [s for s in problems if not s.exists or s.missing_columns]
    if absent:
        parts = [
            s.need.table if not s.exists else f"{s.need.table}.{'/'.join(s.missing_columns)}"
            for s in absent
        ]
        raise OdooDbSchemaError(
            f"{target.where} lacks {', '.join(parts)}: is this a supported Odoo database "
            "(16, 17, 18 or 19; 15 and older with en_US)?"
        )
    if problems:
        first = problems[0]
        table = first.need.table
        fixes = " ".join(f for s in problems if (f := s.fix(grants.role)))
        raise OdooDbPermissionError(f"permission denied for table {table} — run: {fixes}")


def translate_error(exc: BaseException, target: OdooDbTarget) -> OdooDbError:
    """One clear, secret-free sentence for what went wrong and what to do."""
    orig: BaseException = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
    text = redact_url(str(orig)).strip()
    first_line = text.splitlines()[0] if text else type(orig).__name__
    where, setting = target.where, target.setting
    user = target.url.username or "the login"
    if isinstance(orig, pg_errors.InsufficientPrivilege):
        match = _PERMISSION.search(text)
        table = match.group(1) if match else "the table"
        return OdooDbPermissionError(
            f"permission denied for table {table} — run: GRANT SELECT ON {table} TO {user}"
        )
    if isinstance(orig, pg_errors.UndefinedTable):
        match = _MISSING_TABLE.search(text)
        return OdooDbSchemaError(
            f"table {match.group(1) if match else '?'} is missing in {where}: "
            "is the Odoo module that owns it installed?"
        )
    if isinstance(orig, pg_errors.UndefinedColumn):
        match = _MISSING_COLUMN.search(text)
        return OdooDbSchemaError(
            f"column {match.group(1) if match else '?'} is missing in {where}: "
            "this Odoo version is not supported yet"
        )
    if isinstance(orig, pg_errors.QueryCanceled):
        return OdooDbQueryError(
            f"a query on {where} ran longer than ODOOBRIDGE_ODOO_STATEMENT_TIMEOUT="
            f"{target.statement_timeout}s: raise it or sync when the server is less busy"
        )
    if isinstance(orig, pg_errors.ReadOnlySqlTransaction):
        return OdooDbQueryError(f"refused a write on {where}: OdooBridge only reads Odoo")
    lowered = text.lower()
    if "password authentication failed" in lowered or (
        "role" in lowered and "does not exist" in lowered
    ):
        return OdooDbConnectError(
            f"{where} refused the login for {user}: check the user and password in {setting}"
        )
    if re.search(r'database "[^"]+" does not exist', text):
        return OdooDbConnectError(
            f"database {target.url.database} does not exist on {where}: check {setting}"
        )
    if "timeout expired" in lowered:
        return OdooDbConnectError(
            f"no answer from {where} within {target.connect_timeout}s: check the host in "
            f"{setting}, the firewall and any VPN or tunnel"
        )
    if "connection refused" in lowered:
        return OdooDbConnectError(
            f"{where} refused the connection: check host and port in {setting} and that "
            "PostgreSQL listens there"
        )
    if re.search(r"invalid \w+ value|invalid connection option|invalid integer value", lowered):
        problem = first_line.removeprefix("connection is bad: ")
        return OdooDbConnectError(f"{setting} has an invalid option: {problem}: fix it there")
    if "resolve host" in lowered or "could not translate host name" in lowered:
        return OdooDbConnectError(f"unknown host in {setting} ({where}): check the host name")
    if isinstance(orig, pg_errors.AdminShutdown | pg_errors.OperationalError) or (
        "terminat" in lowered or "server closed the connection" in lowered
    ):
        return OdooDbQueryError(
            f"the connection to {where} was lost during the read ({first_line}); nothing was "
            "changed in the store: run the sync again"
        )
    if "ssl" in lowered:
        return OdooDbConnectError(
            f"TLS with {where} failed: {first_line} (check sslmode in {setting})"
        )
    return OdooDbError(f"Odoo database {where}: {first_line}")
