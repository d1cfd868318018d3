"""Alembic environment: runs on the engine handed over by :mod:`odoobridge.store.migrate`
(or on ``DATABASE_URL`` when the alembic command line is used for autogenerate), or on a
connection inside its caller's transaction (``migrate_within``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from odoobridge.store.models import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from odoobridge.settings import get_settings
    from odoobridge.store.engine import make_engine

    return make_engine(get_settings().store_url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:  # inside the caller's transaction (a restore): the caller commits
        _run(given)
        return
    engine = _engine()
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


run_migrations_online()
