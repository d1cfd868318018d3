"""Accounts: local sign-in, Microsoft Entra accounts waiting for approval, role changes, and the
append-only audit log — on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DBAPIError

from odoobridge.auth import accounts, apikeys
from odoobridge.auth.audit import Origin, list_events, record
from odoobridge.auth.models import AccountStatus, AuditEvent, AuditLogIsAppendOnly
from odoobridge.auth.passwords import hash_password, verify_password
from odoobridge.auth.roles import Role, parse_scopes
from odoobridge.errors import ConfigError, Conflict, Forbidden, NotFound, Unauthorized
from odoobridge.store.engine import Store

PASSWORD = "correct horse battery staple"


def make_local(store: Store, email: str, role: Role = Role.VIEWER) -> int:
    with store.session() as session:
        return accounts.create_local_account(
            session,
            email=email,
            name="Ada  Lovelace ",
            password=PASSWORD,
            role=role,
            by="t",
            origin=Origin(),
        ).id


def test_local_account_signs_in(store: Store) -> None:
    account_id = make_local(store, " Ada@Example.COM ")
    with store.session() as session:
        account = accounts.authenticate(session, "ada@example.com", PASSWORD)
        assert (account.id, account.email, account.name) == (
            account_id,
            "ada@example.com",
            "Ada Lovelace",
        )
        assert account.password_hash and account.password_hash.startswith("$argon2id$")
        assert PASSWORD not in account.password_hash
        assert account.last_login_at is not None
    with store.session() as session, pytest.raises(Unauthorized, match=r"^wrong email or pass"):
        accounts.authenticate(session, "ada@example.com", "not the password")
    with store.session() as session, pytest.raises(Unauthorized, match=r"^wrong email or pass"):
        accounts.authenticate(session, "nobody@example.com", PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "'not-an-email' is not an email address"),
        ("a@example.com", "short", "the password must have at least 12 characters"),
        ("a@example.com", " padded password ", "must not start or end with spaces"),
    ],
)
def test_bad_account_input_says_what_to_fix(
    store: Store, email: str, password: str, message: str
) -> None:
    with store.session() as session, pytest.raises(ConfigError, match=message):
        accounts.create_local_account(
            session,
            email=email,
            name="A",
            password=password,
            role=Role.VIEWER,
            by="t",
            origin=Origin(),
        )


def test_one_account_per_email(store: Store) -> None:
    make_local(store, "ada@example.com")
    with pytest.raises(Conflict, match=r"an account for ada@example\.com already exists"):
        make_local(store, "ADA@example.com")


def test_sso_accounts_wait_for_approval(store: Store) -> None:
    with store.session() as session:
        account, created = accounts.sso_account(
            session,
            oid="oid-1",
            email="Grace@Contoso.com",
            name="Grace Hopper",
            job_title="Rear Admiral",
            department="Navy",
        )
        assert created and account.status == AccountStatus.PENDING
        assert (account.role, account.password_hash) == ("viewer", None)
        account_id = account.id
        with pytest.raises(Forbidden, match="waiting for a super admin's approval"):
            accounts.ensure_may_sign_in(account)
    with store.session() as session, pytest.raises(Unauthorized):
        accounts.authenticate(session, "grace@contoso.com", PASSWORD)  # no password at all
    with store.session() as session:
        again, created = accounts.sso_account(
            session,
            oid="oid-1",
            email="grace@contoso.com",
            name="Grace B. Hopper",
            job_title="Admiral",
            department=None,
        )
        assert not created and again.id == account_id
        assert (again.name, again.job_title, again.department) == (
            "Grace B. Hopper",
            "Admiral",
            None,
        )
        approved = accounts.approve_account(
            session, account_id, role=Role.AUDITOR, by="boss", origin=Origin()
        )
        assert (approved.status, approved.role, approved.approved_by) == (
            "active",
            "auditor",
            "boss",
        )
        accounts.ensure_may_sign_in(approved)
        with pytest.raises(Conflict, match="is not waiting for approval"):
            accounts.approve_account(
                session, account_id, role=Role.ADMIN, by="boss", origin=Origin()
            )


def test_sso_does_not_take_over_a_local_account(store: Store) -> None:
    make_local(store, "ada@example.com")
    with store.session() as session, pytest.raises(Conflict, match="already has a local account"):
        accounts.sso_account(
            session,
            oid="oid-2",
            email="ada@example.com",
            name="Ada",
            job_title=None,
            department=None,
        )


def test_sso_address_change_onto_another_account_is_a_conflict(store: Store) -> None:
    make_local(store, "ada@example.com")
    profile = {"name": "Grace", "job_title": None, "department": None}
    with store.session() as session:
        accounts.sso_account(session, oid="oid-3", email="grace@example.com", **profile)
    with store.session() as session, pytest.raises(Conflict, match="belongs to another account"):
        accounts.sso_account(session, oid="oid-3", email="Ada@example.com", **profile)
    with store.session() as session:
        kept = accounts.account_by_email(session, "grace@example.com")
        assert kept is not None and kept.entra_oid == "oid-3"


def test_role_changes_end_sessions_and_keep_a_super_admin(store: Store) -> None:
    boss = make_local(store, "boss@example.com", Role.SUPER_ADMIN)
    other = make_local(store, "other@example.com", Role.ADMIN)
    with store.session() as session:
        with pytest.raises(Conflict, match="cannot change your own role"):
            accounts.change_account(
                session, boss, by_account_id=boss, by="boss", origin=Origin(), role=Role.VIEWER
            )
        with pytest.raises(Conflict, match="last active super admin"):
            accounts.change_account(
                session,
                boss,
                by_account_id=None,
                by="cli",
                origin=Origin(),
                status=AccountStatus.DISABLED,
            )
        changed = accounts.change_account(
            session, other, by_account_id=boss, by="boss", origin=Origin(), role=Role.SUPER_ADMIN
        )
        assert (changed.role, changed.session_version, changed.updated_by) == (
            "super_admin",
            2,
            "boss",
        )
        demoted = accounts.change_account(
            session, boss, by_account_id=other, by="other", origin=Origin(), role=Role.ADMIN
        )
        assert demoted.role == "admin"
        with pytest.raises(ConfigError, match="status must be active or disabled"):
            accounts.change_account(
                session, boss, by_account_id=other, by="o", origin=Origin(), status="pending"
            )
        with pytest.raises(NotFound, match="there is no account 999"):
            accounts.get_account(session, 999)


def test_the_audit_log_is_append_only(store: Store) -> None:
    with store.session() as session:
        event = record(
            session,
            actor="ada@example.com",
            action="export",
            target="users",
            detail={"rows": 7},
            origin=Origin("10.0.0.1", "Firefox"),
        )
        event_id = event.id
    with store.session() as session:
        total, [found] = list_events(session, action="export")
        assert total == 1 and found.as_dict()["detail"] == {"rows": 7}
        found.detail = {"rows": 0}
        with pytest.raises(AuditLogIsAppendOnly, match=f"audit event {event_id} cannot be"):
            session.flush()
        session.rollback()
    with store.session() as session:
        found = session.get(AuditEvent, event_id)
        session.delete(found)
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()
        session.rollback()
    with store.session() as session:
        assert list_events(session)[0] == 1
    # Below the ORM, the database itself refuses (a trigger on both engines).
    for statement in (update(AuditEvent).values(actor="x"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="audit_events is append-only"):  # noqa: SIM117
            with store.session() as session:
                session.execute(statement)
    with store.session() as session:
        assert list_events(session)[1][0].actor == "ada@example.com"


def test_passwords() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not a hash", PASSWORD)


def test_roles_and_scopes() -> None:
    assert Role.SUPER_ADMIN.allows(Role.ADMIN) and not Role.AUDITOR.allows(Role.ADMIN)
    assert [r.below() for r in Role] == [None, Role.VIEWER, Role.AUDITOR, Role.ADMIN]
    assert Role.parse(" Super-Admin ") is Role.SUPER_ADMIN
    with pytest.raises(ConfigError, match="unknown role 'owner': use one of viewer, auditor"):
        Role.parse("owner")
    assert parse_scopes(["gateway:read, gateway:read", "Gateway:Execute"]) == [
        "gateway:read",
        "gateway:execute",
    ]
    with pytest.raises(ConfigError, match="scope 'gateway' is malformed"):
        parse_scopes(["gateway"])


def test_each_change_records_itself_once(store: Store) -> None:
    """The services write the audit record (the routes and commands no longer do): one event per
    change, with who, what and from where; a refused change records nothing."""
    here = Origin("10.0.0.7", "Firefox")
    with store.session() as session:
        boss = accounts.create_local_account(
            session,
            email="boss@example.com",
            name="Boss",
            password=PASSWORD,
            role=Role.SUPER_ADMIN,
            by="cli",
            origin=Origin.cli(),
        )
        waiting, _ = accounts.sso_account(
            session, oid="oid-9", email="g@example.com", name="G", job_title=None, department=None
        )
        accounts.approve_account(session, waiting.id, role=Role.AUDITOR, by=boss.email, origin=here)
        accounts.change_account(
            session,
            waiting.id,
            by_account_id=boss.id,
            by=boss.email,
            origin=here,
            status="disabled",
        )
        key, raw = apikeys.create_api_key(
            session, name="nightly", role=Role.VIEWER, by=boss.email, by_role=Role.SUPER_ADMIN,
            origin=here,
        )  # fmt: skip
        with pytest.raises(Forbidden, match=r"belongs to boss@example\.com: ask a super admin"):
            apikeys.revoke_api_key(session, key, by="someone", by_role=Role.ADMIN, origin=here)
        apikeys.revoke_api_key(session, key, by=boss.email, by_role=Role.SUPER_ADMIN, origin=here)
        with pytest.raises(Conflict, match="already revoked"):
            apikeys.revoke_api_key(
                session, key, by=boss.email, by_role=Role.SUPER_ADMIN, origin=here
            )
    with store.session() as session:
        total, events = list_events(session)
        seen = [
            (e.actor, e.action, e.target, e.detail, e.ip, e.user_agent) for e in reversed(events)
        ]
    assert total == 5
    assert seen == [
        ("cli", "account_created", "boss@example.com", {"role": "super_admin"}, None,
         "odoobridge-cli"),
        ("boss@example.com", "account_approved", "g@example.com", {"role": "auditor"},
         "10.0.0.7", "Firefox"),
        ("boss@example.com", "account_changed", "g@example.com", {"status": "disabled"},
         "10.0.0.7", "Firefox"),
        ("boss@example.com", "api_key_created", key.prefix,
         {"name": "nightly", "role": "viewer", "scopes": []}, "10.0.0.7", "Firefox"),
        ("boss@example.com", "api_key_revoked", key.prefix, {"name": "nightly"}, "10.0.0.7",
         "Firefox"),
    ]  # fmt: skip
    assert all(raw not in str(s) for s in seen)  # the key itself is never recorded
