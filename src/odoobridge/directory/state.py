"""Read the Entra directory back from the store, as of any successful ``azure_users`` run.

For the analysis code: :func:`latest_directory_run` and :func:`entra_users` return plain, typed
records; :func:`match_keys` gives the lower-cased addresses a user may be matched on. Nothing here
writes, and nothing reads Microsoft Graph.

``last_seen_in_azure_at`` is derived, not stored: the completion time of the last successful run
that saw the user present — the run itself while they are present, else the last run before the
one that marked them removed.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.directory.models import (
    ENTRA_ENVIRONMENT,
    SIGN_IN_FIELDS,
    SIGN_INS_TABLE,
    SYNC_TYPE,
    USER_FIELDS,
    USERS_TABLE,
)
from odoobridge.errors import NotFound
from odoobridge.store.temporal import state_at
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import latest_success


@dataclass(frozen=True)
class EntraUser:
    """One Entra user as of a run. ``removed_reason`` is ``None`` while the user exists in Entra,
    else ``changed`` (soft-deleted, restorable for 30 days), ``deleted`` (gone for good) or
    ``missing`` (absent from a full listing); ``removed_at`` is when the sync noticed."""

    azure_id: str
    display_name: str | None
    mail: str | None
    user_principal_name: str | None
    department: str | None
    job_title: str | None
    employee_id: str | None
    account_enabled: bool | None
    last_password_change: datetime | None
    user_type: str | None
    manager_id: str | None
    removed_reason: str | None
    removed_at: datetime | None
    last_seen_in_azure_at: datetime | None
    last_sign_in: datetime | None
    last_non_interactive_sign_in: datetime | None

    @property
    def present(self) -> bool:
        return self.removed_reason is None

    @property
    def is_guest(self) -> bool:
        return (self.user_type or "").lower() == "guest" or "#ext#" in (
            self.user_principal_name or ""
        ).lower()


def latest_directory_run(session: Session) -> SyncRun | None:
    """The latest successful ``azure_users`` run, or ``None`` before the first one."""
    return latest_success(session, SYNC_TYPE, None)


def resolve_directory_run(session: Session, run_id: int | None = None) -> SyncRun:
    """The given run (checked to be a successful ``azure_users`` run) or the latest one."""
    if run_id is None:
        run = latest_directory_run(session)
        if run is None:
            raise NotFound("no successful Entra sync yet: run `odoobridge sync azure`")
        return run
    run = session.get(SyncRun, run_id)
    if run is None or run.sync_type != SYNC_TYPE:
        raise NotFound(f"run {run_id} is not an Entra (azure_users) sync")
    if run.status != RunStatus.SUCCESS:
        raise NotFound(f"run {run_id} did not succeed ({run.status}): its state was not kept")
    return run


def _successful_runs(session: Session, up_to: int) -> tuple[list[int], list[datetime | None]]:
    rows = session.execute(
        select(SyncRun.id, SyncRun.completed_at)
        .where(
            SyncRun.sync_type == SYNC_TYPE,
            SyncRun.status == RunStatus.SUCCESS,
            SyncRun.id <= up_to,
        )
        .order_by(SyncRun.id)
    ).all()
    return [r[0] for r in rows], [r[1] for r in rows]


def entra_users(session: Session, run_id: int | None = None) -> list[EntraUser]:
    """Every Entra user as of ``run_id`` (default: the latest successful run), present and
    removed alike, ordered by ``azure_id``. Raises NotFound before the first sync."""
    run = resolve_directory_run(session, run_id)
    run_ids, completed = _successful_runs(session, run.id)
    query = state_at(USERS_TABLE, (*USER_FIELDS, "first_seen_run_id"), ENTRA_ENVIRONMENT, run.id)
    sign_ins = {
        row[0]: (row[1], row[2])
        for row in session.execute(
            state_at(SIGN_INS_TABLE, SIGN_IN_FIELDS, ENTRA_ENVIRONMENT, run.id)
        )
    }
    users: list[EntraUser] = []
    for *values, first_seen in session.execute(query.order_by(USERS_TABLE.c.azure_id)):
        if values[USER_FIELDS.index("removed_reason")] is None:
            last_seen = run.completed_at
        else:
            # The run before the one that wrote the removal was the last to see the user.
            position = bisect_left(run_ids, first_seen) - 1
            last_seen = completed[position] if position >= 0 else None
        last_sign_in, last_non_interactive = sign_ins.get(values[0], (None, None))
        users.append(
            EntraUser(
                **dict(zip(USER_FIELDS, values, strict=True)),
                last_seen_in_azure_at=last_seen,
                last_sign_in=last_sign_in,
                last_non_interactive_sign_in=last_non_interactive,
            )
        )
    return users


def guest_home_address(user_principal_name: str) -> str | None:
    """A guest's own address from their UPN: ``joel_example.com#EXT#@t.onmicrosoft.com`` →
    ``joel@example.com`` (Entra replaces the ``@`` with the last ``_``)."""
    local, marker, _rest = user_principal_name.partition("#EXT#")
    if not marker or "_" not in local:
        return None
    name, _, domain = local.rpartition("_")
    return f"{name}@{domain}".lower() if name and domain else None


def match_keys(user: EntraUser) -> set[str]:
    """The lower-cased addresses an account elsewhere (an Odoo login or e-mail) may match:
    ``mail``, the UPN, and for guests the home address hidden in the ``#EXT#`` UPN."""
    keys = {value.strip().lower() for value in (user.mail, user.user_principal_name) if value}
    if user.user_principal_name:
        home = guest_home_address(user.user_principal_name)
        if home:
            keys.add(home)
    return keys
