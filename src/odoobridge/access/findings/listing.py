"""Findings as the pages, the API, the CLI and exports list them: filtered by severity, kind,
status, subject and text; resolved ones come from their last state (no run has them any more);
one finding with its history; where each links to (its user's or group's page)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.findings.base import SEVERITIES, at_least
from odoobridge.access.findings.lifecycle import (
    Reviewed,
    as_finding,
    events,
    get_state,
    reviewed,
)
from odoobridge.access.findings.models import STATUSES, FindingState, FindingStatus
from odoobridge.access.findings.reports import reviewed_findings, run_findings
from odoobridge.environment import Environment
from odoobridge.settings import Settings

EXPORT_COLUMNS = [
    "id",
    "severity",
    "kind",
    "environment",
    "title",
    "status",
    "owner",
    "accepted_until",
    "reason",
    "first_seen_run_id",
    "subject",
    "evidence",
    "fix",
]


@dataclass(frozen=True)
class FindingFilter:
    severity: str = "info"  # this severity and above
    kind: str | None = None
    status: str | None = None  # a status, "active" (all but resolved) or None (the run's)
    user_id: int | None = None  # findings about this Odoo user
    group: tuple[int, str, str | None] | None = None  # (id, full name, external id)
    text: str | None = None

    def keeps(self, item: Reviewed) -> bool:
        f = item.finding
        if not at_least(f.severity, self.severity) or (self.kind and f.kind != self.kind):
            return False
        if self.status not in (None, "active") and item.status != self.status:
            return False
        if self.user_id is not None and f.subject.get("odoo_user_id") != self.user_id:
            return False
        if self.group is not None and not about_group(f.subject, *self.group):
            return False
        wanted = (self.text or "").strip().lower()
        return not wanted or wanted in f"{f.title} {f.id} {f.kind}".lower()


def about_group(subject: dict[str, Any], group_id: int, label: str, xml_id: str | None) -> bool:
    """Whether a finding is about a group: the group itself, or a user holding it."""
    if subject.get("group_id") == group_id:
        return True
    if subject.get("group") == label:
        return True
    return subject.get("type") == "group" and subject.get("key") in (xml_id, label)


@dataclass
class FindingList:
    environment: str
    run_id: int
    counts: dict[str, int]  # the run's findings by severity
    status_counts: dict[str, int]
    items: list[Reviewed] = field(default_factory=list)


def listing(
    session: Session,
    settings: Settings,
    environment: Environment,
    run_id: int | None,
    chosen: FindingFilter,
) -> FindingList:
    index, current = reviewed_findings(session, settings, environment, run_id)
    resolved = resolved_findings(session, environment)
    status_counts = {s: sum(1 for r in current if r.status == s) for s in STATUSES}
    status_counts[FindingStatus.RESOLVED] = len(resolved)
    pool = resolved if chosen.status == FindingStatus.RESOLVED else current
    return FindingList(
        environment=index.snap.environment.value,
        run_id=index.snap.run_id,
        counts={s: sum(1 for r in current if r.finding.severity == s) for s in SEVERITIES},
        status_counts=status_counts,
        items=[r for r in pool if chosen.keeps(r)],
    )


def findings_answer(
    session: Session,
    settings: Settings,
    environment: Environment,
    run_id: int | None = None,
    *,
    severity: str = "info",
    kind: str | None = None,
    status: str | None = None,
    odoo_user_id: int | None = None,
) -> dict[str, Any]:
    """The run's findings at ``severity`` or worse (of one ``kind``, ``status``, about one user
    when given), most severe first, with the counts per severity and per status: as the API
    and the MCP server answer."""
    chosen = FindingFilter(severity=severity, kind=kind, status=status, user_id=odoo_user_id)
    found = listing(session, settings, environment, run_id, chosen)
    return {
        "environment": found.environment,
        "run_id": found.run_id,
        "counts": found.counts,
        "status_counts": found.status_counts,
        "findings": [f.as_dict() for f in found.items],
    }


def resolved_findings(session: Session, environment: Environment) -> list[Reviewed]:
    """Findings no run has any more, as last seen (this environment's and the pair's)."""
    pair = "/".join(sorted(e.value for e in Environment))
    query = (
        select(FindingState)
        .where(
            FindingState.status == FindingStatus.RESOLVED,
            FindingState.environment.in_([environment.value, pair]),
        )
        .order_by(FindingState.resolved_at.desc())
    )
    states = {s.finding_id: s for s in session.scalars(query)}
    return reviewed([as_finding(s) for s in states.values()], states)


def subject_link(subject: dict[str, Any], environment: str) -> str | None:
    """The page of what a finding is about, when it has one."""
    env = environment if "/" not in environment else environment.split("/")[0]
    if subject.get("odoo_user_id") is not None:
        return f"/users/{subject['odoo_user_id']}?env={env}"
    if subject.get("group_id") is not None:
        return f"/groups/{subject['group_id']}?env={env}"
    if subject.get("type") == "acl" and subject.get("model"):
        return f"/analysis?env={env}&model={subject['model']}&perm=write#who-can"
    return None


def finding_detail(session: Session, settings: Settings, finding_id: str) -> dict[str, Any]:
    """A finding as its latest run has it (or as last seen once resolved), where it stands and
    every change to it."""
    state = get_state(session, finding_id)
    environment = Environment.parse(state.environment.split("/")[0])
    current = run_findings(session, settings, environment)
    finding = next((f for f in current.findings if f.id == finding_id), None)
    item = reviewed([finding or as_finding(state)], {finding_id: state})[0]
    return {
        **item.as_dict(),
        "in_latest_run": finding is not None,
        "last_seen_run_id": state.last_seen_run_id,
        "last_seen_at": state.last_seen_at.isoformat(),
        "resolved_at": state.resolved_at.isoformat() if state.resolved_at else None,
        "link": subject_link(item.finding.subject, state.environment),
        "events": [e.as_dict() for e in events(session, finding_id)],
    }


def export_row(item: Reviewed) -> list[Any]:
    f = item.finding
    return [
        f.id,
        f.severity,
        f.kind,
        f.environment,
        f.title,
        item.status,
        item.owner,
        item.accepted_until,
        item.reason,
        item.first_seen_run_id,
        f.subject,
        f.evidence,
        f.fix,
    ]
