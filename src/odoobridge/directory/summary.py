"""Headline figures of the latest Entra sync (for ``odoobridge status`` and ``sync azure``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from odoobridge.directory.models import ENTRA_ENVIRONMENT, SIGN_INS_TABLE, USERS_TABLE
from odoobridge.directory.reading import DELTA_LINK_LIFETIME, DELTA_QUERY
from odoobridge.directory.state import latest_directory_run
from odoobridge.directory.sync import saved_delta_link
from odoobridge.store.base import utcnow
from odoobridge.store.temporal import alive_at


def delta_link_status(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Age of the saved delta link and a warning when the next sync cannot use it."""
    saved = saved_delta_link(session, latest_directory_run(session))
    if saved is None:
        return {"saved": False, "warning": None}  # mock file or filter: every sync is full
    age = (now or utcnow()) - saved.obtained_at
    status: dict[str, Any] = {
        "saved": True,
        "obtained_at": saved.obtained_at.isoformat(timespec="seconds"),
        "age_days": round(age.total_seconds() / 86400, 1),
        "warning": None,
    }
    if age > DELTA_LINK_LIFETIME:
        status["warning"] = (
            f"the delta link is {age.days} days old; Graph keeps them about 7 days, so the next "
            "sync lists every user (sync at least weekly to stay incremental)"
        )
    elif saved.query != DELTA_QUERY:
        status["warning"] = "the delta link tracks other properties: the next sync is full"
    return status


def directory_summary(session: Session, now: datetime | None = None) -> dict[str, Any]:
    run = latest_directory_run(session)
    summary: dict[str, Any] = {"label": "Microsoft Entra ID", "run": None, "counts": {}}
    if run is None:
        return summary
    summary["run"] = run.as_dict()
    users = USERS_TABLE.c
    alive = alive_at(USERS_TABLE, ENTRA_ENVIRONMENT, run.id)

    def count(*conditions: ColumnElement[bool]) -> int:
        query = select(func.count()).select_from(USERS_TABLE).where(alive, *conditions)
        return session.scalar(query) or 0

    present = users.removed_reason.is_(None)
    sign_ins = select(func.count()).select_from(SIGN_INS_TABLE)
    summary["counts"] = {
        "users (in Entra)": count(present),
        "enabled accounts": count(present, users.account_enabled.is_(True)),
        "disabled accounts": count(present, users.account_enabled.is_(False)),
        "guests": count(present, func.lower(users.user_type) == "guest"),
        "soft-deleted (restorable)": count(users.removed_reason == "changed"),
        "deleted for good": count(users.removed_reason == "deleted"),
        "missing from the last listing": count(users.removed_reason == "missing"),
        "with sign-in activity": session.scalar(
            sign_ins.where(alive_at(SIGN_INS_TABLE, ENTRA_ENVIRONMENT, run.id))
        )
        or 0,
    }
    summary["delta_link"] = delta_link_status(session, now)
    return summary
