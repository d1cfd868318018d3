"""``odoobridge setup-sql``: the script a DBA runs, applied by the real psql (ON_ERROR_STOP=1) to
copies of the 16, 18 and 19 fixtures, then a check and a sync through the login it made."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from tests import facts, pg

PASSWORD = "Setup-Pw-1"
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> pytest.MonkeyPatch:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    return monkeypatch


@pytest.fixture
def roles() -> Iterator[Callable[[pg.OdooDatabase], str]]:
    """``new_role(db)``: a fresh login name, dropped (with its grants in ``db``) afterwards."""
    made: list[tuple[pg.OdooDatabase, str]] = []

    def new_role(db: pg.OdooDatabase) -> str:
        role = f"ob_setup_{uuid.uuid4().hex[:8]}"
        made.append((db, role))
        return role

    yield new_role
    for db, role in made:
        with pg.connect() as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                db.execute(f"DROP OWNED BY {role}")
                conn.execute(f"DROP ROLE {role}")


def apply(db: pg.OdooDatabase, script: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the script unchanged, as the DBA would: ``psql -v … -f file``."""
    path = tmp_path / "odoobridge-reader.sql"
    path.write_text(script)
    dsn = db.admin_dsn.replace("postgresql+psycopg://", "postgresql://")
    return subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"reader_password={PASSWORD}",
         "-d", dsn, "-f", str(path)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("version", pg.ODOO_VERSIONS, ids=lambda v: f"odoo{v}")
def test_one_script_makes_a_reader_that_syncs_every_version(
    version: int,
    env: pytest.MonkeyPatch,
    make_odoo_db: Callable[[int], pg.OdooDatabase],
    roles: Callable[[pg.OdooDatabase], str],
    tmp_path: Path,
) -> None:
    db = make_odoo_db(version)
    role = roles(db)
    code, script, _ = cli("setup-sql", "--role", role, "--database", db.name)
    assert code == 0
    assert f"-- OdooBridge read-only login for Odoo 16–19, database {db.name}." in script
    done = apply(db, script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr and "ERROR" not in done.stderr
    if version == 19:  # no hr in the 19 fixture: skipped, and said so
        assert (
            "NOTICE:  hr_employee not granted: the hr module is not installed "
            "(employees' departments)"
        ) in done.stderr

    env.setenv("ODOO_PREPROD_DSN", pg.url_for(db.name, user=role, password=PASSWORD))
    code, out, _ = cli("check", "odoo", "--json")
    report = json.loads(out)
    assert code == 0, out
    assert report["ok"] and report["read_only"]
    assert report["warnings"] == [] and report["secrets"] == []
    assert report["odoo"]["major"] == version
    assert all(t["ok"] for t in report["tables"] if t["exists"])

    code, out, _ = cli("sync", "odoo", "--json")
    assert code == 0, out
    run = json.loads(out)
    assert run["status"] == "success" and run["stats"]["odoo"]["skipped"] == {}
    counts = {entity: run["stats"][entity]["count"] for entity in facts.COUNTS[version]}
    assert counts == facts.COUNTS[version]

    # What it was not given stays out of reach: passwords, two-factor secrets, business data.
    with pg.connect(db.name, user=role, password=PASSWORD) as conn:
        for query in ("SELECT password FROM res_users", "SELECT totp_secret FROM res_users",
                      "SELECT access_token FROM calendar_event"):  # fmt: skip
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(query)


@pytest.mark.parametrize("version", [18, 19], ids=lambda v: f"odoo{v}")
def test_odoo_version_writes_that_versions_grants(
    version: int,
    env: pytest.MonkeyPatch,
    make_odoo_db: Callable[[int], pg.OdooDatabase],
    roles: Callable[[pg.OdooDatabase], str],
    tmp_path: Path,
) -> None:
    db = make_odoo_db(version)
    role = roles(db)
    code, script, _ = cli(
        "setup-sql", "--role", role, "--database", db.name, "--odoo-version", str(version)
    )
    assert code == 0
    groups = {
        18: f"GRANT SELECT (id, name, category_id, share, comment) ON res_groups TO {role};",
        19: f"GRANT SELECT (id, name, privilege_id, share, comment) ON res_groups TO {role};",
    }
    assert f"{groups[version]}  -- groups" in script.splitlines()
    assert "DO $grants$\nBEGIN\n  IF" in script  # the optional hr grants stay guarded
    assert "ELSIF" not in script  # no branch on the version
    done = apply(db, script, tmp_path)
    assert done.returncode == 0, done.stderr
    env.setenv("ODOO_PREPROD_DSN", pg.url_for(db.name, user=role, password=PASSWORD))
    code, out, _ = cli("check", "odoo", "--json")
    assert code == 0 and json.loads(out)["warnings"] == []


def test_the_script_says_what_is_wrong_instead_of_granting(
    make_odoo_db: Callable[[int], pg.OdooDatabase],
    roles: Callable[[pg.OdooDatabase], str],
    tmp_path: Path,
    env: pytest.MonkeyPatch,
) -> None:
    db = make_odoo_db(18)
    # Someone once gave every login the users table: the script's own check names the secrets.
    db.execute("GRANT SELECT ON res_users TO PUBLIC")
    role = roles(db)
    _, script, _ = cli("setup-sql", "--role", role, "--database", db.name)
    done = apply(db, script, tmp_path)
    assert done.returncode == 0, done.stderr
    for column in ("password", "totp_secret"):
        assert (
            f"WARNING:  {role} can read res_users.{column}, which holds credentials: revoke it "
            "(odoobridge check odoo names the statement)"
        ) in done.stderr

    # Neither the 16–18 nor the 19 form of the groups: the script stops with a sentence.
    other = make_odoo_db(18)
    other.execute("ALTER TABLE res_groups DROP COLUMN category_id")
    role = roles(other)
    _, script, _ = cli("setup-sql", "--role", role, "--database", other.name)
    done = apply(other, script, tmp_path)
    assert done.returncode == 3
    assert (
        "ERROR:  neither the Odoo 16–18 nor the Odoo 19 form of res_groups, res_groups_privilege "
        "is here: is this an Odoo database of version 16 to 19?"
    ) in done.stderr

    code, _, err = cli("setup-sql", "--role", "odd$role$", "--database", "odoo")
    assert code == 1 and err == "error: choose a login name without $ (not odd$role$)\n"
