"""The store: engines, migrations on both engines, retention."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text, update

from odoobridge.access.analysis.state import fact_rows, read_state
from odoobridge.access.sync import sync_odoo
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store, make_engine
from odoobridge.store.migrate import alembic_config, current_revisions, head_revisions, is_current
from odoobridge.store.retention import prune, temporal_tables
from odoobridge.sync.models import SyncRun
from tests import pg


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'store.sqlite'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "nested" / "dir" / "store.sqlite").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "is not a database URL"),
        ("mysql+pymysql://u:Pw-123456@h/db", "uses 'mysql'"),
    ],
)
def test_bad_store_url(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        make_engine(url)
    assert "Pw-123456" not in str(caught.value)


def test_migrations_reach_every_head_and_go_back(store_url: str) -> None:
    Store(store_url).dispose()  # opening a store migrates it
    engine = make_engine(store_url)
    assert current_revisions(engine) == head_revisions()
    assert is_current(engine)
    tables = set(inspect(engine).get_table_names())
    assert {"sync_runs", "odoo_groups", "odoo_memberships", "alembic_version"} <= tables
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert not is_current(engine)
    Store(store_url).dispose()  # opening the store upgrades it again
    assert is_current(engine)
    engine.dispose()


def test_every_fact_table_is_temporal() -> None:
    names = {t.name for t in temporal_tables()}
    assert {"odoo_groups", "odoo_users", "odoo_memberships", "odoo_acls", "odoo_rules"} <= names
    assert "sync_runs" not in names


def test_prune_keeps_every_state_still_readable(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    old = sync_odoo(store, settings, Environment.PREPROD)
    odoo18.execute("DELETE FROM res_groups_users_rel WHERE uid = 6 AND gid = 7")
    middle = sync_odoo(store, settings, Environment.PREPROD)
    odoo18.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (7, 6)")
    latest = sync_odoo(store, settings, Environment.PREPROD)
    with store.session() as session:
        expected = read_state(session, Environment.PREPROD, latest.id)
        for run_id, days in ((old.id, 400), (middle.id, 399)):
            session.execute(
                update(SyncRun)
                .where(SyncRun.id == run_id)
                .values(started_at=utcnow() - timedelta(days=days))
            )
    with store.session() as session:
        before = fact_rows(session)
        result = prune(session, keep_days=365)
    assert result["runs"] == 2
    # The version of demo's membership in group 7 that ended with the middle run is gone; the one
    # alive at the latest run stays.
    assert result["facts"] == 1
    with store.session() as session:
        assert fact_rows(session) == before - 1
        assert read_state(session, Environment.PREPROD, latest.id) == expected
        assert session.get(SyncRun, old.id) is None
        # Nothing to do the second time.
        assert prune(session, keep_days=365) == {"runs": 0, "facts": 0}


def test_prune_never_drops_the_latest_run(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    only = sync_odoo(store, settings, Environment.PREPROD)
    with store.session() as session:
        session.execute(update(SyncRun).values(started_at=utcnow() - timedelta(days=1000)))
    with store.session() as session:
        assert prune(session, keep_days=1) == {"runs": 0, "facts": 0}
        assert len(read_state(session, Environment.PREPROD, only.id)["groups"]) == 68
