"""Install is idempotent and upgrades in place; uninstall leaves no trace; conflicts are refused."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from odoobridge.bi import install as install_module
from odoobridge.bi import specs
from odoobridge.bi.access_publish import publish
from odoobridge.bi.connection import BiDatabaseError, BiPermissionError, connect
from odoobridge.bi.grants import grant_readonly
from odoobridge.bi.install import install, uninstall
from odoobridge.bi.models import UserCompanyAccess
from odoobridge.bi.policies import enable_policies
from odoobridge.sources.odoo_db import OdooDbTarget
from tests import pg
from tests.bi.conftest import RoleNames, admin, login_url


def footprint(db: pg.OdooDatabase, role_prefix: str) -> dict[str, Any]:
    """Everything install, grant, native RLS and publish can touch, read from the catalog."""
    return {
        "schemas": db.execute(
            "SELECT nspname, nspacl::text FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' "
            "ORDER BY 1"
        ),
        "relations": db.execute(
            "SELECT n.nspname, c.relname, c.relkind, c.relacl::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2"
        ),
        "functions": db.execute(
            "SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "ORDER BY 1, 2"
        ),
        "policies": db.execute("SELECT * FROM pg_policies ORDER BY 1, 2, 3"),
        "database_acl": db.execute(
            "SELECT datacl::text FROM pg_database WHERE datname = current_database()"
        ),
        "roles": db.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY 1", (role_prefix + "%",)
        ),
        "role_settings": db.execute(
            "SELECT r.rolname, s.setconfig::text FROM pg_db_role_setting s "
            "JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname LIKE %s ORDER BY 1",
            (role_prefix + "%",),
        ),
        "comments": db.execute(
            "SELECT count(*) FROM pg_description d JOIN pg_class c ON c.oid = d.objoid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'analytics'"
        ),
    }


def objects_state(db: pg.OdooDatabase) -> list[tuple[Any, ...]]:
    """Identity and row version of every object and record: unchanged by a no-op install."""
    return db.execute(
        "SELECT c.oid::int, c.relname, c.xmin::text FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = 'analytics' "
        "UNION ALL SELECT 0, kind || ':' || name, xmin::text FROM analytics.odoobridge_install "
        "UNION ALL SELECT d.objoid::int, d.description, d.xmin::text FROM pg_description d "
        "JOIN pg_class c ON c.oid = d.objoid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'analytics' ORDER BY 1, 2"
    )


def test_install_twice_is_a_no_op(bi_db: pg.OdooDatabase) -> None:
    with admin(bi_db) as conn:
        first = install(conn, bi_db.name, materialized=True)
    assert first.changed and first.schema_created
    before = objects_state(bi_db)
    with admin(bi_db) as conn:
        second = install(conn, bi_db.name)
    assert not second.changed
    assert second.installed == second.upgraded == [] and second.removed == {}
    assert len(second.unchanged) == 16  # 8 views and their 8 materialized copies
    assert objects_state(bi_db) == before


def test_uninstall_leaves_no_trace(bi_db: pg.OdooDatabase, roles: RoleNames) -> None:
    prefix = f"obt_%{roles.token}"
    reader = roles.new("ro")
    with pg.connect() as conn:  # a role that exists before: its settings must come back
        conn.execute(f"CREATE ROLE {reader} LOGIN")
        conn.execute(f"ALTER ROLE {reader} SET statement_timeout = '7min'")
    bi_db.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")  # Odoo's default
    created_role = roles.new("ro2")
    before = footprint(bi_db, prefix)
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    with admin(bi_db) as conn:
        grant_readonly(conn, bi_db.name, reader, statement_timeout=30, idle_timeout=60)
        grant_readonly(conn, bi_db.name, created_role, statement_timeout=30, idle_timeout=60)
        enable_policies(conn, roles.prefix())
        publish(conn, [UserCompanyAccess(user_email="a@b.c", company_id=1, access_level="read")])
    assert footprint(bi_db, prefix) != before
    with admin(bi_db) as conn:
        report = uninstall(conn, bi_db.name)
    assert report.kept == {}
    assert "analytics" in report.removed and f"role {created_role}" in report.removed
    assert footprint(bi_db, prefix) == before


def test_uninstall_keeps_what_it_did_not_create(bi_db: pg.OdooDatabase) -> None:
    with admin(bi_db) as conn:
        install(conn, bi_db.name)
    bi_db.execute("CREATE TABLE analytics.notes (id int)")
    with admin(bi_db) as conn:
        report = uninstall(conn, bi_db.name)
    assert report.kept == {"analytics": "it holds objects OdooBridge did not create"}
    assert bi_db.execute(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'analytics'"
    ) == [("notes",)]
    with admin(bi_db) as conn:  # nothing left of ours: a second uninstall says so
        again = uninstall(conn, bi_db.name)
    assert again.removed == [] and "nothing" in again.kept["analytics"]


def test_a_schema_that_existed_before_is_kept(bi_db: pg.OdooDatabase) -> None:
    bi_db.execute("CREATE SCHEMA analytics")
    with admin(bi_db) as conn:
        assert not install(conn, bi_db.name).schema_created
    with admin(bi_db) as conn:
        report = uninstall(conn, bi_db.name)
    assert report.kept == {"analytics": "it existed before OdooBridge installed"}
    left = bi_db.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = 'analytics'"
    )
    assert left == [(0,)]


def test_upgrade_in_place_rebuilds_only_what_changed(
    bi_db: pg.OdooDatabase, roles: RoleNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = roles.new("ro")
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    with admin(bi_db) as conn:
        grant_readonly(conn, bi_db.name, reader, statement_timeout=30, idle_timeout=60)
    shipped = specs.view_specs()
    monthly = next(s for s in shipped if s.name == "vw_monthly_revenue")
    newer = dataclasses.replace(
        monthly,
        version=monthly.version + 1,
        select=monthly.select.replace(
            "sum(am.amount_untaxed_signed) AS net_revenue",
            "sum(am.amount_untaxed_signed) AS net_revenue, count(*) AS moves",
        ),
        checksum="0123456789abcdef",
    )
    upgraded = tuple(newer if s is monthly else s for s in shipped)
    monkeypatch.setattr(install_module, "view_specs", lambda: upgraded)
    with admin(bi_db) as conn:
        report = install(conn, bi_db.name)
    assert report.upgraded == ["vw_monthly_revenue", "mv_monthly_revenue"]
    assert report.installed == [] and len(report.unchanged) == 14
    assert report.regranted == [reader]
    with psycopg.connect(login_url(bi_db, reader)) as conn:
        rows = conn.execute("SELECT sum(moves) FROM analytics.mv_monthly_revenue").fetchall()
    assert rows == [(9,)]  # 4 invoices and 5 credit notes, all posted
    recorded = bi_db.execute(
        "SELECT version, checksum FROM analytics.odoobridge_install "
        "WHERE name = 'vw_monthly_revenue'"
    )
    assert recorded == [(monthly.version + 1, "0123456789abcdef")]


def test_the_receivable_aging_of_the_first_release_is_replaced(
    bi_db: pg.OdooDatabase, monkeypatch: pytest.MonkeyPatch, roles: RoleNames
) -> None:
    """A database installed with version 1 of vw_ar_aging (open invoices only) gets the ledger's
    figure from the next ``bi install``: view, materialized copy and its row-level table."""
    old_text = (Path(__file__).parent / "previous" / "vw_ar_aging.v1.sql").read_text()
    old = specs.parse_view(old_text)
    shipped = specs.view_specs()
    monkeypatch.setattr(
        install_module,
        "view_specs",
        lambda: tuple(old if s.name == old.name else s for s in shipped),
    )
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
        enable_policies(conn, roles.prefix())
    total = "SELECT sum(total_due) FROM analytics.{} WHERE company_id = 1"
    assert bi_db.execute(total.format("mv_ar_aging")) == [(Decimal("124500.00"),)]
    monkeypatch.undo()
    with admin(bi_db) as conn:
        report = install(conn, bi_db.name)
    assert report.upgraded == ["vw_ar_aging", "mv_ar_aging"]
    for relation in ("vw_ar_aging", "mv_ar_aging", "rls_ar_aging"):
        assert bi_db.execute(total.format(relation)) == [(Decimal("0.00"),)], relation
    recorded = bi_db.execute(
        "SELECT name, version FROM analytics.odoobridge_install "
        "WHERE name IN ('vw_ar_aging', 'mv_ar_aging', 'rls_ar_aging') ORDER BY name"
    )
    assert recorded == [("mv_ar_aging", 2), ("rls_ar_aging", 2), ("vw_ar_aging", 2)]


def test_turning_materialized_views_off_drops_them(bi_db: pg.OdooDatabase) -> None:
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    with admin(bi_db) as conn:
        report = install(conn, bi_db.name, materialized=False)
    assert set(report.removed) == {f"mv_{s.name[3:]}" for s in specs.view_specs()}
    assert bi_db.execute("SELECT count(*) FROM pg_matviews WHERE schemaname = 'analytics'") == [
        (0,)
    ]


def test_an_object_it_did_not_create_is_never_replaced(bi_db: pg.OdooDatabase) -> None:
    bi_db.execute("CREATE SCHEMA analytics")
    bi_db.execute("CREATE VIEW analytics.vw_sales_kpi_day AS SELECT 1 AS company_id")
    with pytest.raises(BiDatabaseError, match="OdooBridge did not create it"), admin(bi_db) as conn:
        install(conn, bi_db.name)
    # Nothing of the failed install stayed behind (one transaction).
    assert bi_db.execute(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'analytics'"
    ) == [("vw_sales_kpi_day",)]


def test_an_upgrade_blocked_by_someone_elses_view_says_so(
    bi_db: pg.OdooDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    with admin(bi_db) as conn:
        install(conn, bi_db.name)
    bi_db.execute("CREATE VIEW public.my_report AS SELECT * FROM analytics.vw_monthly_revenue")
    shipped = specs.view_specs()
    changed = tuple(
        dataclasses.replace(s, checksum="fedcba9876543210") if s.name == "vw_monthly_revenue"
        else s for s in shipped
    )  # fmt: skip
    monkeypatch.setattr(install_module, "view_specs", lambda: changed)
    with pytest.raises(BiDatabaseError) as caught, admin(bi_db) as conn:
        install(conn, bi_db.name)
    assert "other objects depend on the analytics views" in caught.value.message
    assert "my_report" in caught.value.message


def test_a_login_that_may_not_create_gets_one_clear_line(bi_db: pg.OdooDatabase) -> None:
    target = OdooDbTarget(dsn=bi_db.reader_dsn, setting="--dsn")
    with pytest.raises(BiPermissionError) as caught, connect(target) as conn:
        install(conn, bi_db.name)
    assert "permission denied for database" in caught.value.message
    assert "use a login that owns Odoo's database" in caught.value.message
    assert pg.READER_PASSWORD not in caught.value.message


def test_a_database_that_is_not_odoo_is_refused(roles: RoleNames) -> None:
    name = f"obt_empty_{roles.token}"
    pg.create_database(name)
    try:
        target = OdooDbTarget(dsn=pg.url_for(name), setting="--dsn")
        with pytest.raises(BiDatabaseError, match="is it Odoo's database"), connect(target) as c:
            install(c, name)
        with pg.connect(name) as conn:
            assert conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'analytics'")\
                .fetchone() == (0,)  # fmt: skip
    finally:
        pg.drop_database(name)
