"""Revenue targets per salesperson or team and period, set by admins (audited), with progress
from won revenue: the expected revenue of opportunities won (active, in a won stage) and closed
within the period — counted over the records the person asking may see, so a target never
reveals revenue its reader could not see otherwise."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from odoobridge.auth.audit import Origin, record
from odoobridge.errors import NotFound, Unprocessable
from odoobridge.sales.models import SalesTarget, TargetScope
from odoobridge.sales.opportunities import status_clause
from odoobridge.sales.serving import names, seen, table, within, won_stages
from odoobridge.sales.visibility import Visibility
from odoobridge.store.base import utcnow


@dataclass(frozen=True)
class TargetSpec:
    scope: str
    odoo_id: int
    period_start: date
    period_end: date
    amount: float

    def __post_init__(self) -> None:
        if self.scope not in TargetScope.ALL:
            raise Unprocessable(f"scope: use {' or '.join(TargetScope.ALL)}")
        if self.period_start > self.period_end:
            raise Unprocessable("period_start must not be after period_end")
        if self.amount <= 0:
            raise Unprocessable("amount must be more than 0")


def set_target(
    session: Session, spec: TargetSpec, environment: str, *, by: str, origin: Origin
) -> SalesTarget:
    """Create the target, or change the amount of the one with the same scope, id and period."""
    target = session.scalars(
        select(SalesTarget).where(
            SalesTarget.environment == environment,
            SalesTarget.scope == spec.scope,
            SalesTarget.odoo_id == spec.odoo_id,
            SalesTarget.period_start == spec.period_start,
            SalesTarget.period_end == spec.period_end,
        )
    ).first()
    was = target.amount if target is not None else None
    if target is None:
        target = SalesTarget(
            environment=environment,
            scope=spec.scope,
            odoo_id=spec.odoo_id,
            period_start=spec.period_start,
            period_end=spec.period_end,
            amount=spec.amount,
            created_at=utcnow(),
            created_by=by,
            updated_at=utcnow(),
            updated_by=by,
        )
        session.add(target)
    else:
        target.amount, target.updated_at, target.updated_by = spec.amount, utcnow(), by
    session.flush()
    record(
        session,
        actor=by,
        action="sales_target_set",
        target=f"target:{target.id}",
        detail={
            "scope": spec.scope,
            "odoo_id": spec.odoo_id,
            "amount": spec.amount,
            "was": was,
            "period": [spec.period_start.isoformat(), spec.period_end.isoformat()],
        },
        origin=origin,
    )
    return target


def delete_target(session: Session, target_id: int, *, by: str, origin: Origin) -> None:
    target = session.get(SalesTarget, target_id)
    if target is None:
        raise NotFound(f"there is no target {target_id}: `odoobridge sales targets` lists them")
    record(
        session,
        actor=by,
        action="sales_target_deleted",
        target=f"target:{target.id}",
        detail={"scope": target.scope, "odoo_id": target.odoo_id, "amount": target.amount},
        origin=origin,
    )
    session.delete(target)
    session.flush()


def won_revenue(session: Session, vis: Visibility, target: SalesTarget) -> float:
    if not vis.visible:
        return 0.0
    t = table("leads")
    column = t.c.user_id if target.scope == TargetScope.SALESPERSON else t.c.team_id
    query = select(func.coalesce(func.sum(t.c.expected_revenue), 0.0)).where(
        seen(vis, "leads"),
        column == target.odoo_id,
        status_clause("won", won_stages(session, vis)),  # type: ignore[arg-type]
        *within(t.c.date_closed, target.period_start, target.period_end),
    )
    return round(float(session.scalar(query) or 0), 2)


def list_targets(
    session: Session, vis: Visibility, *, on: date | None = None
) -> list[dict[str, Any]]:
    """Every target of the environment (those whose period covers ``on`` when given), with
    progress as the person sees it."""
    query = select(SalesTarget).where(SalesTarget.environment == vis.environment)
    if on is not None:
        query = query.where(SalesTarget.period_start <= on, SalesTarget.period_end >= on)
    targets = list(session.scalars(query.order_by(SalesTarget.period_start, SalesTarget.id)))
    people = names(
        session, vis, "users", (t.odoo_id for t in targets if t.scope == TargetScope.SALESPERSON)
    )
    teams = names(
        session, vis, "teams", (t.odoo_id for t in targets if t.scope == TargetScope.TEAM)
    )
    shown = []
    for target in targets:
        won = won_revenue(session, vis, target)
        label = (people if target.scope == TargetScope.SALESPERSON else teams).get(target.odoo_id)
        shown.append(
            {
                "id": target.id,
                "scope": target.scope,
                "odoo_id": target.odoo_id,
                "name": label,
                "period_start": target.period_start.isoformat(),
                "period_end": target.period_end.isoformat(),
                "amount": target.amount,
                "won": won,
                "progress": round(won / target.amount, 4),
                "updated_at": target.updated_at.isoformat(),
                "updated_by": target.updated_by,
            }
        )
    return shown
