"""Headline figures of one environment's Odoo sync (for ``status`` and the dashboard)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.access.analysis.state import count_at, table_of
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.environment import Environment
from odoobridge.store.temporal import alive_at
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import latest_success


def environment_summary(
    session: Session, environment: Environment, run_id: int | None = None
) -> dict[str, Any]:
    """The figures of a successful run (default: the environment's latest)."""
    run = (
        latest_success(session, SYNC_TYPE, environment.value)
        if run_id is None
        else session.get(SyncRun, run_id)
    )
    summary: dict[str, Any] = {
        "environment": environment.value,
        "label": environment.label,
        "run": run.as_dict() if run is not None else None,
        "counts": {},
    }
    if run is None:
        return summary
    users = table_of("users")
    alive_users = alive_at(users, environment.value, run.id)

    def users_where(*conditions: Any) -> int:
        query = select(func.count()).select_from(users).where(alive_users, *conditions)
        return session.scalar(query) or 0

    acls = table_of("acls")
    global_acls = (
        select(func.count())
        .select_from(acls)
        .where(alive_at(acls, environment.value, run.id), acls.c.group_id.is_(None), acls.c.active)
    )
    summary["odoo_version"] = run.stats.get("odoo", {}).get("odoo_version")
    summary["counts"] = {
        "internal users (active)": users_where(users.c.active, users.c.share.is_(False)),
        "portal/public users (active)": users_where(users.c.active, users.c.share),
        "archived users": users_where(users.c.active.is_(False)),
        "groups": count_at(session, "groups", environment, run.id),
        "memberships": count_at(session, "memberships", environment, run.id),
        "implications": count_at(session, "implications", environment, run.id),
        "access rights (ACL rows)": count_at(session, "acls", environment, run.id),
        "global ACL rows (active)": session.scalar(global_acls) or 0,
        "record rules": count_at(session, "rules", environment, run.id),
        "companies": count_at(session, "companies", environment, run.id),
    }
    return summary
