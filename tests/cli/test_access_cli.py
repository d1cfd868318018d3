"""The analysis commands on the demo data: who-can, access, group, findings, diff, timeline,
compare, in every output format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from odoobridge.cli.main import app

runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ODOOBRIDGE_DATA_DIR", str(tmp_path / "data"))
    code, out, _ = cli("demo", "--no-serve")
    assert code == 0, out
    assert "Merge & Compare 1: leaver 1, entra_only 8" in out


def test_who_can_json_is_a_list_of_holders(demo: None) -> None:
    code, out, _ = cli("who-can", "unlink", "account.move", "--format", "json")
    assert code == 0
    holders = json.loads(out)
    assert [(h["login"], h["odoo_user_id"]) for h in holders] == [("admin", 2), ("demo", 6)]
    assert holders[1]["paths"] == [
        "demo → Invoicing / Invoicing → ACL account.move (account.move: unlink)"
    ]
    code, out, _ = cli("who-can", "unlink", "account.move")
    assert code == 0 and "Who can unlink account.move" in out and "admin" in out


def test_who_can_exports(demo: None, tmp_path: Path) -> None:
    target = tmp_path / "who.csv"
    code, _, err = cli("who-can", "write", "crm.lead", "-f", "csv", "-o", str(target))
    assert code == 0 and err == f"wrote 2 rows to {target}\n"
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [r["login"] for r in rows] == ["admin", "demo"]
    book_path = tmp_path / "who.xlsx"
    code, _, _ = cli("who-can", "write", "crm.lead", "-f", "xlsx", "-o", str(book_path))
    sheet = load_workbook(book_path).active
    assert sheet is not None and sheet["A2"].value == "admin" and sheet.freeze_panes == "A2"
    code, _, err = cli("who-can", "write", "crm.lead", "-f", "xlsx")
    assert code == 1 and err == "error: XLSX is binary: give --output FILE\n"
    code, _, err = cli("who-can", "erase", "crm.lead")
    assert code == 1 and err.startswith("error: unknown operation 'erase'")
    code, out, _ = cli("who-can", "delete", "crm.lead", "-f", "json")  # delete is unlink
    assert code == 0 and out == cli("who-can", "unlink", "crm.lead", "-f", "json")[1]


def test_access_and_group(demo: None) -> None:
    code, out, _ = cli("access", "demo", "-f", "json")
    answer = json.loads(out)
    assert answer["login"] == "demo" and len(answer["groups"]) == 15
    code, out, _ = cli("access", "demo")
    assert code == 0 and "User: Own Documents Only" in out
    code, out, _ = cli("group", "sales_team.group_sale_manager", "-f", "json")
    assert json.loads(out)["name"] == "Sales / Administrator"
    code, _, err = cli("access", "nobody")
    assert code == 1 and err.startswith("error: no Odoo user 'nobody' in Odoo (Pre-Production)")


def test_findings_and_severity_filter(demo: None) -> None:
    code, out, _ = cli("findings", "--severity", "high", "-f", "json")
    found = json.loads(out)
    assert found and {f["severity"] for f in found} == {"critical", "high"}
    # Merge & Compare outcomes are findings too: the demo's leaver is the critical one
    (leaver,) = [f for f in found if f["severity"] == "critical"]
    assert (leaver["kind"], leaver["subject"]["login"], leaver["status"]) == (
        "leaver",
        "demo",
        "open",
    )
    code, out, _ = cli("findings", "--severity", "critical")
    assert code == 0 and "demo is disabled or removed in Entra" in out
    code, out, _ = cli("findings", "--kind", "env_drift", "-f", "json")
    drift = sorted(f["title"] for f in json.loads(out))
    assert drift == [
        "acl crm.access_crm_lead differs: operations",
        "group Discount Approval (hotfix) exists in PROD only",
        "rule crm.crm_rule_personal_lead differs: domain",
    ]
    code, _, err = cli("findings", "--severity", "urgent")
    assert code == 1 and err.startswith("error: unknown severity 'urgent'")


def test_diff_and_timeline(demo: None) -> None:
    code, out, _ = cli("diff", "1", "1", "-f", "json")
    assert code == 0 and all(sum(c.values()) == 0 for c in json.loads(out)["counts"].values())
    code, _, err = cli("diff", "1", "2")
    assert code == 1 and err == "error: run 2 is not an Odoo sync of Odoo (Pre-Production)\n"
    code, out, _ = cli("timeline", "user", "demo", "-f", "json")
    events = json.loads(out)
    assert events[0]["kind"] == "account found (first sync)"
    code, _, err = cli("timeline", "team", "x")
    assert code == 1 and err == "error: timeline of 'team': use user or group\n"


def test_compare_command(demo: None) -> None:
    code, out, _ = cli("compare", "--category", "leaver", "-f", "json")
    result = json.loads(out)
    assert code == 0 and result["summary"]["leaver"] == 1 and result["id"] == 3  # demo made 2
    (leaver,) = result["items"]
    assert (leaver["login"], leaver["entra_name"]) == ("demo", "Marc Demo")
