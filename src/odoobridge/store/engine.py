"""Engines and sessions for the local store (SQLite in WAL mode by default, or PostgreSQL)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from odoobridge.errors import ConfigError
from odoobridge.redact import redact_url
from odoobridge.store.availability import StoreUnavailable, install_availability
from odoobridge.store.migrate import upgrade

SQLITE_BUSY_MS = 30_000  # how long SQLite waits for another writer


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and ``postgresql://`` and route both through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _on_sqlite_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (see _on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.close()


def _on_sqlite_begin(conn: Any) -> None:
    # Reads inside a transaction see one snapshot. A connection flagged ``sqlite_immediate``
    # takes the write lock at once, so a long read-then-write transaction can't lose its snapshot.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the store at ``url``; SQLite files get their directory and WAL mode."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        port = parsed_port(url)
        why = f" (its port {port!r} is not a number)" if port and not port.isdigit() else ""
        raise ConfigError(
            f"DATABASE_URL {redact_url(url)!r} is not a database URL{why}: use "
            "sqlite:///path/to/file or postgresql+psycopg://user:password@host:5432/dbname"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _make_folder(Path(parsed.database).expanduser().parent)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        install_availability(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            f"DATABASE_URL uses {parsed.get_backend_name()!r}: "
            "the store runs on sqlite or postgresql"
        )
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    install_availability(engine)
    return engine


def parsed_port(url: str) -> str | None:
    """The port of ``url`` as written (SQLAlchemy's reading of host:port), if any."""
    found = re.match(r"^[\w+]+://(?:[^:/]*(?::[^@]*)?@)?(?:\[[^/?]+\]|[^/:?]+)?:([^/?]*)", url)
    return found.group(1) if found else None


def _make_folder(folder: Path) -> None:
    """The SQLite store's folder, made if missing; one line when it cannot be."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in [folder, *folder.parents] if p.is_file()), folder)
        raise StoreUnavailable(
            f"the store's folder {folder} cannot be made: {blocker} is a file, not a folder "
            "(point DATABASE_URL or ODOOBRIDGE_DATA_DIR at a folder)"
        ) from None
    except OSError as exc:
        raise StoreUnavailable(
            f"the store's folder {folder} cannot be made ({exc.strerror or exc}): create it, "
            "or point DATABASE_URL or ODOOBRIDGE_DATA_DIR at a folder this user may write"
        ) from None


@contextmanager
def write_session_on(engine: Engine, *, busy_seconds: float | None = None) -> Iterator[Session]:
    """A transaction that commits when the block ends; on SQLite it takes the write lock when it
    begins, so it never fails to upgrade a read snapshot another writer has moved past
    (``busy_seconds``: how long to wait for that lock instead of the engine's 30 s)."""
    with engine.connect() as conn:
        # set on the driver's connection: through SQLAlchemy it would begin a transaction
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if raw is not None and busy_seconds is not None:
            raw.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        try:
            conn = conn.execution_options(sqlite_immediate=True)
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                yield session
        finally:
            if raw is not None and busy_seconds is not None:
                raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")


class Store:
    """The store's engine and session factory; the boundary (command, route, run) owns commits."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            upgrade(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits when the block ends and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """Like :meth:`session`, but on SQLite the write lock is taken when the block starts."""
        with write_session_on(self.engine) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
