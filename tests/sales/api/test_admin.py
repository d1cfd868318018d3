"""The seed's integration and user-management routes on the Odoo 18 scene: a CRM sync in the
background (202, then 409 while it runs, 400 without Odoo's settings), the partial syncs, the
accounts with their Odoo links, approval that matches in Odoo, removal soft and permanent, and
links set, removed and handed back to matching by a super admin — every change audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from odoobridge.auth import accounts
from odoobridge.auth.models import Account, AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.sales.crm_sync import SYNC_TYPE
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.runs import acquire_run
from odoobridge.web.app import create_app
from tests.fakes.odoo_rpc_fixtures import RunningStub
from tests.sales.api.scene import Scene
from tests.web.conftest import SECRET_KEY, SignedIn
from tests.web.live import client, live_server, wait_until

pytestmark = pytest.mark.parametrize("odoo_rpc_stub", [18], indirect=True)


def finished(http: httpx.Client, run_id: int) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    def done() -> bool:
        seen.append(http.get(f"/api/sync/runs/{run_id}").json())
        return bool(seen[-1]["status"] != "running")

    wait_until(done, timeout=60, interval=0.05)
    return seen[-1]


def actions(store: Store, prefix: str) -> list[AuditEvent]:
    with store.session() as session:
        query = select(AuditEvent).where(AuditEvent.action.like(f"{prefix}%"))
        return list(session.scalars(query.order_by(AuditEvent.id)))


def test_a_crm_sync_runs_in_the_background(
    scene: Scene, signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    admin = signed_in(Role.ADMIN)
    started = admin.post("/api/integrations/sync/odoo", params={"full": "true"})
    assert started.status_code == 202, started.text
    body = started.json()
    assert (body["sync_type"], body["environment"]) == (SYNC_TYPE, "PROD")
    run = finished(admin.client, body["run_id"])
    assert run["status"] == "success" and run["stats"]["leads"]["mode"] == "full"
    assert run["triggered_by"] == "admin@example.com"
    (event,) = actions(store, "sync_started")
    assert event.target == "odoo_crm:PROD" and event.detail["full"] is True
    for route, part in (("sync-users", "users"), ("sync-departments", "departments")):
        answer = admin.post(f"/api/integrations/odoo/{route}")
        assert answer.status_code == 202
        stats = finished(admin.client, answer.json()["run_id"])["stats"]
        assert stats["only"] == part and "leads" not in stats


def test_a_second_trigger_gets_409(
    scene: Scene, signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    holder = acquire_run(store, SYNC_TYPE, "PROD", triggered_by="elsewhere", lock_timeout=600)
    answer = signed_in(Role.ADMIN).post("/api/integrations/sync/odoo")
    assert answer.status_code == 409 and answer.json()["run_id"] == holder


def test_without_odoo_settings_a_trigger_says_what_to_set(
    store: Store,
    make_settings: Callable[..., Settings],
    make_key: Callable[..., str],
    odoo_rpc_stub: RunningStub,  # running, but these settings do not name it
) -> None:
    app = create_app(make_settings(ODOOBRIDGE_SECRET_KEY=SECRET_KEY), store)
    key = make_key(Role.ADMIN)
    with live_server(app) as base, client(base) as http:
        answer = http.post("/api/integrations/sync/odoo", headers={"X-API-Key": key})
        assert answer.status_code == 400
        assert "ODOO_URL, ODOO_DB, ODOO_USERNAME are not set" in answer.json()["detail"]
        statuses = http.get("/api/sync-status", headers={"X-API-Key": key}).json()
        assert statuses[0]["status"] == "not_configured"


def test_accounts_with_their_odoo_links(
    scene: Scene, signed_in: Callable[[Role], SignedIn]
) -> None:
    root = signed_in(Role.SUPER_ADMIN)
    users = {u["email"]: u for u in root.client.get("/api/admin/users").json()}
    marc = users["mark.brown23@example.com"]["odoo_link"]
    assert (marc["status"], marc["odoo_user_id"], marc["team_name"]) == ("matched", 6, "Pre-Sales")
    assert users["viewer@example.com"]["odoo_link"] is None  # made after the sync, never asked
    refused = signed_in(Role.ADMIN).client.get("/api/admin/users")
    assert refused.status_code == 403


def test_approval_finds_the_odoo_user(
    scene: Scene,
    signed_in: Callable[[Role], SignedIn],
    store: Store,
    odoo_rpc_stub: RunningStub,
    web_settings: Settings,
) -> None:
    from odoobridge.sales.crm_sync import sync_crm

    with odoo_rpc_stub.client() as odoo:
        hire = odoo.create("res.users", {"login": "new.hire@example.com", "name": "New Hire"})
    sync_crm(store, web_settings, only="users")
    with store.session() as session:
        pending, _ = accounts.sso_account(session, oid="oid-hire", email="New.Hire@example.com",
                                          name="New Hire", job_title=None, department=None)  # fmt: skip
        pending_id = pending.id
    root = signed_in(Role.SUPER_ADMIN)
    approved = root.post(f"/api/admin/users/{pending_id}/approve", json={"role": "auditor"})
    assert approved.status_code == 200, approved.text
    shown = approved.json()
    assert (shown["status"], shown["role"]) == ("active", "auditor")
    assert (shown["odoo_link"]["status"], shown["odoo_link"]["odoo_user_id"]) == ("matched", hire)
    again = root.post(f"/api/admin/users/{pending_id}/approve")
    assert again.status_code == 409


def test_removal_soft_then_permanent(
    scene: Scene,
    signed_in: Callable[[Role], SignedIn],
    store: Store,
    make_key: Callable[..., str],
) -> None:
    demo = scene.people["mark.brown23@example.com"]
    assert demo.http is not None and demo.http.get("/api/auth/me").status_code == 200
    with store.session() as session:
        demo_id = accounts.account_by_email(session, demo.email).id  # type: ignore[union-attr]
    root = signed_in(Role.SUPER_ADMIN)
    csrf = {"X-CSRF-Token": root.csrf}
    soft = root.client.delete(f"/api/admin/users/{demo_id}", headers=csrf)
    assert soft.json() == {"id": demo_id, "email": demo.email, "status": "disabled"}
    assert demo.http.get("/api/auth/me").status_code == 401  # the sign-in ended
    gone = root.client.delete(f"/api/admin/users/{demo_id}", params={"permanent": "true"},
                              headers=csrf)  # fmt: skip
    assert gone.json()["status"] == "deleted"
    with store.session() as session:
        assert session.get(Account, demo_id) is None
    trail = [e.action for e in actions(store, "account_") if e.target == demo.email]
    assert trail == ["account_created", "account_disabled", "account_deleted"]
    me = root.client.get("/api/auth/me").json()
    own_id = next(u["id"] for u in root.client.get("/api/admin/users").json()
                  if u["email"] == me["actor"])  # fmt: skip
    own = root.client.delete(f"/api/admin/users/{own_id}", headers=csrf)
    assert own.status_code == 409


def test_links_by_hand(scene: Scene, signed_in: Callable[[Role], SignedIn], store: Store) -> None:
    root = signed_in(Role.SUPER_ADMIN)
    users = {u["email"]: u["id"] for u in root.client.get("/api/admin/users").json()}
    viewer = users["viewer@example.com"]
    linked = root.post(f"/api/admin/users/{viewer}/odoo-link", json={"odoo_user_id": 6})
    assert linked.json()["odoo_link"]["manual"] is True
    assert linked.json()["odoo_link"]["salesperson_name"] == "Marc Demo"
    viewer_sees = signed_in(Role.VIEWER).client.get("/api/sales/visibility").json()
    assert (viewer_sees["status"], viewer_sees["odoo_user_id"]) == ("visible", 6)
    archived = root.post(f"/api/admin/users/{viewer}/odoo-link", json={"odoo_user_id": 3})
    assert archived.status_code == 409  # "default" is archived
    unlinked = root.client.delete(f"/api/admin/users/{viewer}/odoo-link",
                                  headers={"X-CSRF-Token": root.csrf})  # fmt: skip
    assert unlinked.json()["odoo_link"]["status"] == "unlinked"
    auto = root.post(f"/api/admin/users/{viewer}/odoo-link/auto")
    assert auto.json()["odoo_link"]["status"] == "not_found"
    trail = [e.action for e in actions(store, "sales_link_") if e.target == "viewer@example.com"]
    assert trail == ["sales_link_set", "sales_link_removed", "sales_link_reset",
                     "sales_link_updated"]  # fmt: skip
