"""The read-only role reads the analytics views and nothing else, and cannot write anywhere."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest
from psycopg import errors as pg_errors

from odoobridge.bi.grants import grant_readonly, grant_sql
from odoobridge.bi.install import install
from odoobridge.bi.specs import view_specs
from odoobridge.errors import ConfigError, NotFound
from tests import pg
from tests.bi.conftest import RoleNames, admin, login_url

DATA_OBJECTS = [s.name for s in view_specs()] + [s.materialized_name for s in view_specs()]


@pytest.fixture
def installed(bi_db: pg.OdooDatabase) -> pg.OdooDatabase:
    bi_db.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")  # as Odoo leaves a new database
    with admin(bi_db) as conn:
        install(conn, bi_db.name, materialized=True)
    return bi_db


def assert_read_only(db: pg.OdooDatabase, role: str) -> None:
    with psycopg.connect(login_url(db, role), autocommit=True) as conn:
        for name in DATA_OBJECTS:
            conn.execute(f"SELECT count(*) FROM analytics.{name}").fetchone()
        for forbidden in ("public.res_partner", "public.res_users", "analytics.odoobridge_install"):
            with pytest.raises(pg_errors.InsufficientPrivilege):
                conn.execute(f"SELECT 1 FROM {forbidden} LIMIT 1")
        # The role's sessions are read-only by default …
        with pytest.raises(pg_errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE analytics.x (id int)")
        # … and when a session turns that off, it still has no right to write anywhere.
        conn.execute("SET default_transaction_read_only = off")
        writes = [
            "CREATE TABLE analytics.x (id int)",
            "CREATE TABLE public.x (id int)",
            "CREATE SCHEMA mine",
            "UPDATE public.res_partner SET name = 'x'",
            "DELETE FROM analytics.mv_sales_kpi_day",
            "REFRESH MATERIALIZED VIEW analytics.mv_sales_kpi_day",
        ]
        for statement in writes:
            with pytest.raises(pg_errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(pg_errors.ObjectNotInPrerequisiteState):  # aggregates: not updatable
            conn.execute("INSERT INTO analytics.vw_sales_kpi_day (company_id) VALUES (1)")


def test_grant_gives_select_on_the_analytics_schema_only(
    installed: pg.OdooDatabase, roles: RoleNames
) -> None:
    role = roles.new("superset_readonly")
    with admin(installed) as conn:
        report = grant_readonly(conn, installed.name, role, statement_timeout=30, idle_timeout=45)
    assert report.created_role and report.revoked_public_create
    assert report.read_only and report.reads_outside == [] and report.may_create == []
    assert_read_only(installed, role)
    settings = installed.execute(
        "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_roles r "
        "ON r.oid = s.setrole WHERE r.rolname = %s ORDER BY 1",
        (role,),
    )
    assert settings == [
        ("default_transaction_read_only=on",),
        ("idle_in_transaction_session_timeout=45s",),
        ("statement_timeout=30s",),
    ]
    with psycopg.connect(login_url(installed, role)) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("30s",)
        rows = conn.execute("SELECT sum(orders) FROM analytics.vw_sales_kpi_day").fetchone()
    assert rows == (21,)


def test_grant_reports_what_else_the_role_can_do(
    installed: pg.OdooDatabase, roles: RoleNames
) -> None:
    role = roles.new("ro")
    with pg.connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
    installed.execute(f"GRANT SELECT ON public.res_company TO {role}")
    installed.execute(f"GRANT CREATE ON DATABASE {installed.name} TO {role}")
    with admin(installed) as conn:
        report = grant_readonly(conn, installed.name, role, statement_timeout=5, idle_timeout=5)
    assert not report.created_role and not report.read_only
    assert report.reads_outside == ["public.res_company"]
    assert report.may_create == [f"database {installed.name}"]


def test_printed_sql_does_the_same_in_psql(
    installed: pg.OdooDatabase, roles: RoleNames, tmp_path: Path
) -> None:
    role = roles.new("printed")
    text = grant_sql(role, installed.name, statement_timeout=30, idle_timeout=60)
    assert 'GRANT SELECT ON ALL TABLES IN SCHEMA "analytics"' in text
    assert "REVOKE CREATE ON SCHEMA public FROM PUBLIC;" in text
    dsn = installed.admin_dsn.replace("postgresql+psycopg://", "postgresql://")
    script = tmp_path / "grant.sql"
    script.write_text(text)
    done = subprocess.run(  # \prompt reads the password from stdin, as a DBA would type it
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(script)],
        input="Pw-for-the-DBA-42\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert_read_only(installed, role)
    recorded = installed.execute(
        "SELECT detail FROM analytics.odoobridge_install WHERE kind = 'grant' AND name = %s",
        (role,),
    )
    assert recorded == [({"printed": True},)]


def test_grant_refuses_bad_names_superusers_and_missing_views(
    bi_db: pg.OdooDatabase, roles: RoleNames
) -> None:
    with pytest.raises(ConfigError, match="is not allowed"):
        grant_sql("x; DROP TABLE res_partner", "odoo", statement_timeout=1, idle_timeout=1)
    with pytest.raises(NotFound, match="run `odoobridge bi install` first"), admin(bi_db) as conn:
        grant_readonly(conn, bi_db.name, roles.new("ro"), statement_timeout=1, idle_timeout=1)
    with admin(bi_db) as conn:
        install(conn, bi_db.name)
    superuser = roles.new("su")
    with pg.connect() as conn:
        conn.execute(f"CREATE ROLE {superuser} SUPERUSER")
    with pytest.raises(ConfigError, match="is a superuser"), admin(bi_db) as conn:
        grant_readonly(conn, bi_db.name, superuser, statement_timeout=1, idle_timeout=1)
