"""The FastAPI application: ``create_app(settings, store)``.

One place turns errors into answers: an :class:`~odoobridge.errors.AppError` becomes
``{"detail": message}`` with its status (pages get an error page, or the sign-in page when not
signed in); a validation error becomes 422 naming the field. The OpenAPI page at ``/docs`` is
served from the installed packages (no CDN), as is plotly's JS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import odoobridge
from odoobridge.access import api as access_api
from odoobridge.access import pages as access_pages
from odoobridge.access.analysis import api as analysis_api
from odoobridge.access.analysis import pages as analysis_pages
from odoobridge.access.findings import api as findings_api
from odoobridge.access.findings import pages as findings_pages
from odoobridge.access.views import api as views_api
from odoobridge.access.views import pages as views_pages
from odoobridge.auth import api as auth_api
from odoobridge.auth import pages as auth_pages
from odoobridge.auth import sso_pages
from odoobridge.auth.apikeys import KeyUseRecorder
from odoobridge.auth.sso import EntraSignIn
from odoobridge.bi import api as bi_api
from odoobridge.bi import pages as bi_pages
from odoobridge.directory import api as directory_api
from odoobridge.errors import (
    AppError,
    RunAlreadyRunning,
    TooManyRequests,
    Unauthorized,
    describe_invalid,
)
from odoobridge.gateway import api as gateway_api
from odoobridge.gateway.ratelimit import GatewayLimits
from odoobridge.logs import configure_logging
from odoobridge.mcp.http import mcp_lifespan, mount_mcp
from odoobridge.redact import redact
from odoobridge.sales import admin_api as sales_admin_api
from odoobridge.sales import api as sales_api
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync import api as sync_api
from odoobridge.sync.background import wait_for_background_syncs
from odoobridge.sync.scheduler import parse_schedule, start_scheduler
from odoobridge.web import dashboard, health, vendor
from odoobridge.web.deps import app_state, public
from odoobridge.web.render import STATIC_DIR, make_templates, render
from odoobridge.web.state import AppState
from odoobridge.web.throttle import LoginThrottle

SESSION_COOKIE = "odoobridge_session"

_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
        b"form-action 'self'",
    ),
]


class SecurityHeaders:
    """Adds the headers that keep pages from being framed, sniffed or fed foreign scripts."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in _SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wants_page(request: Request) -> bool:
    """Errors on pages render as pages; everything under /api and /odoo (the gateway) and the
    docs answers JSON."""
    path = request.url.path
    return not path.startswith(
        ("/api/", "/odoo/", "/mcp", "/openapi.json", "/healthz", "/readyz", "/static/")
    )


def _error_response(request: Request, status: int, message: str) -> Response:
    secrets = app_state(request).settings.secret_values()
    message = redact(message, secrets)
    if not wants_page(request):
        return JSONResponse({"detail": message}, status_code=status)
    if status == 401 and request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    response = _error_response(request, exc.status, exc.message)
    if isinstance(exc, RunAlreadyRunning) and isinstance(response, JSONResponse):
        secrets = app_state(request).settings.secret_values()
        body = {"detail": redact(exc.message, secrets), "run_id": exc.run_id}
        response = JSONResponse(body, status_code=exc.status)
    if isinstance(exc, TooManyRequests):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized) and not wants_page(request):
        response.headers["WWW-Authenticate"] = 'ApiKey header="X-API-Key"'
    return response


def describe_validation(exc: RequestValidationError) -> str:
    """``environment: Field required; limit: Input should be less than or equal to 500``."""
    return describe_invalid(exc.errors())


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _error_response(request, 422, describe_validation(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    response = _error_response(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


def _docs_router() -> Any:
    router = APIRouter(dependencies=[Depends(public)], include_in_schema=False)

    @router.get("/docs")
    def docs(request: Request) -> HTMLResponse:
        templates = app_state(request).templates
        return templates.TemplateResponse(request, "docs.html", {"title": request.app.title})

    return router


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the scheduled syncs (when asked to); on the way out stop them and let syncs end."""
    state: AppState = app.state.odoobridge
    if state.run_scheduler:
        state.scheduler = start_scheduler(state.store, state.settings)
    try:
        async with mcp_lifespan(app):  # the MCP server's session manager runs while the app does
            yield
    finally:
        if state.scheduler is not None:
            state.scheduler.shutdown(wait=False)
        await run_in_threadpool(wait_for_background_syncs, 30.0)
        state.close()


def create_app(settings: Settings, store: Store, *, scheduler: bool = False) -> FastAPI:
    """The whole application on ``store``; refuses a placeholder secret outside development.
    ``scheduler=True`` (``odoobridge serve``) runs ``ODOOBRIDGE_SCHEDULE`` in this process."""
    secret = settings.session_secret()
    parse_schedule(settings.schedule)  # a malformed schedule stops the start, saying why
    app = FastAPI(
        lifespan=_lifespan,
        title="OdooBridge",
        version=odoobridge.__version__,
        description="Odoo's security model, Microsoft Entra and access reviews.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.odoobridge = AppState(
        settings=settings,
        store=store,
        templates=make_templates(development=settings.development),
        throttle=LoginThrottle(settings),
        gateway_limits=GatewayLimits(settings),
        key_use=KeyUseRecorder(store),
        sso=EntraSignIn.from_settings(settings),  # None unless ODOOBRIDGE_SSO_ENABLED=1
        run_scheduler=scheduler,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_minutes * 60,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.add_middleware(SecurityHeaders)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.mount("/static/app", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(health.router)
    app.include_router(vendor.router)
    app.include_router(_docs_router())
    mount_domains(app)
    mount_mcp(app)  # Streamable HTTP at /mcp, API keys only (odoobridge.mcp.http)
    return app


def mount_domains(app: FastAPI) -> None:
    """Each domain's JSON API and pages (one line per router)."""
    app.include_router(dashboard.router)
    app.include_router(auth_pages.router)
    app.include_router(sso_pages.router)
    app.include_router(auth_api.router)
    app.include_router(sync_api.router)
    app.include_router(access_api.router)
    app.include_router(access_pages.router)
    app.include_router(directory_api.router)
    app.include_router(views_api.router)
    app.include_router(views_pages.router)
    app.include_router(analysis_api.router)
    app.include_router(analysis_pages.router)
    app.include_router(findings_api.router)
    app.include_router(findings_pages.router)
    app.include_router(bi_api.router)
    app.include_router(bi_pages.router)
    app.include_router(gateway_api.router)
    app.include_router(sales_api.router)
    app.include_router(sales_admin_api.router)


def app_from_environment() -> FastAPI:
    """The app built from the process's settings (``odoobridge serve --workers N`` builds one
    per worker process, each with its own scheduler: the store lock keeps jobs single)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format, settings.secret_values())
    return create_app(settings, Store(settings.store_url), scheduler=True)
