"""Alembic environment: runs on the engine handed over by :mod:`odoobridge.store.migrate`
(or on ``DATABASE_URL`` when the alembic command line is used for autogenerate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from odoobridge.store.models import metadata

config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    from odoobridge.settings import get_settings
    from odoobridge.store.engine import make_engine

    return make_engine(get_settings().store_url)


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
