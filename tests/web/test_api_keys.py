"""API keys over HTTP: made once and shown once, hashed at rest, working only within their role
and scopes, refused once revoked or expired, and recorded in the audit log."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import select

from odoobridge.auth.models import ApiKey, AuditEvent
from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.web.deps import require_scope
from tests.web.conftest import SignedIn, sign_in
from tests.web.live import client, live_server, wait_until


def get(c: httpx.Client, path: str, key: str) -> httpx.Response:
    return c.get(path, headers={"X-API-Key": key})


def test_a_key_is_shown_once_and_hashed_at_rest(
    signed_in: Callable[[Role], SignedIn], store: Store, anonymous: httpx.Client
) -> None:
    admin = signed_in(Role.ADMIN)
    made = admin.post(
        "/api/admin/api-keys",
        json={"name": "nightly export", "role": "auditor", "expires_in_days": 30},
    )
    assert made.status_code == 201
    body = made.json()
    raw = body["key"]
    assert raw.startswith(body["prefix"] + "_") and body["role"] == "auditor"
    assert body["created_by"] == "admin@example.com" and body["state"] == "active"
    with store.session() as session:
        row = session.scalars(select(ApiKey)).one()
        assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
        assert raw not in (row.prefix, row.key_hash, row.name)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "api_key_created")
        ).one()
        assert (event.actor, event.target) == ("admin@example.com", body["prefix"])
        assert raw not in str(event.as_dict())
    listed = admin.client.get("/api/admin/api-keys").json()
    assert [k["prefix"] for k in listed] == [body["prefix"]] and "key" not in listed[0]
    me = get(anonymous, "/api/auth/me", raw).json()
    assert me == {
        "kind": "api_key",
        "actor": f"apikey:{body['prefix']}",
        "name": "nightly export",
        "role": "auditor",
        "scopes": [],
        "csrf_token": None,
    }


def test_keys_work_only_within_their_role(
    anonymous: httpx.Client, make_key: Callable[..., str], signed_in: Callable[[Role], SignedIn]
) -> None:
    auditor = make_key(Role.AUDITOR)
    assert get(anonymous, "/api/auth/me", auditor).status_code == 200
    refused = get(anonymous, "/api/admin/audit", auditor)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "this needs the admin role; you are auditor"}
    admin = make_key(Role.ADMIN)
    assert get(anonymous, "/api/admin/audit", admin).status_code == 200
    assert get(anonymous, "/api/admin/accounts", admin).status_code == 403
    stronger = anonymous.post(
        "/api/admin/api-keys",
        json={"name": "x", "role": "super_admin"},
        headers={"X-API-Key": admin},
    )
    assert stronger.status_code == 403
    assert stronger.json() == {"detail": "a admin cannot make a key with the role super_admin"}
    # an admin sees and revokes only the keys it made
    boss = signed_in(Role.SUPER_ADMIN)
    theirs = boss.post("/api/admin/api-keys", json={"name": "boss's", "role": "viewer"}).json()
    assert get(anonymous, "/api/admin/api-keys", admin).json() == []
    answer = anonymous.post(
        f"/api/admin/api-keys/{theirs['id']}/revoke", headers={"X-API-Key": admin}
    )
    assert answer.status_code == 403
    assert answer.json()["detail"] == (
        f"the API key {theirs['prefix']} belongs to super-admin@example.com: ask a super admin"
    )


def test_a_revoked_key_fails(
    anonymous: httpx.Client,
    make_key: Callable[..., str],
    signed_in: Callable[[Role], SignedIn],
    store: Store,
) -> None:
    boss = signed_in(Role.SUPER_ADMIN)
    made = boss.post("/api/admin/api-keys", json={"name": "script", "role": "viewer"}).json()
    assert get(anonymous, "/api/auth/me", made["key"]).status_code == 200
    revoked = boss.post(f"/api/admin/api-keys/{made['id']}/revoke")
    assert revoked.json()["state"] == "revoked"
    assert revoked.json()["revoked_by"] == "super-admin@example.com"
    answer = get(anonymous, "/api/auth/me", made["key"])
    assert answer.status_code == 401
    assert answer.json() == {
        "detail": f"the API key {made['prefix']} was revoked: ask an admin for a new one"
    }
    again = boss.post(f"/api/admin/api-keys/{made['id']}/revoke")
    assert again.status_code == 409
    with store.session() as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["api_key_created", "api_key_revoked"]


def test_an_expired_or_unknown_key_fails(
    anonymous: httpx.Client, make_key: Callable[..., str], store: Store
) -> None:
    raw = make_key(Role.VIEWER, expires_at=utcnow() + timedelta(hours=1))
    assert get(anonymous, "/api/auth/me", raw).status_code == 200
    with store.session() as session:
        key = session.scalars(select(ApiKey)).one()
        key.expires_at = utcnow() - timedelta(minutes=1)
        prefix = key.prefix
    # changed by another process (here: directly in the store): the app notices within 5 s
    wait_until(lambda: get(anonymous, "/api/auth/me", raw).status_code == 401, timeout=10)
    answer = get(anonymous, "/api/auth/me", raw)
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith(f"the API key {prefix} expired on ")
    assert get(anonymous, "/api/auth/me", raw[:-2] + "xx").json() == {
        "detail": "the API key is not valid"
    }
    assert get(anonymous, "/api/auth/me", "hello").json() == {
        "detail": "the X-API-Key header does not hold an OdooBridge API key"
    }
    assert get(anonymous, "/api/auth/me", raw).headers["www-authenticate"].startswith("ApiKey")


def test_last_use_is_recorded(
    anonymous: httpx.Client, make_key: Callable[..., str], store: Store
) -> None:
    raw = make_key(Role.VIEWER)
    before = utcnow()
    get(anonymous, "/api/auth/me", raw)

    def used() -> datetime | None:
        with store.session() as session:
            return session.scalars(select(ApiKey.last_used_at)).one()

    wait_until(lambda: used() is not None, timeout=10)
    stamped = used()
    assert stamped is not None and stamped >= before - timedelta(seconds=1)


GatewayReader = Annotated[Principal, Depends(require_scope("gateway:read", Role.VIEWER))]


@pytest.fixture
def scoped_app(app: FastAPI) -> Iterator[str]:
    router = APIRouter()

    @router.get("/api/test/scoped")
    def scoped(principal: GatewayReader) -> dict[str, str]:
        return {"actor": principal.actor}

    app.include_router(router)
    with live_server(app) as base:
        yield base


def test_scopes_are_granted_to_keys_explicitly(
    scoped_app: str, make_key: Callable[..., str], people: dict[Role, str]
) -> None:
    with client(scoped_app) as c:
        plain = make_key(Role.SUPER_ADMIN)
        refused = get(c, "/api/test/scoped", plain)
        assert refused.status_code == 403
        assert refused.json() == {
            "detail": "this API key lacks the scope gateway:read: make a key that has it"
        }
        scoped = make_key(Role.VIEWER, scopes=["gateway:read"])
        assert get(c, "/api/test/scoped", scoped).status_code == 200
        sign_in(c, people[Role.VIEWER])  # people get scopes through their role
        assert c.get("/api/test/scoped").json() == {"actor": "viewer@example.com"}
