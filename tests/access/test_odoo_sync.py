"""The odoo_postgres sync into the store (SQLite and PostgreSQL) from the real fixtures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from odoobridge.access.analysis.state import fact_rows, read_state
from odoobridge.access.sync import SYNC_TYPE, sync_odoo
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.odoo_db import OdooDbQueryError, OdooDbReader, OdooDbTarget
from odoobridge.sources.odoo_records import ENTITIES, ENTITY_BY_NAME
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import ProgressState
from tests import facts, pg

PREPROD = Environment.PREPROD


def live_state(dsn: str) -> dict[str, list[Any]]:
    """What the Odoo database holds right now, read directly (for comparison with the store)."""
    with OdooDbReader(OdooDbTarget(dsn=dsn)) as reader:
        assert reader.info is not None
        state = {
            spec.name: sorted(
                spec.record(*row) for batch in reader.batches(spec.name) for row in batch
            )
            for spec in ENTITIES
            if spec.name in reader.info.entities
        }
    return {name: rows for name, rows in state.items() if rows}


def stored(store: Store, run_id: int, environment: Environment = PREPROD) -> dict[str, list[Any]]:
    with store.session() as session:
        state = read_state(session, environment, run_id)
    return {name: sorted(rows) for name, rows in state.items() if rows}


def counts(store: Store) -> int:
    with store.session() as session:
        return fact_rows(session)


def test_first_sync_stores_the_fixture(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    run = sync_odoo(store, settings, PREPROD)
    assert run.status == RunStatus.SUCCESS
    assert run.sync_type == SYNC_TYPE and run.environment == "PREPROD"
    assert run.completed_at is not None and run.error is None
    for entity, count in facts.COUNTS[18].items():
        assert run.stats[entity] == {"count": count, "added": count, "changed": 0, "removed": 0}
    assert run.stats["odoo"]["major"] == 18
    assert run.stats["odoo"]["source"] == "postgres"
    assert stored(store, run.id) == live_state(odoo18.admin_dsn)


def test_no_change_sync_writes_no_facts(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    first = sync_odoo(store, settings, PREPROD)
    rows_after_first = counts(store)
    second = sync_odoo(store, settings, PREPROD)
    assert counts(store) == rows_after_first
    for spec in ENTITIES:
        if spec.name in second.stats:
            assert second.stats[spec.name]["added"] == 0
            assert second.stats[spec.name]["changed"] == 0
            assert second.stats[spec.name]["removed"] == 0
    assert stored(store, second.id) == stored(store, first.id)


def _edit_fixture(db: pg.OdooDatabase) -> None:
    db.execute("INSERT INTO res_groups_users_rel (gid, uid) VALUES (23, 6)")  # demo → Sales admin
    db.execute("DELETE FROM res_groups_users_rel WHERE gid = 7 AND uid = 6")  # technical features
    db.execute("""UPDATE res_groups SET name = '{"en_US": "Sales / Boss"}' WHERE id = 23""")
    db.execute("UPDATE ir_model_access SET perm_unlink = true WHERE id = 520")  # crm.lead user
    db.execute("UPDATE res_users SET active = false WHERE login = 'demo'")  # archived, kept


def test_history_reads_back_both_states_exactly(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    before = live_state(odoo18.admin_dsn)
    first = sync_odoo(store, settings, PREPROD)
    _edit_fixture(odoo18)
    after = live_state(odoo18.admin_dsn)
    second = sync_odoo(store, settings, PREPROD)

    assert second.stats["memberships"] == {"count": 100, "added": 1, "changed": 0, "removed": 1}
    assert second.stats["groups"] == {"count": 68, "added": 0, "changed": 1, "removed": 0}
    assert second.stats["acls"] == {"count": 847, "added": 0, "changed": 1, "removed": 0}
    assert second.stats["users"] == {"count": 7, "added": 0, "changed": 1, "removed": 0}
    assert second.stats["implications"]["changed"] == 0

    assert stored(store, first.id) == before
    assert stored(store, second.id) == after
    with store.session() as session:
        demo_then = next(
            u for u in read_state(session, PREPROD, first.id)["users"] if u.login == "demo"
        )
        demo_now = next(
            u for u in read_state(session, PREPROD, second.id)["users"] if u.login == "demo"
        )
    assert demo_then.active and not demo_now.active  # archived users are kept and flagged

    rows_after_second = counts(store)
    third = sync_odoo(store, settings, PREPROD)
    assert counts(store) == rows_after_second
    assert stored(store, third.id) == after


def test_facts_are_closed_once_never_rewritten(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    from odoobridge.access.models import OdooGroup

    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    first = sync_odoo(store, settings, PREPROD)
    _edit_fixture(odoo18)
    second = sync_odoo(store, settings, PREPROD)
    sync_odoo(store, settings, PREPROD)
    with store.session() as session:
        versions = (
            session.query(OdooGroup).filter(OdooGroup.odoo_id == 23).order_by(OdooGroup.id).all()
        )
    assert [(v.name, v.first_seen_run_id, v.last_seen_run_id) for v in versions] == [
        ("Administrator", first.id, first.id),
        ("Sales / Boss", second.id, None),
    ]


def test_environments_live_side_by_side(
    store: Store,
    make_settings: Callable[..., Settings],
    make_odoo_db: Callable[[int], pg.OdooDatabase],
) -> None:
    preprod, prod = make_odoo_db(18), make_odoo_db(16)
    settings = make_settings(ODOO_PREPROD_DSN=preprod.reader_dsn, ODOO_PROD_DSN=prod.reader_dsn)
    pre_run = sync_odoo(store, settings, PREPROD)
    prod_run = sync_odoo(store, settings, Environment.PROD)
    assert stored(store, pre_run.id, PREPROD) == live_state(preprod.admin_dsn)
    assert stored(store, prod_run.id, Environment.PROD) == live_state(prod.admin_dsn)
    # A PROD run does not disturb what PREPROD's latest run reads.
    again = sync_odoo(store, settings, PREPROD)
    assert again.stats["groups"]["added"] == 0


def test_odoo19_and_16_sync_with_their_adapters(
    store: Store,
    make_settings: Callable[..., Settings],
    make_odoo_db: Callable[[int], pg.OdooDatabase],
) -> None:
    for version in (16, 19):
        db = make_odoo_db(version)
        settings = make_settings(ODOO_PREPROD_DSN=db.reader_dsn)
        run = sync_odoo(store, settings, PREPROD)
        assert {k: run.stats[k]["count"] for k in facts.COUNTS[version]} == facts.COUNTS[version]
        assert stored(store, run.id) == live_state(db.admin_dsn)
    assert run.stats["absent"] == {
        "employees": "no hr_employee table (the hr module is not installed)",
        "xml_ids": "no ir_model_data table",
    }
    assert run.stats["employees"] == {"count": 0, "added": 0, "changed": 0, "removed": 20}


def test_killed_backend_fails_the_run_and_keeps_the_previous_state(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn, ODOOBRIDGE_ODOO_BATCH_SIZE=100)
    good = sync_odoo(store, settings, PREPROD)
    rows = counts(store)
    _edit_fixture(odoo18)

    def kill_during_acls(state: ProgressState) -> None:
        if state.phase == "reading acls" and state.done >= 200:
            odoo18.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'odoobridge' AND datname = current_database()"
            )

    with pytest.raises(OdooDbQueryError, match="was lost during the read"):
        sync_odoo(store, settings, PREPROD, listeners=[kill_during_acls])
    with store.session() as session:
        failed = session.query(SyncRun).order_by(SyncRun.id.desc()).first()
        assert failed is not None
        assert failed.status == RunStatus.FAILED
        assert failed.error is not None and "was lost during the read" in failed.error
        assert failed.lock_key is None and failed.completed_at is not None
    assert counts(store) == rows
    assert stored(store, good.id) != live_state(odoo18.admin_dsn)  # the edits were not applied
    # The lock was released: the next run succeeds and applies them.
    retry = sync_odoo(store, settings, PREPROD)
    assert stored(store, retry.id) == live_state(odoo18.admin_dsn)


def test_a_failure_while_writing_leaves_nothing_partial(
    store: Store,
    make_settings: Callable[..., Settings],
    odoo18: pg.OdooDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from odoobridge.access import sync as sync_module

    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    good = sync_odoo(store, settings, PREPROD)
    rows = counts(store)
    good_state = stored(store, good.id)
    _edit_fixture(odoo18)
    real_apply = sync_module.apply_snapshot
    applied: list[str] = []

    def apply_then_fail(session: Any, table: Any, **kwargs: Any) -> Any:
        changes = real_apply(session, table, **kwargs)
        applied.append(table.name)
        if table.name == "odoo_acls":
            raise RuntimeError("disk full")
        return changes

    monkeypatch.setattr(sync_module, "apply_snapshot", apply_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        sync_odoo(store, settings, PREPROD)
    assert "odoo_groups" in applied and "odoo_memberships" in applied  # written, then rolled back
    with store.session() as session:
        latest = session.query(SyncRun).order_by(SyncRun.id.desc()).first()
        assert latest is not None and latest.status == RunStatus.FAILED
        assert latest.error == "internal error: RuntimeError: disk full"
    assert counts(store) == rows
    assert stored(store, good.id) == good_state
    monkeypatch.undo()
    retry = sync_odoo(store, settings, PREPROD)
    assert stored(store, retry.id) == live_state(odoo18.admin_dsn)
    with store.session() as session:
        state_then = read_state(session, PREPROD, good.id)
    assert next(g for g in state_then["groups"] if g.odoo_id == 23).name == "Administrator"


def test_missing_dsn_is_a_clear_error(store: Store, make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(ALLOW_SYNC_MOCKS="0")
    with pytest.raises(
        ConfigError, match=r"ODOO_PROD_DSN is not set.*ALLOW_SYNC_MOCKS=0 forces live"
    ):
        sync_odoo(store, settings, Environment.PROD)
    with store.session() as session:
        assert session.query(SyncRun).count() == 0  # nothing started


def test_records_round_trip_every_field(
    store: Store, make_settings: Callable[..., Settings], odoo18: pg.OdooDatabase
) -> None:
    settings = make_settings(ODOO_PREPROD_DSN=odoo18.reader_dsn)
    run = sync_odoo(store, settings, PREPROD)
    state = stored(store, run.id)
    admin = next(u for u in state["users"] if u.login == "admin")
    assert admin == ENTITY_BY_NAME["users"].record(
        *next(u for u in live_state(odoo18.admin_dsn)["users"] if u.login == "admin")
    )
    assert admin.write_date is not None and admin.write_date.tzinfo is not None
