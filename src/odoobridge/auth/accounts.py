"""Accounts: local sign-in with a password, Microsoft Entra accounts waiting for approval, role
and status changes. Service functions take a ``Session`` and never commit; those that change an
account on someone's behalf (create, approve, change) write its audit record, so every entry
point — API, page, CLI — records the same event once."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.auth.apikeys import list_api_keys, revoke_api_key
from odoobridge.auth.audit import Origin, record
from odoobridge.auth.models import Account, AccountSource, AccountStatus
from odoobridge.auth.passwords import hash_password, needs_rehash, verify_password
from odoobridge.auth.roles import Role
from odoobridge.errors import ConfigError, Conflict, Forbidden, NotFound, Unauthorized
from odoobridge.store.base import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WRONG_CREDENTIALS = "wrong email or password"


def sign_in_email(email: str) -> str:
    """The one form of an address: stripped and case-folded. Stored addresses, look-ups and the
    sign-in throttle's counts all use it, so ``"X@y "`` and ``"x@y"`` are one account and one
    count (issue 18.6)."""
    return email.strip().casefold()


def normalise_email(email: str) -> str:
    cleaned = sign_in_email(email)
    if not _EMAIL.match(cleaned) or len(cleaned) > 320:
        raise ConfigError(f"{email.strip()!r} is not an email address: use name@example.com")
    return cleaned


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ConfigError("give the person's name")
    return cleaned[:200]


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"there is no account {account_id}: the Admin page lists them")
    return account


def account_by_email(session: Session, email: str) -> Account | None:
    return session.scalars(select(Account).where(Account.email == sign_in_email(email))).first()


def create_local_account(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    by: str,
    origin: Origin,
) -> Account:
    """A local account, active at once, with an argon2 hash of ``password``; audited as made
    by ``by`` from ``origin``."""
    address = normalise_email(email)
    if account_by_email(session, address) is not None:
        raise Conflict(f"an account for {address} already exists")
    now = utcnow()
    account = Account(
        email=address,
        name=_clean_name(name),
        source=AccountSource.LOCAL,
        password_hash=hash_password(password),
        role=role.value,
        status=AccountStatus.ACTIVE,
        session_version=1,
        created_at=now,
        created_by=by,
        updated_at=now,
        updated_by=by,
        approved_at=now,
        approved_by=by,
    )
    session.add(account)
    session.flush()
    _audit(session, account, "account_created", by, origin, {"role": account.role})
    return account


def authenticate(session: Session, email: str, password: str) -> Account:
    """The active account whose password this is; one vague error for any wrong pair."""
    account = account_by_email(session, email)
    stored = account.password_hash if account is not None else None
    if not verify_password(stored, password) or account is None:
        raise Unauthorized(WRONG_CREDENTIALS)
    ensure_may_sign_in(account)
    if account.password_hash and needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_login_at = utcnow()
    return account


def ensure_may_sign_in(account: Account) -> None:
    if account.status == AccountStatus.PENDING:
        raise Forbidden(
            f"the account {account.email} is waiting for a super admin's approval; "
            "you can sign in once it is approved"
        )
    if account.status != AccountStatus.ACTIVE:
        raise Forbidden(f"the account {account.email} is disabled: ask a super admin")


def sso_account(
    session: Session,
    *,
    oid: str,
    email: str,
    name: str,
    job_title: str | None,
    department: str | None,
) -> tuple[Account, bool]:
    """The account of an Entra user (profile refreshed), or a new one waiting for approval.

    Returns the account and whether it was created. An existing local account with the same
    email is not taken over: that needs a super admin (the two might be different people)."""
    address = normalise_email(email)
    account = session.scalars(select(Account).where(Account.entra_oid == oid)).first()
    now = utcnow()
    if account is None:
        if account_by_email(session, address) is not None:
            raise Conflict(
                f"{address} already has a local account: sign in with its password, or ask a "
                "super admin to remove it so Microsoft sign-in can create one"
            )
        account = Account(
            email=address,
            name=_clean_name(name or address),
            source=AccountSource.ENTRA,
            entra_oid=oid,
            role=Role.VIEWER.value,
            status=AccountStatus.PENDING,
            session_version=1,
            created_at=now,
            created_by="entra-sso",
            updated_at=now,
            updated_by="entra-sso",
        )
        created = True
        session.add(account)
    else:
        created = False
        holder = account_by_email(session, address)
        if holder is not None and holder.id != account.id:
            raise Conflict(
                f"{address} (this Microsoft account's new address) already belongs to another "
                "account: ask a super admin to sort the two out"
            )
        account.email = address
        account.name = _clean_name(name or address)
    account.job_title = job_title
    account.department = department
    session.flush()
    return account, created


def list_accounts(session: Session, *, status: str | None = None) -> list[Account]:
    query = select(Account)
    if status:
        query = query.where(Account.status == status)
    order = (Account.status != AccountStatus.PENDING, Account.email)
    return list(session.scalars(query.order_by(*order)))


def count_accounts(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Account)) or 0


def _active_super_admins(session: Session) -> int:
    query = select(func.count()).where(
        Account.role == Role.SUPER_ADMIN.value, Account.status == AccountStatus.ACTIVE
    )
    return session.scalar(query) or 0


def _audit(
    session: Session, account: Account, action: str, by: str, origin: Origin, detail: dict[str, str]
) -> None:
    record(session, actor=by, action=action, target=account.email, detail=detail, origin=origin)


def approve_account(
    session: Session, account_id: int, *, role: Role, by: str, origin: Origin
) -> Account:
    """Let an account waiting after Microsoft sign-in in, with ``role``; audited."""
    account = get_account(session, account_id)
    if account.status != AccountStatus.PENDING:
        raise Conflict(f"the account {account.email} is not waiting for approval")
    now = utcnow()
    account.status = AccountStatus.ACTIVE
    account.role = role.value
    account.approved_at = now
    account.approved_by = by
    account.updated_at = now
    account.updated_by = by
    _audit(session, account, "account_approved", by, origin, {"role": account.role})
    return account


def change_account(
    session: Session,
    account_id: int,
    *,
    by_account_id: int | None,
    by: str,
    origin: Origin,
    role: Role | None = None,
    status: str | None = None,
) -> Account:
    """Change a role or enable/disable an account; every existing sign-in of it ends. Audited
    with what was asked for."""
    account = get_account(session, account_id)
    if status is not None and status not in (AccountStatus.ACTIVE, AccountStatus.DISABLED):
        raise ConfigError("status must be active or disabled")
    if account.id == by_account_id:
        raise Conflict("you cannot change your own role or status: ask another super admin")
    losing_super = account.role == Role.SUPER_ADMIN.value and account.active
    losing_super = losing_super and (
        (role is not None and role is not Role.SUPER_ADMIN) or status == AccountStatus.DISABLED
    )
    if losing_super and _active_super_admins(session) <= 1:
        raise Conflict("that is the last active super admin: make another one first")
    if role is not None:
        account.role = role.value
    if status is not None:
        account.status = status
    account.session_version += 1
    account.updated_at = utcnow()
    account.updated_by = by
    asked = {"role": role.value if role is not None else None, "status": status}
    detail = {k: v for k, v in asked.items() if v is not None}
    _audit(session, account, "account_changed", by, origin, detail)
    return account


def delete_account(
    session: Session,
    account_id: int,
    *,
    permanent: bool,
    by_account_id: int | None,
    by: str,
    origin: Origin,
) -> Account | None:
    """Remove an account: by default disable it (every sign-in ends, its API keys are revoked,
    the row stays); ``permanent`` erases the row too (what refers to it goes with it, its audit
    entries stay and name its e-mail). Audited. Returns the disabled account, or None."""
    account = get_account(session, account_id)
    if account.id == by_account_id:
        raise Conflict("you cannot remove your own account: ask another super admin")
    if (
        account.role == Role.SUPER_ADMIN.value
        and account.active
        and _active_super_admins(session) <= 1
    ):
        raise Conflict("that is the last active super admin: make another one first")
    revoked = []
    for key in list_api_keys(session, created_by=account.email):
        if key.revoked_at is None:
            revoke_api_key(session, key, by=by, by_role=Role.SUPER_ADMIN, origin=origin)
            revoked.append(key.prefix)
    detail = {"permanent": permanent, "api_keys_revoked": revoked, "name": account.name}
    record(
        session,
        actor=by,
        action="account_deleted" if permanent else "account_disabled",
        target=account.email,
        detail=detail,
        origin=origin,
    )
    if permanent:
        session.delete(account)
        session.flush()
        return None
    account.status = AccountStatus.DISABLED
    account.session_version += 1
    account.updated_at = utcnow()
    account.updated_by = by
    return account
