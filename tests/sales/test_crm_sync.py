"""The CRM sync against a stub Odoo serving the real fixtures: a full read equals the fixture
(independent SQL), an incremental one reads only what changed and finds deletions by comparing
ids, ``--full`` reads all again, a module that is not installed is skipped and said so, and a
run that fails — Odoo dropping the connection included — changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any

import psycopg
import pytest
from sqlalchemy import select, text

from odoobridge.errors import RunAlreadyRunning
from odoobridge.sales.crm_sync import SYNC_TYPE, sync_crm
from odoobridge.sales.models import FACT_TABLES
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooConnectionError, OdooRpcClient
from odoobridge.store.engine import Store
from odoobridge.store.temporal import alive_now
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import acquire_run
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.conftest import sql

SyncFn = Callable[..., SyncRun]

# What the fixture's own tables hold, by the sync's domains.
INDEPENDENT = {
    "leads": "SELECT count(*) FROM crm_lead",
    "stages": "SELECT count(*) FROM crm_stage",
    "teams": "SELECT count(*) FROM crm_team",
    "team_members": "SELECT count(*) FROM crm_team_member",
    "users": "SELECT count(*) FROM res_users",
    "partners": "SELECT count(*) FROM res_partner",
    "companies": "SELECT count(*) FROM res_company",
    "tags": "SELECT count(*) FROM crm_tag",
    "lost_reasons": "SELECT count(*) FROM crm_lost_reason",
    "activities": "SELECT count(*) FROM mail_activity WHERE res_model = 'crm.lead'"
    " AND {open_activity}",
    "invoices": "SELECT count(*) FROM account_move WHERE state = 'posted'"
    " AND move_type IN ('out_invoice', 'out_refund')",
    "orders": "SELECT count(*) FROM sale_order",
    "departments": "SELECT count(*) FROM hr_department",
    "employees": "SELECT count(*) FROM hr_employee",
}
NOT_IN_19 = {"invoices", "orders", "departments", "employees"}


def alive(store: Store, entity: str, *columns: str) -> dict[int, tuple[Any, ...]]:
    table = FACT_TABLES[entity]
    with store.session() as session:
        rows = session.execute(
            select(table.c.odoo_id, *(table.c[c] for c in columns)).where(alive_now(table, "PROD"))
        ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def versions(store: Store, entity: str, odoo_id: int, *columns: str) -> list[tuple[Any, ...]]:
    table = FACT_TABLES[entity]
    with store.session() as session:
        return [
            tuple(row)
            for row in session.execute(
                select(table.c.first_seen_run_id, table.c.last_seen_run_id,
                       *(table.c[c] for c in columns))
                .where(table.c.odoo_id == odoo_id)
                .order_by(table.c.first_seen_run_id)
            )
        ]  # fmt: skip


@pytest.mark.parametrize(
    "odoo_rpc_stub",
    [16, 18, {"version": 19, "protocol": "json2"}, {"version": 18, "protocol": "jsonrpc"}],
    indirect=True,
)
def test_a_full_sync_equals_the_fixture(
    crm_sync: SyncFn, store: Store, odoo_sql: psycopg.Connection[Any], odoo_rpc_stub: RunningStub
) -> None:
    run = crm_sync()
    assert run.status == RunStatus.SUCCESS
    assert run.sync_type == SYNC_TYPE and run.environment == "PROD"
    version = odoo_rpc_stub.stub.version
    for entity, query in INDEPENDENT.items():
        if version == 19 and entity in NOT_IN_19:
            assert run.stats[entity]["mode"] == "absent"
            continue
        open_activity = "TRUE" if version == 16 else "active"  # 16 deletes done activities
        expected = sql(odoo_sql, query.format(open_activity=open_activity))[0][0]
        assert run.stats[entity]["count"] == expected, entity
        assert len(alive(store, entity)) == expected, entity
    # Every lead's values, column by column, against the fixture's own row.
    leads = alive(store, "leads", "stage_id", "user_id", "company_id", "active",
                  "expected_revenue", "probability", "type", "date_closed", "tag_ids")  # fmt: skip
    for lead_id, stage, user, company, active, revenue, probability, kind, closed, tags in sql(
        odoo_sql,
        "SELECT id, stage_id, user_id, company_id, active, expected_revenue, probability, type,"
        " date_closed, (SELECT string_agg(tag_id::text, ',' ORDER BY tag_id) FROM crm_tag_rel"
        " WHERE lead_id = l.id) FROM crm_lead l",
    ):
        stored = leads[lead_id]
        assert stored[:4] == (stage, user, company, active)
        assert stored[4] == float(revenue or 0) and stored[5] == float(probability or 0)
        assert stored[6] == kind and stored[8] == tags
        assert stored[7] == (closed.replace(microsecond=0, tzinfo=UTC) if closed else None)
    # Users with their allowed companies.
    expected_pairs = set(sql(odoo_sql, "SELECT user_id, cid FROM res_company_users_rel"))
    with store.session() as session:
        table = FACT_TABLES["user_companies"]
        pairs = session.execute(select(table.c.user_id, table.c.company_id)).all()
    assert {tuple(p) for p in pairs} == expected_pairs


def test_signed_invoice_amounts_and_won_stage(
    crm_sync: SyncFn, store: Store, odoo_sql: psycopg.Connection[Any]
) -> None:
    crm_sync()
    invoices = alive(store, "invoices", "move_type", "amount_total_signed", "invoice_user_id")
    refund = next(v for v in invoices.values() if v[0] == "out_refund")
    assert refund[1] < 0  # a credit note counts negative
    assert sorted(invoices) == [r[0] for r in sql(odoo_sql, "SELECT id FROM account_move WHERE "
                                "state = 'posted' AND move_type LIKE 'out_%' ORDER BY id")]  # fmt: skip
    stages = alive(store, "stages", "name", "is_won")
    assert [name for name, won in stages.values() if won] == ["Won"]


def test_incremental_reads_what_changed_and_versions_it(
    crm_sync: SyncFn,
    store: Store,
    odoo_rpc_stub: RunningStub,
    odoo_sql: psycopg.Connection[Any],
    client: OdooRpcClient,
) -> None:
    first = crm_sync()
    client.write("crm.lead", [1], {"stage_id": 3})
    second = crm_sync()  # the fixture's records share one write_date: this run reads them again
    assert second.stats["leads"]["mode"] == "incremental"
    assert second.stats["leads"]["changed"] == 1 and second.stats["leads"]["added"] == 0
    new_id = client.create("crm.lead", {"name": "Bigger deal", "type": "opportunity"})
    client.write("crm.lead", [2], {"active": False, "probability": 0})
    odoo_rpc_stub.stub.calls.clear()
    third = crm_sync()
    leads = third.stats["leads"]
    assert (leads["added"], leads["changed"], leads["removed"]) == (1, 1, 0)
    assert leads["count"] == sql(odoo_sql, "SELECT count(*) FROM crm_lead")[0][0]
    assert leads["read"] < 10  # only the records written since the previous run (and overlap)
    searched = odoo_rpc_stub.stub.calls_to("crm.lead", "search_read")
    assert any(term[0] == "write_date" for term in searched[0].args[0] if isinstance(term, list))
    # Stage history of lead 1: two versions, the first closed at the run before the change.
    history = versions(store, "leads", 1, "stage_id")
    assert [(h[0], h[1], h[2]) for h in history] == [
        (first.id, first.id, 1),
        (second.id, None, 3),
    ]
    assert alive(store, "leads", "name")[new_id] == ("Bigger deal",)
    assert alive(store, "leads", "active")[2] == (False,)  # lost, still served


def test_a_deletion_is_found_by_comparing_ids(
    crm_sync: SyncFn, store: Store, odoo_rpc_stub: RunningStub, client: OdooRpcClient
) -> None:
    crm_sync()
    client.execute("crm.lead", "unlink", [5])
    client.execute("res.partner", "unlink", [client.create("res.partner", {"name": "Gone"})])
    run = crm_sync()
    assert run.stats["leads"]["removed"] == 1
    assert 5 not in alive(store, "leads")
    (version,) = versions(store, "leads", 5, "name")
    assert version[1] is not None  # closed, not deleted: the history keeps it
    assert odoo_rpc_stub.stub.calls_to("crm.lead", "search")  # ids only


def test_full_reads_everything_again(
    crm_sync: SyncFn, store: Store, odoo_rpc_stub: RunningStub, client: OdooRpcClient
) -> None:
    crm_sync()
    client.execute("crm.lead", "unlink", [7])
    run = crm_sync(full=True)
    assert run.stats["full"] is True
    assert run.stats["leads"]["mode"] == "full"
    assert run.stats["leads"]["read"] == run.stats["leads"]["count"] == 43
    assert run.stats["leads"]["removed"] == 1


@pytest.mark.parametrize("odoo_rpc_stub", [19], indirect=True)
def test_modules_not_installed_are_skipped_and_said_so(crm_sync: SyncFn, store: Store) -> None:
    run = crm_sync()
    assert run.status == RunStatus.SUCCESS
    assert run.stats["absent"] == {
        "invoices": "account.move is not installed in Odoo (module account)",
        "orders": "sale.order is not installed in Odoo (module sale)",
        "departments": "hr.department is not installed in Odoo (module hr)",
        "employees": "hr.employee is not installed in Odoo (module hr)",
    }
    assert run.stats["leads"]["count"] == 44
    assert alive(store, "invoices") == {}


def test_an_uninstalled_module_closes_its_rows(
    crm_sync: SyncFn, store: Store, odoo_sql: psycopg.Connection[Any]
) -> None:
    crm_sync()
    assert len(alive(store, "orders")) == 26
    odoo_sql.execute("DELETE FROM ir_model WHERE model = 'sale.order'")
    run = crm_sync()
    assert run.stats["absent"]["orders"].startswith("sale.order is not installed")
    assert run.stats["orders"]["removed"] == 26
    assert alive(store, "orders") == {}


def test_a_dropped_connection_changes_nothing(
    crm_sync: SyncFn, store: Store, odoo_rpc_stub: RunningStub, client: OdooRpcClient
) -> None:
    first = crm_sync()
    before = alive(store, "leads", "stage_id")
    client.write("crm.lead", [1], {"stage_id": 2})
    client.execute("crm.lead", "unlink", [3])
    odoo_rpc_stub.stub.drop_connection("sale.order", "search_read")  # after leads were read
    with pytest.raises(OdooConnectionError, match="gave no answer to search_read"):
        crm_sync()
    assert alive(store, "leads", "stage_id") == before
    with store.session() as session:
        runs = session.scalars(select(SyncRun).order_by(SyncRun.id)).all()
        assert [r.status for r in runs] == [RunStatus.SUCCESS, RunStatus.FAILED]
        assert "gave no answer" in (runs[1].error or "")
        assert runs[1].lock_key is None
    after = crm_sync()  # the next run picks the changes up
    assert after.stats["leads"]["changed"] == 1 and after.stats["leads"]["removed"] == 1
    assert first.id < after.id


def test_a_model_the_user_may_not_read_is_skipped(
    crm_sync: SyncFn, store: Store, odoo_rpc_stub: RunningStub
) -> None:
    crm_sync()
    odoo_rpc_stub.stub.fail("hr.employee", "fields_get", fault="AccessError",
                            message="You are not allowed to access 'Employee'")  # fmt: skip
    run = crm_sync()
    assert run.stats["skipped"] == {
        "employees": "the Odoo user may not read hr.employee: You are not allowed to access "
        "'Employee'"
    }
    assert "employees" not in run.stats
    assert len(alive(store, "employees")) == 20  # carried forward


def test_only_users_or_departments(crm_sync: SyncFn) -> None:
    run = crm_sync(only="users")
    assert {k for k, v in run.stats.items() if isinstance(v, dict) and "mode" in v} == {
        "companies", "users", "teams", "team_members",
    }  # fmt: skip
    run = crm_sync(only="departments")
    assert run.stats["departments"]["count"] == 7 and "leads" not in run.stats
    leads = crm_sync()
    assert leads.stats["leads"]["mode"] == "full"  # never read before
    assert leads.stats["users"]["mode"] == "incremental"


def test_one_run_at_a_time(store: Store, crm_settings: Settings) -> None:
    acquire_run(store, SYNC_TYPE, "PROD", triggered_by="elsewhere", lock_timeout=600)
    with pytest.raises(RunAlreadyRunning, match="odoo_crm sync for PROD is already running"):
        sync_crm(store, crm_settings)


def test_a_missing_setting_is_one_error(
    store: Store, make_settings: Callable[..., Settings]
) -> None:
    from odoobridge.errors import ConfigError

    with pytest.raises(ConfigError, match="ODOO_URL, ODOO_DB, ODOO_USERNAME are not set"):
        sync_crm(store, make_settings())
    with store.session() as session:
        assert session.scalars(select(SyncRun)).all() == []  # no run was started


def test_statistics_are_refreshed_and_a_failure_there_fails_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from odoobridge.sales.crm_sync import refresh_statistics

    name = f"obt_store_stats_{uuid.uuid4().hex[:8]}"
    pg.create_database(name)
    store = Store(pg.url_for(name))
    refresh_statistics(store, {"leads": {"added": 5_000, "changed": 0, "removed": 0}})
    with store.session() as session:  # ANALYZE ran: PostgreSQL knows when
        analyzed = session.execute(
            text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'sales_leads'")
        ).scalar()
    assert analyzed is not None
    store.dispose()
    pg.drop_database(name)
    refresh_statistics(store, {"leads": {"added": 5_000, "changed": 0, "removed": 0}})
    assert "could not refresh statistics" in caplog.text
