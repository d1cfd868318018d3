"""Alembic, driven from code: the store upgrades itself on start and via ``odoobridge db upgrade``.

Each domain may own a branch of migrations rooted at the foundation revision, so the store's target
is every head (``heads``), not a single one.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def is_current(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions()


def upgrade(engine: Engine) -> list[str]:
    """Apply every pending migration; returns the revisions now current."""
    if not is_current(engine):
        command.upgrade(alembic_config(engine), "heads")
    return sorted(current_revisions(engine))


def migrate_within(connection: Connection, *targets: str, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) to ``targets`` on ``connection``, inside the
    caller's transaction: nothing is committed here (a restore builds its schema this way)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    for target in targets:
        (command.downgrade if down else command.upgrade)(config, target)
