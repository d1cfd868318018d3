"""JSON API of the BI domain: ``GET /api/bi/guest-token?dashboard=…`` for embedded Superset.

A signed-in person gets a token for themself. An API key (the backend of a portal that embeds
the dashboard for its own signed-in users) needs the ``bi:guest_token`` scope and names the
viewer with ``user=``. Either way the token carries that viewer's row-level-security clause and
is written to the analytics audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.bi.tokens import issue_guest_token
from odoobridge.errors import ConfigError, Forbidden
from odoobridge.sources.superset import SupersetClient
from odoobridge.web.deps import DbSession, app_state, get_settings, require_scope

SCOPE = "bi:guest_token"
router = APIRouter(prefix="/api/bi", tags=["bi"])
GuestTokenCaller = Annotated[Principal, Depends(require_scope(SCOPE, Role.VIEWER))]


class RlsRuleOut(BaseModel):
    clause: str


class GuestTokenOut(BaseModel):
    token: str
    dashboard_id: str
    user_email: str
    company_ids: list[int]
    rls: list[RlsRuleOut]


def superset(request: Request) -> SupersetClient:
    """One client per app (it keeps Superset's session between tokens)."""
    return app_state(request).superset()


@router.get(
    "/guest-token",
    response_model=GuestTokenOut,
    summary="A Superset guest token for an embedded dashboard",
)
def guest_token(
    request: Request,
    session: DbSession,
    principal: GuestTokenCaller,
    dashboard: Annotated[str, Query(max_length=64, description="Embedded dashboard id.")],
    user: Annotated[
        str | None,
        Query(max_length=255, description="API keys: the viewer's e-mail (people: omit)."),
    ] = None,
) -> GuestTokenOut:
    if principal.kind == "api_key":
        if not user:
            raise ConfigError("an API key must name the viewer: add user=<their e-mail>")
        email, via = user, f"api_key:{principal.actor.removeprefix('apikey:')}"
        first, last = "", ""
    else:
        if user and user.strip().lower() != principal.actor.lower():
            raise Forbidden("people get guest tokens for themselves only: leave out user=")
        email, via = principal.actor, "session"
        first, _, last = principal.name.partition(" ")
    issued = issue_guest_token(
        session,
        superset(request),
        get_settings(request),
        email=email,
        dashboard=dashboard,
        via=via,
        first_name=first,
        last_name=last,
    )
    return GuestTokenOut.model_validate(issued.as_dict())
