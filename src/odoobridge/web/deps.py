"""Who is asking, and may they: the request's principal and the guards every route declares.

A principal comes from the signed session cookie (a person signed in through a page) or from the
``X-API-Key`` header (a script). Every route declares its role with :func:`require_role` (or
:func:`require_scope`); the route test reads those declarations back (``guard_of``).

CSRF: any state-changing request authenticated by the cookie must carry the session's token, as
the ``X-CSRF-Token`` header or the ``csrf_token`` form field (templates put it in every form).
API-key calls need none: a browser never sends that header by itself.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from odoobridge.auth.accounts import ensure_may_sign_in
from odoobridge.auth.apikeys import authenticate_key, key_digest, key_principal, needs_marking
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import Account
from odoobridge.auth.principal import Principal, ensure_allowed
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.errors import Forbidden, Unauthorized
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.web.schemas import EnvironmentName
from odoobridge.web.state import AppState

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
API_KEY_HEADER = "x-api-key"
SIGN_IN_NEEDED = "sign in first, or send an API key in the X-API-Key header"


# --- the application's parts --------------------------------------------------------------------


def app_state(request: Request) -> AppState:
    """What the app keeps between requests (``web/state.py``)."""
    state: AppState = request.app.state.odoobridge
    return state


State = Annotated[AppState, Depends(app_state)]


def get_settings(request: Request) -> Settings:
    return app_state(request).settings


def chosen_environment(
    request: Request,
    environment: Annotated[
        EnvironmentName | None, Query(description="preprod or prod (default: ODOO_ENVIRONMENT)")
    ] = None,
    env: Annotated[EnvironmentName | None, Query(include_in_schema=False)] = None,
) -> Environment:
    """The environment a request asks about: ``environment=`` (``env=``, as pages say it, works
    too), else the configured one."""
    return environment or env or get_settings(request).odoo_environment


ChosenEnvironment = Annotated[Environment, Depends(chosen_environment)]


def get_store(request: Request) -> Store:
    return app_state(request).store


def db_session(request: Request) -> Iterator[Session]:
    """One store transaction per request: committed when the route returns, else rolled back."""
    with get_store(request).session() as session:
        yield session


# "function" scope: the transaction commits before the answer is sent, so a client never sees
# an answer whose writes are not yet visible (or that failed to commit).
DbSession = Annotated[Session, Depends(db_session, scope="function")]


def origin_of(request: Request) -> Origin:
    host = request.client.host if request.client else None
    return Origin(ip=host, user_agent=request.headers.get("user-agent"))


# --- session cookie -----------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (also for the sign-in form, before sign-in)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 20:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def start_session(request: Request, account: Account) -> None:
    """Sign ``account`` in: a fresh session (new CSRF token) bound to its session version."""
    request.session.clear()
    request.session.update(
        {
            "aid": account.id,
            "ver": account.session_version,
            "iat": int(time.time()),
            "csrf": secrets.token_urlsafe(32),
        }
    )


def end_session(request: Request) -> None:
    request.session.clear()


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a state-changing request carries (header or form field)."""
    if request.method in SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def check_csrf(request: Request, submitted: str | None) -> None:
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not submitted:
        raise Forbidden("the form or call lacks its CSRF token: reload the page and try again")
    if not hmac.compare_digest(expected, submitted):
        raise Forbidden("the CSRF token does not match this session: reload the page and retry")


class _SignedOut(Exception):
    """The session's account is gone, was signed out everywhere, or may not sign in now."""


def _session_principal(request: Request, session: Session, settings: Settings) -> Principal | None:
    data = request.session
    account_id, version = data.get("aid"), data.get("ver")
    if not isinstance(account_id, int):
        return None
    issued = data.get("iat")
    if not isinstance(issued, int) or time.time() - issued > settings.session_minutes * 60:
        data.clear()
        return None

    def check() -> Principal:
        account = session.get(Account, account_id)
        if account is None or account.session_version != version:
            raise _SignedOut
        try:
            ensure_may_sign_in(account)
        except Forbidden:
            raise _SignedOut from None
        return Principal("session", account.id, account.email, account.name, Role(account.role))

    try:
        return app_state(request).credentials.get(("session", account_id, version), check)
    except _SignedOut:
        data.clear()
        return None


