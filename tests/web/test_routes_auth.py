"""Every route of the app declares who may call it: none answers without authentication (except
sign-in, health, static files and the API docs), each refuses the role just below its own, and
each answers its own role past the guard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from starlette.routing import Mount, Route

from odoobridge.auth.roles import Role
from odoobridge.web.deps import Guard, guard_of, public, require_role, require_scope
from tests.web.conftest import SignedIn

# The only routes open to everyone: sign-in, health, static files, the API docs.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/docs"),
    ("GET", "/static/vendor/{name}"),
}
PUBLIC_PREFIXES = ("/auth/entra/",)  # Microsoft sign-in: start and callback
# Plain ASGI routes that authenticate by themselves: API keys only, never a cookie.
KEY_ONLY = {"/mcp"}  # the MCP server (odoobridge.mcp.http)


def _sample_path(route: RouteContext) -> str:
    path = str(route.path)
    for param in route.dependant.path_params:
        annotation = getattr(param.field_info, "annotation", None) or param.type_
        value = "999999" if annotation is int else "sample"
        path = path.replace("{" + param.name + "}", value)
    return path


def _guarded_routes(app: FastAPI) -> list[tuple[str, RouteContext, Guard]]:
    """Every (method, route, guard) of ``app``, seen as it is mounted (with the dependencies of
    the routers it is included through)."""
    found: list[tuple[str, RouteContext, Guard]] = []
    undeclared: list[str] = []
    public_seen: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        original = route.original_route
        if isinstance(original, Mount):
            assert route.path == "/static/app", f"unexpected mount {route.path}"
            continue
        if not isinstance(original, APIRoute):
            assert isinstance(original, Route), route
            assert route.path in {"/openapi.json", *KEY_ONLY}, f"unexpected route {route.path}"
            continue
        guard = guard_of(route.dependant)
        for method in sorted(route.methods or ()):
            if guard == "undeclared":
                undeclared.append(f"{method} {route.path}")
            elif guard is None:
                public_seen.add((method, str(route.path)))
            else:
                found.append((method, route, guard))
    assert not undeclared, f"routes that declare no role: {undeclared}"
    unexpected = {
        (m, p) for m, p in public_seen if (m, p) not in PUBLIC and not p.startswith(PUBLIC_PREFIXES)
    }
    assert not unexpected, f"public routes outside the allowed set: {sorted(unexpected)}"
    assert {p for p in PUBLIC if p in public_seen} == PUBLIC
    return found


def _call(c: httpx.Client, method: str, path: str, key: str | None = None) -> httpx.Response:
    headers = {"X-API-Key": key} if key else {}
    return c.request(method, path, headers=headers)


def test_every_route_needs_its_role(
    app: FastAPI, anonymous: httpx.Client, make_key: Callable[..., str]
) -> None:
    routes = _guarded_routes(app)
    assert len(routes) >= 18  # the auth core alone has this many; domains add more
    keys: dict[tuple[Role, str | None], str] = {}

    def key(role: Role, scope: str | None) -> str:
        if (role, scope) not in keys:
            keys[(role, scope)] = make_key(role, scopes=[scope] if scope else [])
        return keys[(role, scope)]

    failures: list[str] = []
    for method, route, guard in routes:
        path = _sample_path(route)
        where = f"{method} {route.path} (needs {guard.role.value})"
        answer = _call(anonymous, method, path)
        if path.startswith(("/api/", "/odoo/")):  # JSON APIs (the gateway's is under /odoo)
            expected_anonymous = answer.status_code == 401
        elif method == "GET":
            location = answer.headers.get("location", "")
            expected_anonymous = answer.status_code == 303 and location.startswith("/login")
        else:
            expected_anonymous = answer.status_code == 401
        if not expected_anonymous:
            failures.append(f"{where}: answered {answer.status_code} without authentication")
        weaker = guard.role.below()
        if weaker is not None:
            answer = _call(anonymous, method, path, key(weaker, guard.scope))
            if answer.status_code != 403:
                failures.append(f"{where}: {weaker.value} got {answer.status_code}, not 403")
        answer = _call(anonymous, method, path, key(guard.role, guard.scope))
        if answer.status_code in (401, 403):
            failures.append(f"{where}: its own role was refused ({answer.status_code})")
        if guard.scope is not None:
            answer = _call(anonymous, method, path, key(Role.SUPER_ADMIN, None))
            if answer.status_code != 403:
                failures.append(f"{where}: a key without {guard.scope} got {answer.status_code}")
    assert not failures, "\n".join(failures)


def test_key_only_routes_refuse_everyone_without_a_valid_key(
    app: FastAPI,
    anonymous: httpx.Client,
    make_key: Callable[..., str],
    signed_in: Callable[[Role], SignedIn],
) -> None:
    """/mcp: 401 for no key, a malformed or unknown key and a signed-in super admin's cookie;
    any valid key gets past (the tools check role and scope per call)."""
    mounted = {str(r.path) for r in iter_route_contexts(app.routes)}
    assert mounted >= KEY_ONLY
    person = signed_in(Role.SUPER_ADMIN).client
    body = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    failures: list[str] = []
    for path in sorted(KEY_ONLY):
        for method in ("GET", "POST", "DELETE"):
            for who, c, headers in (
                ("nobody", anonymous, {}),
                ("a malformed key", anonymous, {"X-API-Key": "x"}),
                (
                    "an unknown key",
                    anonymous,
                    {"Authorization": "Bearer obk_abcdefghij_" + "y" * 43},
                ),
                ("a cookie", person, {}),
            ):
                answer = c.request(method, path, headers=headers, json=body)
                if answer.status_code != 401:
                    failures.append(f"{method} {path}: {who} got {answer.status_code}")
        answer = anonymous.post(path, json=body, headers={"X-API-Key": make_key(Role.VIEWER)})
        if answer.status_code in (401, 403):
            failures.append(f"POST {path}: a valid key was refused ({answer.status_code})")
    assert not failures, "\n".join(failures)


def test_public_routes_answer_without_authentication(anonymous: httpx.Client) -> None:
    for path in (
        "/login",
        "/healthz",
        "/readyz",
        "/docs",
        "/openapi.json",
        "/static/vendor/plotly.min.js",
        "/static/app/css/app.css",
    ):
        assert anonymous.get(path).status_code == 200, path


def _app_with(*routes: tuple[str, Any]) -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None)
    for path, dependency in routes:
        deps = [Depends(dependency)] if dependency is not None else []
        app.add_api_route(path, lambda: {}, dependencies=deps)
    return app


@pytest.mark.parametrize(
    ("dependency", "expected"),
    [
        (None, "undeclared"),
        (public, None),
        (require_role(Role.AUDITOR), Guard(Role.AUDITOR)),
        (require_scope("gateway:execute", Role.ADMIN), Guard(Role.ADMIN, "gateway:execute")),
    ],
)
def test_the_declaration_is_read_back(dependency: Any, expected: Any) -> None:
    """The check above can fail: a route without a guard reads as undeclared."""
    app = _app_with(("/x", dependency))
    route = next(r for r in iter_route_contexts(app.routes) if r.path == "/x")
    assert guard_of(route.dependant) == expected


def test_the_enumeration_refuses_an_undeclared_route() -> None:
    app = _app_with(("/open", None))
    with pytest.raises(AssertionError, match="declare no role"):
        _guarded_routes(app)
