"""``odoobridge backup | restore | store migrate | alerts``: what a person sees, exit codes,
one-line errors (never a traceback, never a secret)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from odoobridge.cli.main import app
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests.fakes.mail_and_hooks import WebhookReceiver
from tests.fakes.notify_fixtures import channels_json, hook_channel, receiver  # noqa: F401
from tests.ops.backups import edit_table, empty_postgres, rewrite
from tests.ops.history import sync_preprod

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def demo_store(monkeypatch: pytest.MonkeyPatch, sqlite_store_url: str) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_store_url)
    store = Store(sqlite_store_url)
    sync_preprod(store, Settings(_env_file=None, DATABASE_URL=sqlite_store_url))
    store.dispose()
    return sqlite_store_url


def test_backup_restore_and_their_refusals(demo_store: str, tmp_path: Path) -> None:
    code, out, _ = cli("backup", str(tmp_path / "b.obk"))
    assert code == 0 and out.startswith(f"wrote {tmp_path / 'b.obk'} (")
    assert "tables, " in out and "rows, schema " in out and "20261202_findings" in out
    target = f"sqlite:///{tmp_path / 'r.sqlite'}"
    code, out, _ = cli("restore", str(tmp_path / "b.obk"), "--to", target)
    assert code == 0 and "every table's digest checked" in out
    code, _, err = cli("restore", str(tmp_path / "b.obk"), "--to", target)
    assert code == 1 and err.startswith(f"error: {target} already holds data")
    assert err.count("\n") == 1 and "Traceback" not in err
    code, out, _ = cli("restore", str(tmp_path / "b.obk"), "--to", target, "--force", "--json")
    assert code == 0 and json.loads(out)["verified"] is True

    altered = rewrite(tmp_path / "b.obk", tmp_path / "t.obk",
                      edit_table("odoo_users", lambda d: d.replace(b"Marc Demo", b"Marc Dema")))  # fmt: skip
    code, _, err = cli("restore", str(altered), "--to", f"sqlite:///{tmp_path / 'x.sqlite'}")
    assert (code, err) == (1, f"error: {altered} was altered or damaged: table odoo_users does "
                              "not match the digest in its manifest; nothing was restored\n")  # fmt: skip

    code, out, _ = cli("backup", str(tmp_path / "b2.obk"), "--json")
    document = json.loads(out)
    assert code == 0 and document["format"] == "odoobridge-backup" and document["bytes"] > 0


def test_store_migrate_to_postgresql(demo_store: str) -> None:
    with empty_postgres() as url:
        password_url = url.replace("root@", "root:Secret-Pw-77@")  # trust auth ignores it
        code, out, err = cli("store", "migrate", "--to", password_url)
        assert code == 0, err
        assert out.splitlines()[0].startswith(
            "copied the sqlite store into postgresql+psycopg://root:***@"
        )
        assert "Secret-Pw-77" not in out
        assert (
            out.splitlines()[1]
            == "use it from now on: set DATABASE_URL to that URL and restart OdooBridge"
        )
        code, _, err = cli("store", "migrate", "--to", password_url)
        assert code == 1 and "already holds data" in err and "Secret-Pw-77" not in err
        code, out, _ = cli("store", "migrate", "--to", url, "--force", "--json")
        assert code == 0 and json.loads(out)["source"] == "sqlite"


def test_alerts_commands(
    demo_store: str,
    monkeypatch: pytest.MonkeyPatch,
    receiver: WebhookReceiver,  # noqa: F811
) -> None:
    monkeypatch.setenv("ODOOBRIDGE_NOTIFY_CHANNELS", channels_json(hook=hook_channel(receiver)))
    monkeypatch.setenv("ODOOBRIDGE_ALERTS_CHANNELS", "hook")
    code, out, _ = cli("alerts", "list")
    assert code == 0 and "signed webhook to 127.0.0.1" in out and "stuck_proposals" in out
    code, out, _ = cli("alerts", "check")
    assert code == 0 and "nothing to send; 0 condition(s) holding" in out
    code, out, _ = cli("alerts", "check", "--json")
    assert code == 0 and json.loads(out)["failed"] == 0
    code, out, _ = cli("alerts", "test")
    assert code == 0 and out.startswith("hook (webhook): delivered in ")
    assert receiver.hooks[-1].body["title"] == "OdooBridge test message"
    code, out, _ = cli("alerts", "list", "--json")
    assert code == 0 and json.loads(out)["channels"] == [
        {"name": "hook", "kind": "webhook", "where": "signed webhook to 127.0.0.1"}]  # fmt: skip

    receiver.status = 503
    code, out, _ = cli("alerts", "test", "--channel", "hook")
    assert code == 1 and out.startswith("hook (webhook): FAILED: the webhook answered HTTP 503")
    code, _, err = cli("alerts", "test", "--channel", "pager")
    assert code == 1 and err == (
        "error: there is no notification channel 'pager' (known: hook): define it in "
        "ODOOBRIDGE_NOTIFY_FILE or ODOOBRIDGE_NOTIFY_CHANNELS\n"
    )
    monkeypatch.setenv("ODOO_PROD_DSN", "postgresql://reader@127.0.0.1:9/odoo")
    cli("sync", "odoo", "--env", "prod")  # fails: nothing listens there
    code, out, _ = cli("alerts", "check")
    assert code == 1  # a delivery failed
    assert (
        "fired sync_failed odoo_postgres:PROD → hook: FAILED (the webhook answered HTTP 503)" in out
    )


def test_the_commands_are_listed() -> None:
    code, out, _ = cli("--help")
    assert code == 0
    for command in ("backup", "restore", "store", "alerts"):
        assert f" {command} " in out
