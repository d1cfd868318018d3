"""The sales commands on a stub Odoo 18: `sync crm`, links by hand (audited), the rules check,
each integration's state, targets, and the data commands, which need `--as EMAIL` (audited) and
print with `--json` what the routes answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from odoobridge.auth.accounts import create_local_account
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.cli.main import app
from odoobridge.store.engine import Store
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.api.scene import visible_ids
from tests.sales.conftest import odoo_env

runner = CliRunner()
MARC = "mark.brown23@example.com"


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def synced(
    monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str, odoo_rpc_stub: RunningStub
) -> Store:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    monkeypatch.setenv("ODOO_PROD_DSN", odoo_rpc_stub.database.reader_dsn)
    for name, value in odoo_env(odoo_rpc_stub).items():
        monkeypatch.setenv(name, str(value))
    store = Store(sqlite_store_url)
    with store.session() as session:
        for email in (MARC, "boss@corp.example"):
            create_local_account(session, email=email, name=email, password="x" * 12,
                                 role=Role.VIEWER, by="test", origin=Origin())  # fmt: skip
    assert cli("sync", "odoo", "--env", "prod", "--json")[0] == 0
    code, out, _ = cli("sync", "crm", "--json")
    assert code == 0, out
    run = json.loads(out)
    assert run["sync_type"] == "odoo_crm" and run["stats"]["leads"]["count"] == 44
    return store


def audited(store: Store, action: str) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_data_commands_show_one_persons_view(synced: Store, odoo_rpc_stub: RunningStub) -> None:
    code, out, _ = cli("sales", "opportunities", "--as", MARC, "--limit", "500", "--json")
    assert code == 0
    page = json.loads(out)
    with pg.connect(odoo_rpc_stub.database.name) as conn:
        assert {o["id"] for o in page["items"]} == visible_ids(conn, "crm.lead", 6)
    assert page["visibility"]["status"] == "visible" and page["total"] < 44
    (event,) = audited(synced, "sales_view_as")
    assert event.target == MARC and event.actor.startswith("cli")
    code, out, _ = cli("sales", "dashboard", "--as", MARC, "--from", "2026-01-01", "--json")
    figures = json.loads(out)
    assert code == 0 and figures["won"]["count"] == 2 and figures["period"]["from"] == "2026-01-01"
    code, out, _ = cli("sales", "opportunity", "27", "--as", MARC, "--json")
    assert code == 0 and json.loads(out)["stage"]["name"] == "Won"
    code, out, _ = cli("sales", "account", "10", "--as", MARC, "--json")
    assert code == 0 and json.loads(out)["name"] == "Deco Addict"
    code, out, _ = cli("sales", "invoices", "--as", MARC, "--move-type", "out_refund", "--json")
    assert code == 0 and json.loads(out)["total"] == 5
    code, out, _ = cli("sales", "accounts", "--as", MARC, "--search", "deco")
    assert code == 0 and "Deco" in out  # a table (rich may wrap the name)


def test_the_data_commands_need_a_person(synced: Store) -> None:
    code, _, err = cli("sales", "opportunities")
    assert code == 2 and "--as" in err
    code, _, err = cli("sales", "opportunities", "--as", "ghost@example.com")
    assert code == 1 and err.strip().startswith("error: there is no account ghost@example.com")
    code, _, err = cli("sales", "opportunities", "--as", "boss@corp.example")
    assert code == 0 and "sees no sales records: no Odoo user has boss@corp.example" in err
    code, _, err = cli("sales", "opportunity", "20", "--as", "boss@corp.example")
    assert code == 1 and "sees no sales records" in err


def test_links_by_hand_are_audited(synced: Store) -> None:
    code, out, _ = cli("sales", "link", "boss@corp.example", "--odoo-user", "2", "--json")
    assert code == 0 and json.loads(out)["salesperson_name"] == "Mitchell Admin"
    code, out, _ = cli("sales", "links", "--json")
    links: dict[str, Any] = {e["email"]: e for e in json.loads(out)}
    assert links["boss@corp.example"]["link"]["odoo_user_id"] == 2
    assert links[MARC]["link"]["status"] == "matched"
    assert cli("sales", "unlink", "boss@corp.example") == (0, "boss@corp.example: unlinked\n", "")
    code, out, _ = cli("sales", "link", "boss@corp.example", "--auto")
    assert code == 0 and out.strip() == "boss@corp.example: not_found"
    assert [e.actor.startswith("cli") for e in audited(synced, "sales_link_set")] == [True]
    assert len(audited(synced, "sales_link_removed")) == 1
    code, _, err = cli("sales", "link", "boss@corp.example")
    assert code == 1 and "give --odoo-user ID, or --auto" in err


def test_rules_status_and_targets(synced: Store) -> None:
    code, out, _ = cli("sales", "rules", "--check", "--json")
    names = {r["name"] for r in json.loads(out)["rules"]}
    assert code == 0 and "Portal Personal Account Invoices" in names
    code, out, _ = cli("sales", "rules", "--check")
    assert code == 0 and "account.move" in out and "Rules that deny" in out
    assert cli("sales", "rules")[0] == 1
    code, out, _ = cli("sales", "status", "--json")
    assert code == 0 and json.loads(out)[0]["status"] == "connected"
    code, out, _ = cli("sales", "target", "set", "--scope", "salesperson", "--id", "6",
                       "--from", "2026-11-01", "--to", "2026-11-30", "--amount", "8000")  # fmt: skip
    assert code == 0 and out.startswith("target 1:")
    code, out, _ = cli("sales", "targets", "--as", MARC, "--json")
    assert json.loads(out)["items"][0]["won"] == 4000.0
    assert cli("sales", "target", "delete", "1")[0] == 0
    code, _, err = cli("sales", "target", "delete", "1")
    assert code == 1 and "there is no target 1" in err
    code, _, err = cli("sales", "target", "set", "--scope", "team", "--id", "1", "--from",
                       "2026-13-01", "--to", "2026-12-31", "--amount", "5")  # fmt: skip
    assert code == 1 and "--from '2026-13-01' is not a day" in err


def test_sync_crm_without_settings_is_one_line(
    monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    code, _, err = cli("sync", "crm")
    assert code == 1 and err.startswith("error: ODOO_URL, ODOO_DB, ODOO_USERNAME are not set")
    assert "Traceback" not in err
