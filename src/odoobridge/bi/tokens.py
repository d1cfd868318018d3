"""Superset guest tokens for embedded dashboards, limited to the user's companies and audited.

``issue_guest_token`` builds the user's RLS clause (:mod:`odoobridge.bi.rls`), asks Superset for
a guest token on one embedded dashboard with that clause, and appends who, which dashboard, which
clauses and when to ``analytics_audit_log`` in the caller's transaction. A user who may see no
company gets no token (403), and neither does a dashboard outside
``ODOOBRIDGE_SUPERSET_DASHBOARDS`` when that list is set. Without the list, only an embedded
dashboard's UUID is accepted: Superset also hands out tokens for a dashboard's numeric id or
slug, embedded or not (issue 18.7).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.bi.access import normalise_email
from odoobridge.bi.models import GuestTokenAudit
from odoobridge.bi.rls import user_filter
from odoobridge.errors import ConfigError, Forbidden
from odoobridge.settings import Settings
from odoobridge.sources.superset import GuestUser, RlsRule, SupersetClient
from odoobridge.store.base import utcnow

_DASHBOARD_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EMBEDDED_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class BiAccessDenied(Forbidden):
    status = 403


def superset_client(settings: Settings) -> SupersetClient:
    missing = [
        name
        for name, value in (
            ("ODOOBRIDGE_SUPERSET_URL", settings.superset_url),
            ("ODOOBRIDGE_SUPERSET_USERNAME", settings.superset_username),
            ("ODOOBRIDGE_SUPERSET_PASSWORD", settings.superset_password),
        )
        if not value
    ]
    if missing:
        raise ConfigError(
            f"Superset is not configured: set {', '.join(missing)} (a Superset user allowed to "
            "grant guest tokens)"
        )
    assert settings.superset_url and settings.superset_username and settings.superset_password
    return SupersetClient(
        base_url=settings.superset_url,
        username=settings.superset_username,
        password=settings.superset_password,
        provider=settings.superset_provider,
        timeout=settings.superset_timeout,
    )


def check_dashboard(settings: Settings, dashboard: str) -> str:
    dashboard = dashboard.strip()
    if not _DASHBOARD_ID.match(dashboard):
        raise ConfigError(
            f"dashboard {dashboard[:80]!r} is not an embedded dashboard id: give the id Superset "
            "shows under Embed dashboard (e.g. 7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d)"
        )
    if settings.superset_dashboards:
        allowed = {d.strip() for d in settings.superset_dashboards.split(",") if d.strip()}
        if dashboard not in allowed:
            raise BiAccessDenied(
                f"dashboard {dashboard} is not one of ODOOBRIDGE_SUPERSET_DASHBOARDS"
            )
    elif not _EMBEDDED_UUID.match(dashboard.lower()):
        raise BiAccessDenied(
            f"dashboard {dashboard} is not an embedded dashboard's UUID: give the id Superset "
            "shows under Embed dashboard, or list the dashboards allowed in "
            "ODOOBRIDGE_SUPERSET_DASHBOARDS"
        )
    else:
        dashboard = dashboard.lower()  # one spelling of a UUID in the audit log
    return dashboard


@dataclass(frozen=True)
class IssuedToken:
    token: str
    dashboard_id: str
    user_email: str
    company_ids: list[int]
    rls_clauses: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "token": self.token,
            "dashboard_id": self.dashboard_id,
            "user_email": self.user_email,
            "company_ids": self.company_ids,
            "rls": [{"clause": c} for c in self.rls_clauses],
        }


def issue_guest_token(
    session: Session,
    client: SupersetClient,
    settings: Settings,
    *,
    email: str,
    dashboard: str,
    via: str,
    first_name: str = "",
    last_name: str = "",
) -> IssuedToken:
    email = normalise_email(email)
    dashboard = check_dashboard(settings, dashboard)
    allowed = user_filter(session, email, settings.bi_rls_mode)
    if not allowed.company_ids:
        raise BiAccessDenied(
            f"{email} may see no company's analytics: an administrator can grant it with "
            "`odoobridge bi access set` or `odoobridge bi access derive`"
        )
    clauses = [allowed.clause]
    token = client.guest_token(
        GuestUser(email, first_name, last_name),
        [("dashboard", dashboard)],
        [RlsRule(clause) for clause in clauses],
    )
    session.add(
        GuestTokenAudit(
            issued_at=utcnow(),
            user_email=email,
            dashboard_id=dashboard,
            rls_clauses=clauses,
            company_ids=allowed.company_ids,
            issued_via=via,
        )
    )
    session.flush()
    return IssuedToken(token, dashboard, email, allowed.company_ids, clauses)


def audit_log(
    session: Session, *, email: str | None = None, limit: int = 100
) -> list[GuestTokenAudit]:
    query = select(GuestTokenAudit).order_by(GuestTokenAudit.id.desc()).limit(limit)
    if email is not None:
        query = query.where(GuestTokenAudit.user_email == normalise_email(email))
    return list(session.scalars(query))
