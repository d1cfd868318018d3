"""The Findings pages (auditors): every finding of the latest run with where it stands — filter,
sort by any column, page, export exactly what is shown — and one finding with its evidence
(drift as a before/after table), the page of what it is about, its history and the lifecycle
forms (acknowledge, accept the risk until a date, reopen, assign, comment). Each form posts,
then redirects to the finding (post/redirect/get)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from odoobridge.access.findings import lifecycle
from odoobridge.access.findings.base import SEVERITIES
from odoobridge.access.findings.listing import (
    FindingFilter,
    finding_detail,
    listing,
    subject_link,
)
from odoobridge.access.findings.models import STATUSES
from odoobridge.access.sights import SeesFindings
from odoobridge.auth.principal import Principal
from odoobridge.environment import Environment
from odoobridge.errors import AppError, Unprocessable
from odoobridge.web.deps import DbSession, get_settings, origin_of
from odoobridge.web.render import render
from odoobridge.web.schemas import MAX_ID

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
SORTS = {
    "severity": lambda r: (SEVERITIES.index(r.finding.severity), r.finding.title.lower()),
    "status": lambda r: (STATUSES.index(r.status), SEVERITIES.index(r.finding.severity)),
    "title": lambda r: r.finding.title.lower(),
    "kind": lambda r: (r.finding.kind, r.finding.title.lower()),
    "owner": lambda r: ((r.owner or "~").lower(), SEVERITIES.index(r.finding.severity)),
    "first_seen": lambda r: (r.first_seen_run_id or 0, r.finding.title.lower()),
}
FindingId = Annotated[str, Path(max_length=64)]


@router.get("/findings")
def findings_page(
    request: Request,
    session: DbSession,
    principal: SeesFindings,
    env: str | None = None,
    severity: Annotated[str, Query(pattern="^(" + "|".join(SEVERITIES) + ")$")] = "info",
    kind: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(pattern="^(" + "|".join((*STATUSES, "active")) + ")$")] = (
        "active"
    ),
    q: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "severity",
    desc: bool = False,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> HTMLResponse:
    settings = get_settings(request)
    environment = Environment.parse(env) if env else settings.odoo_environment
    context: dict[str, Any] = {
        "env": environment,
        "environments": list(Environment),
        "severities": SEVERITIES,
        "statuses": STATUSES,
        "severity": severity,
        "kind": kind,
        "status": status,
        "q": q,
        "sort": sort,
        "desc": desc,
        "offset": offset,
        "page_size": PAGE_SIZE,
    }
    try:
        found = listing(
            session,
            settings,
            environment,
            None,
            FindingFilter(severity=severity, kind=kind or None, status=status, text=q),
        )
    except AppError as exc:  # no successful sync yet
        context["no_data"] = exc.message
        return render(request, "findings/list.html", context, principal=principal)
    rows = sorted(found.items, key=SORTS[sort], reverse=desc)
    context.update(
        {
            "counts": found.counts,
            "status_counts": found.status_counts,
            "run_id": found.run_id,
            "total": len(rows),
            "findings": rows[offset : offset + PAGE_SIZE],
            "kinds": sorted({r.finding.kind for r in found.items}),
            "links": {
                r.finding.id: subject_link(r.finding.subject, r.finding.environment)
                for r in rows[offset : offset + PAGE_SIZE]
            },
        }
    )
    return render(request, "findings/list.html", context, principal=principal)


def _detail_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    finding_id: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    detail = finding_detail(session, get_settings(request), finding_id)
    context = {
        "f": detail,
        "error": error,
        "today": date.today().isoformat(),
        "may_accept": detail["status"] in ("open", "acknowledged"),
        "may_reopen": detail["status"] in ("acknowledged", "accepted_risk"),
    }
    return render(
        request, "findings/detail.html", context, principal=principal, status_code=status_code
    )


@router.get("/findings/{finding_id}")
def finding_page(
    request: Request, finding_id: FindingId, session: DbSession, principal: SeesFindings
) -> HTMLResponse:
    return _detail_page(request, session, principal, finding_id)


def _act(
    request: Request, session: DbSession, principal: Principal, finding_id: str, change: Any
) -> HTMLResponse | RedirectResponse:
    """Apply a change, then show the finding (303); a refused change shows why, on the page."""
    try:
        with session.begin_nested():  # a refused change leaves nothing behind
            change()
    except AppError as exc:
        return _detail_page(request, session, principal, finding_id, exc.message, exc.status)
    return RedirectResponse(f"/findings/{quote(finding_id)}", status_code=303)


@router.post("/findings/{finding_id}/acknowledge")
def acknowledge_form(
    request: Request,
    finding_id: FindingId,
    session: DbSession,
    principal: SeesFindings,
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Any:
    return _act(
        request,
        session,
        principal,
        finding_id,
        lambda: lifecycle.acknowledge(
            session,
            finding_id,
            actor=principal.actor,
            comment=comment or None,
            origin=origin_of(request),
        ),
    )


@router.post("/findings/{finding_id}/accept")
def accept_form(
    request: Request,
    finding_id: FindingId,
    session: DbSession,
    principal: SeesFindings,
    reason: Annotated[str, Form(max_length=4000)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
) -> Any:
    def change() -> None:
        try:
            day = date.fromisoformat(until)
        except ValueError:
            raise Unprocessable("until: give the last day of the acceptance") from None
        lifecycle.accept_risk(
            session,
            finding_id,
            actor=principal.actor,
            reason=reason,
            until=lifecycle.end_of(day),
            origin=origin_of(request),
        )

    return _act(request, session, principal, finding_id, change)


@router.post("/findings/{finding_id}/reopen")
def reopen_form(
    request: Request,
    finding_id: FindingId,
    session: DbSession,
    principal: SeesFindings,
    comment: Annotated[str, Form(max_length=4000)] = "",
) -> Any:
    return _act(
        request,
        session,
        principal,
        finding_id,
        lambda: lifecycle.reopen(
            session,
            finding_id,
            actor=principal.actor,
            comment=comment or None,
            origin=origin_of(request),
        ),
    )


@router.post("/findings/{finding_id}/assign")
def assign_form(
    request: Request,
    finding_id: FindingId,
    session: DbSession,
    principal: SeesFindings,
    owner: Annotated[str, Form(max_length=255)] = "",
) -> Any:
    return _act(
        request,
        session,
        principal,
        finding_id,
        lambda: lifecycle.assign(
            session,
            finding_id,
            owner=owner.strip() or None,
            actor=principal.actor,
            origin=origin_of(request),
        ),
    )


@router.post("/findings/{finding_id}/comment")
def comment_form(
    request: Request,
    finding_id: FindingId,
    session: DbSession,
    principal: SeesFindings,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Any:
    return _act(
        request,
        session,
        principal,
        finding_id,
        lambda: lifecycle.comment(
            session, finding_id, text=text, actor=principal.actor, origin=origin_of(request)
        ),
    )
