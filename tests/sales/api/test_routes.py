"""The sales routes on the Odoo 18 scene: filters, sorting, paging and the detail of an
opportunity (stage history from the temporal rows, activities, the pipeline as of an earlier
sync), accounts with everything around them, invoices, targets with progress from won revenue,
another person's view for super admins (audited), each integration's state and the rules check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.sales.crm_sync import sync_crm
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from tests import pg
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.api.scene import Person, Scene
from tests.web.conftest import SignedIn

pytestmark = pytest.mark.parametrize("odoo_rpc_stub", [18], indirect=True)


def odoo_sql(scene: Scene, query: str, params: Any = None) -> list[tuple[Any, ...]]:
    with pg.connect(scene.database.name) as conn:
        return conn.execute(query, params).fetchall()


def admin_of(scene: Scene) -> Person:
    return next(p for p in scene.people.values() if p.uid == 2)


def item_ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_filters_sort_and_paging(scene: Scene) -> None:
    admin = admin_of(scene)
    won = admin.get("/api/opportunities", status="won")
    expected = odoo_sql(scene, "SELECT l.id FROM crm_lead l JOIN crm_stage s ON s.id = l.stage_id"
                        " WHERE s.is_won AND l.active ORDER BY l.id")  # fmt: skip
    assert sorted(item_ids(won)) == [r[0] for r in expected]
    assert {item["status"] for item in won["items"]} == {"won"}
    lost = admin.get("/api/opportunities", status="lost", limit=500)
    assert sorted(item_ids(lost)) == [r[0] for r in odoo_sql(
        scene, "SELECT id FROM crm_lead WHERE NOT active AND probability = 0 ORDER BY id")]  # fmt: skip
    found = admin.get("/api/opportunities", search="OFFICE design")
    assert 14 in item_ids(found) and all("office" in i["name"].lower() or "office" in
        (i["partner_name"] or "").lower() for i in found["items"])  # fmt: skip
    demo = admin.get("/api/opportunities", salesperson_id=6, limit=500)
    assert {i["salesperson"]["id"] for i in demo["items"]} == {6}
    richest = admin.get("/api/opportunities", sort="-expected_revenue", limit=3)
    top = odoo_sql(scene, "SELECT id FROM crm_lead ORDER BY expected_revenue DESC NULLS LAST, "
                   "id DESC LIMIT 6")  # fmt: skip
    assert item_ids(richest) == [r[0] for r in top[:3]]
    following = admin.get("/api/opportunities", sort="-expected_revenue", limit=3, offset=3)
    assert item_ids(following) == [r[0] for r in top[3:]]
    assert richest["total"] == 44
    bad = admin.http.get("/api/opportunities", params={"sort": "password"})  # type: ignore[union-attr]
    assert bad.status_code == 422 and "sort: use one of" in bad.json()["detail"]


def test_an_opportunity_in_full(scene: Scene) -> None:
    admin = admin_of(scene)
    lead = admin.get("/api/opportunities/20")
    assert (lead["stage"]["name"], lead["status"], lead["salesperson"]["id"]) == ("Won", "won", 2)
    assert lead["weighted_revenue"] == round(
        lead["expected_revenue"] * lead["probability"] / 100, 2
    )
    assert [step["stage"]["name"] for step in lead["stage_history"]] == ["Won"]
    (activity,) = lead["activities"]
    summary = odoo_sql(scene, "SELECT summary FROM mail_activity WHERE res_model = 'crm.lead'"
                       " AND res_id = 20")[0][0]  # fmt: skip
    assert activity["summary"] == summary and activity["state"] in ("overdue", "today", "planned")
    chicago = scene.people["chicago.seller@example.com"]
    hidden = chicago.http.get("/api/opportunities/20")  # type: ignore[union-attr]
    assert hidden.status_code == 404 and "no opportunity 20 you may see" in hidden.json()["detail"]


def test_stage_history_and_the_pipeline_as_it_was(
    scene: Scene, store: Store, web_settings: Settings, odoo_rpc_stub: RunningStub
) -> None:
    admin = admin_of(scene)
    before = datetime.now(UTC)
    with odoo_rpc_stub.client() as odoo:
        odoo.write("crm.lead", [13], {"stage_id": 3})
    sync_crm(store, web_settings)
    lead = admin.get("/api/opportunities/13")
    assert [s["stage"]["name"] for s in lead["stage_history"]] == ["New", "Proposition"]
    earlier = admin.get("/api/opportunities/13", as_of=before.isoformat())
    assert earlier["stage"]["name"] == "New"
    assert [s["stage"]["name"] for s in earlier["stage_history"]] == ["New"]
    page = admin.get("/api/opportunities", as_of=before.isoformat(), stage_id=1, limit=500)
    assert 13 in item_ids(page) and page["visibility"]["as_of_run_id"] is not None
    dashboard_then = admin.get("/api/dashboard/real", as_of=before.isoformat())
    assert dashboard_then["visibility"]["crm_run_id"] < lead_run(admin)
    too_early = admin.get("/api/opportunities", as_of="2000-01-01T00:00:00Z")
    assert too_early["visibility"]["status"] == "no_crm_sync"


def lead_run(person: Person) -> int:
    return int(person.get("/api/sales/visibility")["crm_run_id"])


def test_an_account_with_everything_around_it(scene: Scene) -> None:
    admin = admin_of(scene)
    account = admin.get("/api/accounts/10")
    assert account["name"] == "Deco Addict" and account["is_company"] is True
    contacts = odoo_sql(scene, "SELECT id FROM res_partner WHERE commercial_partner_id = 10"
                        " AND id <> 10 ORDER BY id")  # fmt: skip
    assert sorted(c["id"] for c in account["contacts"]) == [r[0] for r in contacts]
    leads = odoo_sql(scene, "SELECT l.id FROM crm_lead l JOIN res_partner p ON p.id = l.partner_id"
                     " WHERE p.commercial_partner_id = 10 ORDER BY l.id")  # fmt: skip
    assert sorted(o["id"] for o in account["opportunities"]) == [r[0] for r in leads]
    invoices = odoo_sql(scene, "SELECT id, amount_untaxed_signed, amount_residual_signed FROM "
                        "account_move WHERE commercial_partner_id = 10 AND state = 'posted' AND "
                        "move_type IN ('out_invoice', 'out_refund') ORDER BY id")  # fmt: skip
    assert sorted(i["id"] for i in account["invoices"]) == [r[0] for r in invoices]
    assert account["totals"]["invoiced_net"] == round(float(sum(r[1] for r in invoices)), 2)
    assert account["totals"]["receivable"] == round(float(sum(r[2] for r in invoices)), 2)
    orders = odoo_sql(scene, "SELECT id FROM sale_order WHERE partner_id IN (SELECT id FROM "
                      "res_partner WHERE commercial_partner_id = 10) ORDER BY id")  # fmt: skip
    assert sorted(o["id"] for o in account["orders"]) == [r[0] for r in orders]
    listed = admin.get("/api/accounts", search="deco")
    (row,) = [a for a in listed["items"] if a["id"] == 10]
    assert row["invoiced_net"] == account["totals"]["invoiced_net"]
    assert all(a["id"] != 19 for a in admin.get("/api/accounts", limit=500)["items"])  # a contact


def test_invoices_filtered(scene: Scene) -> None:
    admin = admin_of(scene)
    refunds = admin.get("/api/invoices", move_type="out_refund")
    assert sorted(item_ids(refunds)) == [8, 9, 12, 13, 14]
    assert all(i["amount_total_signed"] < 0 for i in refunds["items"])
    of_deco = admin.get("/api/invoices", partner_id=10)
    assert {i["partner"]["name"] for i in of_deco["items"]} == {"Deco Addict"}
    dated = admin.get("/api/invoices", date_from="2026-11-20", date_to="2026-11-21")
    assert sorted(item_ids(dated)) == [r[0] for r in odoo_sql(
        scene, "SELECT id FROM account_move WHERE move_type LIKE 'out_%%' AND state = 'posted' "
        "AND invoice_date BETWEEN '2026-11-20' AND '2026-11-21' ORDER BY id")]  # fmt: skip


def test_targets_progress_from_won_revenue(
    scene: Scene, signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    admin = signed_in(Role.ADMIN)
    body = {"scope": "salesperson", "odoo_id": 6, "period_start": "2026-11-01",
            "period_end": "2026-11-30", "amount": 10000}  # fmt: skip
    made = admin.post("/api/targets", json=body)
    assert made.status_code == 201, made.text
    won = odoo_sql(scene, "SELECT coalesce(sum(l.expected_revenue), 0) FROM crm_lead l JOIN "
                   "crm_stage s ON s.id = l.stage_id WHERE s.is_won AND l.active AND l.user_id = 6"
                   " AND l.date_closed >= '2026-11-01' AND l.date_closed < '2026-12-01'")[0][0]  # fmt: skip
    demo_view = scene.people["mark.brown23@example.com"].get("/api/targets")
    (target,) = demo_view["items"]
    assert (target["name"], target["won"]) == ("Marc Demo", float(won))
    assert target["progress"] == round(float(won) / 10000, 4) and won > 0
    chicago = scene.people["chicago.seller@example.com"].get("/api/targets")
    assert chicago["items"][0]["won"] == 0.0  # it cannot see Marc's leads: no revenue leaks
    again = admin.post("/api/targets", json={**body, "amount": 8000})
    assert again.json()["id"] == made.json()["id"] and again.json()["amount"] == 8000
    assert admin.client.delete(f"/api/targets/{made.json()['id']}",
                               headers={"X-CSRF-Token": admin.csrf}).status_code == 204  # fmt: skip
    assert scene.people["mark.brown23@example.com"].get("/api/targets")["items"] == []
    with store.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("sales_target%")).order_by(AuditEvent.id)).all()  # fmt: skip
    assert actions == ["sales_target_set", "sales_target_set", "sales_target_deleted"]
    wrong = admin.post("/api/targets", json={**body, "period_end": "2026-10-01"})
    assert wrong.status_code == 422 and "period_start must not be after" in wrong.json()["detail"]


def test_another_persons_view_for_super_admins_only(
    scene: Scene, signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    chicago = scene.people["chicago.seller@example.com"]
    root = signed_in(Role.SUPER_ADMIN)
    theirs = root.client.get("/api/opportunities", params={"as": chicago.email, "limit": 500})
    assert theirs.json()["items"] == chicago.get("/api/opportunities", limit=500)["items"]
    assert theirs.json()["visibility"]["email"] == chicago.email
    with store.session() as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "sales_view_as"))
        assert (event.actor, event.target) == ("super-admin@example.com", chicago.email)
    refused = signed_in(Role.ADMIN).client.get("/api/opportunities", params={"as": chicago.email})
    assert refused.status_code == 403 and "super admins only" in refused.json()["detail"]
    unknown = root.client.get("/api/dashboard/real", params={"as": "ghost@example.com"})
    assert unknown.status_code == 404


def test_each_integrations_state(scene: Scene, signed_in: Callable[[Role], SignedIn]) -> None:
    states = signed_in(Role.VIEWER).client.get("/api/sync-status").json()
    by_source = {(s["sync_type"], s["environment"]): s for s in states}
    assert states[0]["sync_type"] == "odoo_crm" and states[0]["label"] == "Odoo CRM"
    assert by_source[("odoo_crm", "PROD")]["status"] == "connected"
    assert by_source[("odoo_crm", "PROD")]["counts"]["leads"] == 44
    assert by_source[("odoo_postgres", "PROD")]["status"] == "connected"
    # ODOO_ENVIRONMENT (PREPROD) may read its security model through the gateway's ODOO_URL
    # when it has no DSN of its own: configured, never synced
    assert by_source[("odoo_postgres", "PREPROD")]["status"] == "needs_refresh"
    assert by_source[("azure_users", None)]["status"] == "not_configured"


def test_rules_that_cannot_be_evaluated_are_listed(
    scene: Scene, signed_in: Callable[[Role], SignedIn]
) -> None:
    answer = signed_in(Role.AUDITOR).client.get("/api/sales/rules").json()
    assert answer["environment"] == "PROD" and answer["security_run_id"] is not None
    names = {(r["model"], r["name"]) for r in answer["rules"]}
    assert ("account.move", "Portal Personal Account Invoices") in names
    assert ("sale.order", "Portal Personal Quotations/Sales Orders") in names
    assert all("message_partner_ids" in r["reason"] or r["reason"] for r in answer["rules"])
    assert not any(model == "crm.lead" for model, _ in names)  # every CRM rule is evaluated
