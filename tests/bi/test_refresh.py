"""``bi refresh``: REFRESH MATERIALIZED VIEW CONCURRENTLY, as a recorded, locked run."""

from __future__ import annotations

import psycopg
import pytest

from odoobridge.bi.connection import BiDatabaseError
from odoobridge.bi.install import install
from odoobridge.bi.policies import enable_policies
from odoobridge.bi.refresh import SYNC_TYPE, refresh_run, refresh_views
from odoobridge.errors import NotFound
from odoobridge.settings import Settings
from odoobridge.sources.odoo_db import OdooDbTarget
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus
from tests import pg
from tests.bi import oracle
from tests.bi.conftest import RoleNames, admin


def target(db: pg.OdooDatabase, *, lock_timeout_ms: int | None = None) -> OdooDbTarget:
    dsn = db.admin_dsn
    if lock_timeout_ms is not None:
        dsn += f"?options=-c%20lock_timeout%3D{lock_timeout_ms}"
    return OdooDbTarget(dsn=dsn, setting="--dsn")


def new_confirmed_order(db: pg.OdooDatabase) -> None:
    """Copy a confirmed order of the fixture to today, so the day's figures change."""
    db.execute(
        "INSERT INTO sale_order SELECT (jsonb_populate_record(NULL::sale_order, to_jsonb(o) || "
        "jsonb_build_object('id', (SELECT max(id) + 1 FROM sale_order), 'name', 'S-NEW', "
        "'date_order', '2026-11-20 09:00:00'))).* FROM sale_order o WHERE id = 4"
    )


@pytest.fixture
def materialized(bi_db: pg.OdooDatabase) -> pg.OdooDatabase:
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    return bi_db


def test_refresh_concurrently_brings_the_copies_up_to_date(
    materialized: pg.OdooDatabase, roles: RoleNames
) -> None:
    db = materialized
    with admin(db) as conn:
        enable_policies(conn, roles.prefix())
    new_confirmed_order(db)
    expected = oracle.sales_kpi_day(db)
    assert oracle.view_rows(db, "vw_sales_kpi_day") == expected
    assert oracle.view_rows(db, "mv_sales_kpi_day") != expected  # stale until refreshed
    # A reader in the middle of a transaction on the copy: a blocking refresh would have to wait
    # for it (ACCESS EXCLUSIVE); CONCURRENTLY does not (EXCLUSIVE lets readers read).
    with psycopg.connect(db.admin_dsn.replace("+psycopg", "")) as reader:
        reader.execute("SELECT count(*) FROM analytics.mv_sales_kpi_day").fetchone()
        stats = refresh_views(target(db, lock_timeout_ms=2000))
        with pytest.raises(BiDatabaseError, match="lock timeout"):
            refresh_views(target(db, lock_timeout_ms=200), concurrently=False)
    assert set(stats) == {f"mv_{n[3:]}" for n in oracle.ORACLES}
    assert stats["mv_sales_kpi_day"]["rows"] == len(expected)
    assert stats["mv_sales_kpi_day"]["policy_table"] is True
    assert oracle.view_rows(db, "mv_sales_kpi_day") == expected
    assert oracle.view_rows(db, "rls_sales_kpi_day") == expected
    refreshed = db.execute(
        "SELECT count(*) FROM analytics.odoobridge_install WHERE kind = 'matview' "
        "AND refreshed_at IS NOT NULL"
    )
    assert refreshed == [(8,)]


def test_refresh_is_a_recorded_run(materialized: pg.OdooDatabase, store: Store) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    run = refresh_run(
        store, settings, target(materialized), names=["vw_ar_aging", "mv_stock_level"]
    )
    assert run.status == RunStatus.SUCCESS and run.sync_type == SYNC_TYPE
    assert set(run.stats["views"]) == {"mv_ar_aging", "mv_stock_level"}
    assert run.stats["views"]["mv_ar_aging"]["rows"] == 2
    with pytest.raises(NotFound, match="not an installed materialized view"):
        refresh_run(store, settings, target(materialized), names=["vw_nothing"])


def test_refresh_without_materialized_views_says_what_to_do(bi_db: pg.OdooDatabase) -> None:
    with admin(bi_db) as conn:
        install(conn, bi_db.name)
    with pytest.raises(NotFound, match="bi install --materialized"):
        refresh_views(target(bi_db))
