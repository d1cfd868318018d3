"""Why a store cannot be used, in one line: a read-only file or folder, a folder that cannot be
made, a URL that does not parse, a server that refuses — never a driver's traceback.

``explain(exc, url)`` turns a driver error about the store itself into :class:`StoreUnavailable`
(or ``None`` for an error that is not about the store being usable, such as SQLite's "database is
locked", which callers wait out). :func:`install` hooks it into an engine's ``handle_error``
event, so every connection and statement of the store raises the one-line error.
:func:`check_writable` proves the store takes writes (``serve`` at start, ``/readyz``) without
changing anything.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import URL, ExceptionContext

from odoobridge.errors import ConfigError
from odoobridge.redact import redact_url


class StoreUnavailable(ConfigError):
    """The store cannot be opened or written; the message says what to change."""


# SQLite's messages for a store that cannot be used (not "database is locked": that one waits).
_SQLITE_PROBLEMS = {
    "attempt to write a readonly database": "is read-only",
    "unable to open database file": "cannot be opened",
    "disk i/o error": "cannot be read or written (disk I/O error)",
    "database or disk is full": "cannot grow: the disk is full",
    "file is not a database": "is not an SQLite database",
}
# PostgreSQL: a read-only server or login, or a connection that cannot be made at all.
_PG_READ_ONLY = ("read-only transaction", "recovery is in progress")


def where(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return str(url.database or ":memory:")
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def explain(exc: BaseException, url: URL, *, connecting: bool) -> StoreUnavailable | None:
    """One line for ``exc`` (a DBAPI error of the store at ``url``), or None if it is not about
    whether the store can be used."""
    first = (redact_url(str(exc)).strip().splitlines() or [type(exc).__name__])[0]
    lowered = first.lower()
    if url.get_backend_name() == "sqlite":
        path = where(url)
        for needle, problem in _SQLITE_PROBLEMS.items():
            if needle in lowered:
                folder = Path(path).expanduser().parent
                return StoreUnavailable(
                    f"the store {path} {problem}: this user must be able to write the file and "
                    f"its folder {folder} (or point DATABASE_URL / ODOOBRIDGE_DATA_DIR elsewhere)"
                )
        return None
    if any(needle in lowered for needle in _PG_READ_ONLY):
        return StoreUnavailable(
            f"the store at {where(url)} takes no writes ({first}): point DATABASE_URL at the "
            "primary server, with a login that may write"
        )
    if "permission denied" in lowered:
        return StoreUnavailable(
            f"the store at {where(url)} refused ({first}): the login in DATABASE_URL must own "
            "the store's tables (or be granted every right on them)"
        )
    if not connecting:
        return None
    problem = first.removeprefix("connection is bad: ")
    if "invalid" in lowered and ("value" in lowered or "connection option" in lowered):
        return StoreUnavailable(f"DATABASE_URL has an invalid option: {problem}: fix it")
    return StoreUnavailable(
        f"cannot connect to the store at {where(url)}: {problem}: check DATABASE_URL and that "
        "the server runs"
    )


def install_availability(engine: Engine) -> None:
    """Raise :class:`StoreUnavailable` in place of a driver error that makes the store unusable."""

    def handle_error(context: ExceptionContext) -> None:
        if context.is_pre_ping:  # the pool reconnects by itself
            return
        problem = explain(
            context.original_exception, engine.url, connecting=context.connection is None
        )
        if problem is not None:
            raise problem from None

    event.listen(engine, "handle_error", handle_error)


def check_writable(engine: Engine) -> None:
    """Raise :class:`StoreUnavailable` unless the store takes a write (nothing is changed: the
    probe updates no row and is rolled back)."""
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_immediate=True)
        with conn.begin() as transaction:
            conn.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"))
            transaction.rollback()
