"""Pages of Odoo's security model: Users (search, filters, server-side paging and sorting) and a
user in detail, Groups and a group in detail. Every page reads one successful run (the latest,
or ``?run=``) of one environment (``?env=``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from odoobridge.access.analysis.answers import user_access
from odoobridge.access.analysis.effective import PERMS
from odoobridge.access.analysis.history import user_timeline
from odoobridge.access.analysis.state import resolve_run
from odoobridge.access.views.groups import applications, group_detail, list_groups
from odoobridge.access.views.runview import RunView, view_for
from odoobridge.access.views.stats import latest_runs
from odoobridge.access.views.users import SORTS, UserFilter, filter_users, user_detail
from odoobridge.auth.principal import Principal
from odoobridge.environment import Environment
from odoobridge.errors import NotFound
from odoobridge.store.base import utcnow
from odoobridge.web.deps import DbSession, Viewer, app_state, get_settings
from odoobridge.web.render import render, render_fragment

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _environment(request: Request, env: str | None) -> Environment:
    return Environment.parse(env) if env else get_settings(request).odoo_environment


def _view(
    request: Request, session: Session, env: Environment, run_id: int | None
) -> tuple[RunView | None, dict[str, Any]]:
    """The run's view, or None with the reason when there is no successful sync yet."""
    context: dict[str, Any] = {"env": env, "environments": list(Environment)}
    if run_id is not None:
        run = resolve_run(session, env, run_id)
    else:
        latest = latest_runs(app_state(request).latest_runs, session).get(env.value)
        if latest is None:
            context["no_data"] = (
                f"no successful Odoo sync for {env.label} yet: run one on Data & Integrations"
            )
            return None, context
        run = latest
    stale_after = get_settings(request).stale_hours * 3600
    age = (utcnow() - run.completed_at).total_seconds() if run.completed_at else 0
    context.update({"run": run, "stale": age > stale_after})
    return view_for(app_state(request).run_views, session, env, run.id), context


def _page(
    request: Request, principal: Principal, template: str, context: dict[str, Any]
) -> HTMLResponse:
    return render(request, template, context, principal=principal)


@router.get("/users")
def users_page(
    request: Request,
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: Annotated[int | None, Query(ge=1)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
    active: Annotated[str, Query(pattern="^(active|archived|all)$")] = "active",
    kind: Annotated[str, Query(pattern="^(internal|portal|all)$")] = "all",
    department: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "name",
    desc: bool = False,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=5, le=500)] = PAGE_SIZE,
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is not None:
        chosen = UserFilter(q, active, kind, department, sort, desc)
        rows = view.part(("users", chosen), lambda: filter_users(view, chosen))
        key = ("users-table", tuple(sorted(request.query_params.multi_items())))

        def table() -> Markup:
            return render_fragment(
                request,
                "access/users_table.html",
                {
                    "request": request,
                    "users": rows[offset : offset + limit],
                    "total": len(rows),
                    "filter": chosen,
                    "env": environment,
                    "offset": offset,
                    "page_size": limit,
                },
            )

        context["table"] = view.part(key, table)
        context.update(
            {
                "users": rows[offset : offset + limit],
                "total": len(rows),
                "departments": view.departments,
                "filter": chosen,
            }
        )
    context.update({"offset": offset, "page_size": limit, "sorts": list(SORTS)})
    return _page(request, principal, "access/users.html", context)


@router.get("/users/{user_id}")
def user_page(
    request: Request,
    user_id: int,
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is None:
        raise NotFound(context["no_data"])

    def body() -> tuple[str, Markup]:
        detail, access, timeline = _user_parts(session, view, user_id)
        parts = {
            "detail": detail,
            "access": access,
            "timeline": timeline,
            "perms": PERMS,
            "env": view.environment,
        }
        return detail.user.name, render_fragment(request, "access/user_body.html", parts)

    context["user_name"], context["body"] = view.part(("user", user_id), body)
    return _page(request, principal, "access/user.html", context)


def _user_parts(session: Session, view: RunView, user_id: int) -> tuple[Any, Any, Any]:
    """Odoo's view of the user, then what Odoo does not show: rights per model and record rules
    (with the path behind each grant), and how the user's access changed run by run."""
    detail = user_detail(view, user_id)
    access = user_access(view.index, user_id)
    return detail, access, user_timeline(session, view.environment, user_id)


@router.get("/groups")
def groups_page(
    request: Request,
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: Annotated[int | None, Query(ge=1)] = None,
    q: Annotated[str, Query(max_length=200)] = "",
    application: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(label|members|application)$")] = "application",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is not None:
        rows = list_groups(view, search=q, application=application, sort=sort)
        context.update(
            {
                "groups": rows[offset : offset + PAGE_SIZE],
                "total": len(rows),
                "applications": applications(view),
            }
        )
    context.update(
        {"q": q, "application": application, "sort": sort, "offset": offset, "page_size": PAGE_SIZE}
    )
    return _page(request, principal, "access/groups.html", context)


@router.get("/groups/{group_id}")
def group_page(
    request: Request,
    group_id: int,
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: Annotated[int | None, Query(ge=1)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is None:
        raise NotFound(context["no_data"])
    detail = view.part(
        ("group", group_id, offset),
        lambda: group_detail(view, group_id, offset=offset, limit=PAGE_SIZE),
    )
    context.update(
        {
            "detail": detail,
            "members": detail.members,
            "total": detail.grants.members_total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "perms": PERMS,
        }
    )
    return _page(request, principal, "access/group.html", context)