def api_key_principal(request: Request, session: Session, raw_key: str) -> Principal:
    """The principal of the API key ``raw_key`` (401 when it is not valid), from the app's
    credential cache when it was checked lately; its use is noted."""
    state = app_state(request)
    checked = False

    def check() -> Principal:
        nonlocal checked
        key = authenticate_key(session, raw_key)
        checked = True
        if needs_marking(key):
            state.key_use.note(key.id)
        return key_principal(key)

    principal = state.credentials.get(("key", key_digest(raw_key.strip())), check)
    if not checked:
        state.key_use.note(principal.id)
    return principal


def forget_credentials(request: Request) -> None:
    """After a key is revoked or an account changed: stop trusting cached credentials here."""
    app_state(request).credentials.clear()


# --- the principal and the guards -----------------------------------------------------------------


def optional_principal(
    request: Request,
    session: DbSession,
    submitted: Annotated[str | None, Depends(submitted_csrf)],
) -> Principal | None:
    """Whoever is asking, or None. An API key that is sent must be valid (else 401)."""
    raw_key = request.headers.get(API_KEY_HEADER)
    if raw_key is not None:
        return api_key_principal(request, session, raw_key)
    principal = _session_principal(request, session, get_settings(request))
    if principal is not None:
        check_csrf(request, submitted)
    return principal


async def current_principal(
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Principal:
    if principal is None:
        raise Unauthorized(SIGN_IN_NEEDED)
    return principal


GUARD_ATTRIBUTE = "__odoobridge_guard__"


@dataclass(frozen=True)
class Guard:
    """What a route needs: a role, and for API keys optionally a scope."""

    role: Role
    scope: str | None = None


def require_role(role: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency giving the principal when its role is ``role`` or stronger (else 403)."""

    async def guard(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        ensure_allowed(principal, role)
        return principal

    setattr(guard, GUARD_ATTRIBUTE, Guard(role))
    guard.__name__ = f"require_{role.value}"
    return guard


def require_scope(scope: str, role: Role = Role.VIEWER) -> Callable[..., Awaitable[Principal]]:
    """People need ``role``; API keys need ``role`` and the ``scope`` granted explicitly."""

    async def guard(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        ensure_allowed(principal, role, scope)
        return principal

    setattr(guard, GUARD_ATTRIBUTE, Guard(role, scope))
    guard.__name__ = f"require_scope_{scope.replace(':', '_')}"
    return guard


async def public(request: Request) -> None:
    """Declares a route open to everyone (sign-in, health, static, docs)."""


setattr(public, GUARD_ATTRIBUTE, None)


def guard_of(dependant: Any) -> Guard | Literal["undeclared"] | None:
    """The guard a route declares (searching its dependency tree), None for a public route, or
    "undeclared" — which the route test treats as a failure."""
    found: list[Guard | None] = []

    def walk(node: Any) -> None:
        call = getattr(node, "call", None)
        if call is not None and hasattr(call, GUARD_ATTRIBUTE):
            found.append(getattr(call, GUARD_ATTRIBUTE))
        for child in getattr(node, "dependencies", []):
            walk(child)

    walk(dependant)
    guards = [g for g in found if g is not None]
    if guards:
        return max(guards, key=lambda g: g.role.rank)
    return None if found else "undeclared"


Viewer = Annotated[Principal, Depends(require_role(Role.VIEWER))]
Auditor = Annotated[Principal, Depends(require_role(Role.AUDITOR))]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
SuperAdmin = Annotated[Principal, Depends(require_role(Role.SUPER_ADMIN))]
