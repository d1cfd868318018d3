"""Removing accounts (the seed's DELETE /api/admin/users/{id}): disabled by default — every
sign-in ends, the person's API keys are revoked, the row stays — or erased for good, leaving
the audit trail that names it; never oneself, never the last super admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from odoobridge.auth import accounts, apikeys
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import Account, AccountStatus, ApiKey, AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.errors import Conflict, NotFound
from odoobridge.store.engine import Store
from tests.auth.test_accounts import make_local

ORIGIN = Origin(ip="10.1.2.3", user_agent="pytest")


def key_of(store: Store, email: str) -> int:
    with store.session() as session:
        key, _raw = apikeys.create_api_key(
            session, name="script", role=Role.VIEWER, by=email, by_role=Role.ADMIN, origin=ORIGIN
        )
        return key.id


def test_a_soft_removal_disables_ends_sign_ins_and_revokes_keys(store: Store) -> None:
    ada = make_local(store, "ada@example.com", Role.ADMIN)
    key = key_of(store, "ada@example.com")
    other = key_of(store, "bob@example.com")
    with store.session() as session:
        version = session.get(Account, ada).session_version  # type: ignore[union-attr]
        kept = accounts.delete_account(
            session, ada, permanent=False, by_account_id=99, by="root@example.com", origin=ORIGIN
        )
        assert kept is not None and kept.status == AccountStatus.DISABLED
        assert kept.session_version == version + 1
    with store.session() as session:
        assert session.get(ApiKey, key).revoked_by == "root@example.com"  # type: ignore[union-attr]
        assert session.get(ApiKey, other).revoked_at is None  # type: ignore[union-attr]
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "account_disabled"))
        (disabled,) = event.all()
        assert (disabled.actor, disabled.target, disabled.ip) == (
            "root@example.com", "ada@example.com", "10.1.2.3",
        )  # fmt: skip
        assert disabled.detail["permanent"] is False
        assert len(disabled.detail["api_keys_revoked"]) == 1


def test_a_permanent_removal_erases_the_account_and_keeps_its_trail(store: Store) -> None:
    ada = make_local(store, "ada@example.com")
    key_of(store, "ada@example.com")
    with store.session() as session:
        gone = accounts.delete_account(
            session, ada, permanent=True, by_account_id=None, by="root", origin=ORIGIN
        )
        assert gone is None
    with store.session() as session:
        assert session.get(Account, ada) is None
        targets = [e.target for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert targets.count("ada@example.com") == 2  # made, then erased: both entries stay
    with store.session() as session, pytest.raises(NotFound):
        accounts.delete_account(
            session, ada, permanent=True, by_account_id=None, by="root", origin=ORIGIN
        )


def test_nobody_removes_themselves_or_the_last_super_admin(store: Store) -> None:
    root = make_local(store, "root@example.com", Role.SUPER_ADMIN)
    with store.session() as session, pytest.raises(Conflict, match="your own account"):
        accounts.delete_account(
            session, root, permanent=False, by_account_id=root, by="root", origin=ORIGIN
        )
    with store.session() as session, pytest.raises(Conflict, match="last active super admin"):
        accounts.delete_account(
            session, root, permanent=True, by_account_id=None, by="cli", origin=ORIGIN
        )
