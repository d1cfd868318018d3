"""Rendering pages: the Jinja2 environment (autoescaped), the layout's context and the helpers
templates use. Domain templates live in ``web/templates/<domain>/``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.web.deps import app_state, csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# The main navigation: (label, path, the weakest role that sees it).
NAVIGATION: list[tuple[str, str, Role]] = [
    ("Dashboard", "/", Role.VIEWER),
    ("Data & Integrations", "/integrations", Role.VIEWER),
    ("Users", "/users", Role.VIEWER),
    ("Groups", "/groups", Role.VIEWER),
    ("Findings", "/findings", Role.AUDITOR),
    ("Analysis", "/analysis", Role.AUDITOR),
    ("Analytics", "/analytics", Role.VIEWER),
    ("Admin", "/admin", Role.ADMIN),
]


def _when(value: datetime | str | None) -> str:
    """An ISO timestamp in UTC for <time datetime>; the page's script shows it in local time."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.isoformat(timespec="seconds")


def _when_text(value: datetime | str | None, seconds: bool = False) -> str:
    if value is None:
        return "never"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def _when_text_seconds(value: datetime | str | None) -> str:
    """To the second, where runs made in the same minute must be told apart (run pickers)."""
    return _when_text(value, seconds=True)


def _query(request: Request, **changes: Any) -> str:
    """The current query string with ``changes`` applied (None removes a key)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


def make_templates(*, development: bool = False) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.autoescape = True  # every template, whatever its file name
    env.auto_reload = development  # else a stat() of every template file on every render
    env.globals["csrf_field"] = "csrf_token"
    env.filters["when"] = _when
    env.filters["when_text"] = _when_text
    env.filters["when_text_seconds"] = _when_text_seconds
    env.globals["query"] = _query
    return templates


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    templates = app_state(request).templates
    page: dict[str, Any] = {
        "principal": principal,
        # Forms need the session's token; a script with an API key has no session (and gets no
        # cookie for one).
        "csrf_token": csrf_token(request)
        if principal is None or principal.kind == "session"
        else "",
        "navigation": [
            (label, path)
            for label, path, role in NAVIGATION
            if principal is not None and principal.allows(role)
        ],
        "current_path": request.url.path,
        "Role": Role,
    }
    page.update(context or {})
    response = templates.TemplateResponse(request, template, page, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages hold access data: never cache them
    return response


def render_fragment(request: Request, template: str, context: dict[str, Any]) -> Markup:
    """A part of a page rendered to HTML once (to be cached with the data it shows); it must not
    depend on who asks (no CSRF token, no principal)."""
    templates = app_state(request).templates
    return Markup(templates.env.get_template(template).render({"query": _query, **context}))
