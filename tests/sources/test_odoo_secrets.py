"""``check odoo`` warns when the reader can read columns holding credentials, on the real 16, 18
and 19 fixtures: none for the login setup-sql makes, each column named when it can."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from odoobridge.sources.odoo_db import OdooDbTarget
from odoobridge.sources.odoo_diagnose import diagnose
from tests import pg

R = pg.READER_ROLE
RES_USERS_GRANT = (
    f"GRANT SELECT (id, login, active, share, partner_id, company_id, create_date, write_date) "
    f"ON res_users TO {R};"
)


def add_config_parameters(db: pg.OdooDatabase) -> None:
    """ir_config_parameter as Odoo creates it (the fixtures leave the table out)."""
    db.execute(
        "CREATE TABLE ir_config_parameter (id serial PRIMARY KEY, key varchar NOT NULL UNIQUE, "
        "value text NOT NULL, create_uid int, create_date timestamp, write_uid int, "
        "write_date timestamp)"
    )
    db.execute(
        "INSERT INTO ir_config_parameter (key, value) VALUES "
        "('database.secret', 'b3c1f2e0-secret'), ('database.uuid', 'f0e1d2c3')"
    )


def test_the_setup_sql_reader_reads_no_secret(odoo_any: pg.OdooDatabase) -> None:
    add_config_parameters(odoo_any)
    report = diagnose(OdooDbTarget(dsn=odoo_any.reader_dsn))
    assert report.secrets == [] and report.warnings() == []
    assert report.as_dict()["secrets"] == [] and report.as_dict()["warnings"] == []


def test_a_reader_of_whole_tables_is_warned_column_by_column(odoo_any: pg.OdooDatabase) -> None:
    add_config_parameters(odoo_any)
    odoo_any.execute(f"GRANT SELECT ON res_users, ir_config_parameter TO {R}")
    report = diagnose(OdooDbTarget(dsn=odoo_any.reader_dsn))
    assert report.ok  # the sync still works: these are warnings
    assert [(s.table, s.column, s.table_wide, s.public) for s in report.secrets] == [
        ("ir_config_parameter", "value", True, False),
        ("res_users", "password", True, False),
        ("res_users", "totp_secret", True, False),
    ]
    assert report.warnings() == [
        f"{R} can read secrets in ir_config_parameter: value (system parameters: "
        "database.secret signs sessions and reset links, others hold connector keys) — run: "
        f"REVOKE SELECT ON ir_config_parameter FROM {R};",
        f"{R} can read secrets in res_users: password (password hashes), totp_secret "
        f"(two-factor (TOTP) secrets) — run: REVOKE SELECT ON res_users FROM {R}; "
        + RES_USERS_GRANT,
    ]
    # The statements the warning gives take the secrets back and keep what the sync needs.
    odoo_any.execute(f"REVOKE SELECT ON ir_config_parameter FROM {R}")
    odoo_any.execute(f"REVOKE SELECT ON res_users FROM {R}")
    odoo_any.execute(RES_USERS_GRANT)
    after = diagnose(OdooDbTarget(dsn=odoo_any.reader_dsn))
    assert after.ok and after.warnings() == []


def test_column_grants_public_grants_and_superusers(odoo18: pg.OdooDatabase) -> None:
    add_config_parameters(odoo18)
    odoo18.execute(f"GRANT SELECT (key, value) ON ir_config_parameter TO {R}")
    odoo18.execute("GRANT SELECT ON calendar_event TO PUBLIC")
    report = diagnose(OdooDbTarget(dsn=odoo18.reader_dsn))
    assert [s.as_dict() for s in report.secrets] == [
        {
            "table": "calendar_event",
            "column": "access_token",
            "holds": "portal access tokens (open the document without signing in)",
            "table_wide": True,
            "public": True,
        },
        {
            "table": "ir_config_parameter",
            "column": "value",
            "holds": "system parameters: database.secret signs sessions and reset links, "
            "others hold connector keys",
            "table_wide": False,
            "public": False,
        },
    ]
    warnings = report.warnings()
    assert warnings[0].endswith("— run: REVOKE SELECT ON calendar_event FROM PUBLIC;")
    assert warnings[1].endswith(f"— run: REVOKE SELECT (value) ON ir_config_parameter FROM {R};")

    admin = diagnose(OdooDbTarget(dsn=odoo18.admin_dsn))
    secret_warnings = [w for w in admin.warnings() if "secret" in w]
    assert len(secret_warnings) == 1
    assert secret_warnings[0].startswith("root reads every secret as a superuser (")
    for name in ("ir_config_parameter.value", "res_users.password", "res_users.totp_secret",
                 "sale_order.access_token", "account_move.access_token"):  # fmt: skip
        assert name in secret_warnings[0]


@pytest.fixture
def runner_env(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> pytest.MonkeyPatch:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    return monkeypatch


def test_check_odoo_prints_and_reports_the_warnings(
    runner_env: pytest.MonkeyPatch, odoo18: pg.OdooDatabase
) -> None:
    odoo18.execute(f"GRANT SELECT ON res_users TO {R}")
    runner_env.setenv("ODOO_PREPROD_DSN", odoo18.reader_dsn)
    result = CliRunner().invoke(app, ["check", "odoo"])
    assert result.exit_code == 0  # a warning, not a failure: the sync can run
    assert (
        f"  warn {R} can read secrets in res_users: password (password hashes), totp_secret "
        f"(two-factor (TOTP) secrets) — run: REVOKE SELECT ON res_users FROM {R}; "
        + RES_USERS_GRANT
    ) in result.stdout.splitlines()
    result = CliRunner().invoke(app, ["check", "odoo", "--json"])
    report = json.loads(result.stdout)
    assert [(s["table"], s["column"]) for s in report["secrets"]] == [
        ("res_users", "password"),
        ("res_users", "totp_secret"),
    ]
    assert len(report["warnings"]) == 1 and "res_users: password" in report["warnings"][0]
