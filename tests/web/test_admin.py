"""The Admin page's forms and the admin API: each change of an account or an API key is one
call to its service, which writes the audit record with the request's origin — once."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select

from odoobridge.auth import accounts
from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.store.engine import Store
from tests.web.conftest import PASSWORD, SignedIn


def _events(store: Store, after: int) -> list[tuple[str, str, str | None, dict[str, object]]]:
    with store.session() as session:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)
        ).all()
        assert all(e.ip == "127.0.0.1" and (e.user_agent or "").startswith("python-httpx/")
                   for e in rows)  # fmt: skip
        return [(e.actor, e.action, e.target, e.detail) for e in rows]


def _last_event(store: Store) -> int:
    with store.session() as session:
        return max(session.scalars(select(AuditEvent.id)).all(), default=0)


def test_the_admin_forms_record_each_change_once(
    signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    boss = signed_in(Role.SUPER_ADMIN)
    me = "super-admin@example.com"
    with store.session() as session:
        waiting, _ = accounts.sso_account(
            session, oid="oid-1", email="g@example.com", name="G", job_title=None, department=None
        )
        waiting_id = waiting.id
    start = _last_event(store)
    form = {"csrf_token": boss.csrf}
    made = boss.client.post(
        "/admin/accounts",
        data={**form, "email": "ada@example.com", "name": "Ada", "password": PASSWORD},
    )
    assert made.status_code == 303
    assert (
        boss.client.post(
            f"/admin/accounts/{waiting_id}/approve", data={**form, "role": "auditor"}
        ).status_code
        == 303
    )
    assert (
        boss.client.post(
            f"/admin/accounts/{waiting_id}", data={**form, "status": "disabled"}
        ).status_code
        == 303
    )
    page = boss.client.post("/admin/api-keys", data={**form, "name": "nightly", "role": "viewer"})
    key = re.search(r"(obk_[a-z0-9]{10})_[A-Za-z0-9_-]+", page.text)
    assert key, page.text
    listed = boss.client.get("/api/admin/api-keys").json()
    assert (
        boss.client.post(f"/admin/api-keys/{listed[0]['id']}/revoke", data=form).status_code == 303
    )
    assert _events(store, start) == [
        (me, "account_created", "ada@example.com", {"role": "viewer"}),
        (me, "account_approved", "g@example.com", {"role": "auditor"}),
        (me, "account_changed", "g@example.com", {"status": "disabled"}),
        (me, "api_key_created", key.group(1), {"name": "nightly", "role": "viewer", "scopes": []}),
        (me, "api_key_revoked", key.group(1), {"name": "nightly"}),
    ]
    assert key.group(0) not in str(_events(store, start))


def test_the_admin_api_records_each_change_once(
    signed_in: Callable[[Role], SignedIn], store: Store
) -> None:
    boss = signed_in(Role.SUPER_ADMIN)
    me = "super-admin@example.com"
    start = _last_event(store)
    made = boss.post(
        "/api/admin/accounts",
        json={"email": "ada@example.com", "name": "Ada", "password": PASSWORD, "role": "admin"},
    ).json()
    changed = boss.client.patch(
        f"/api/admin/accounts/{made['id']}",
        json={"role": "auditor"},
        headers={"X-CSRF-Token": boss.csrf},
    )
    assert changed.status_code == 200 and changed.json()["role"] == "auditor"
    refused = boss.post(f"/api/admin/accounts/{made['id']}/approve", json={"role": "viewer"})
    assert refused.status_code == 409  # not waiting: refused, and nothing recorded
    assert _events(store, start) == [
        (me, "account_created", "ada@example.com", {"role": "admin"}),
        (me, "account_changed", "ada@example.com", {"role": "auditor"}),
    ]
