"""Pages of Odoo's security model: Users (search, filters, server-side paging and sorting) and a
user in detail, Groups and a group in detail. Every page reads one successful run (the latest,
or ``?run=``) of one environment (``?env=``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from odoobridge.access.analysis.answers import user_access
from odoobridge.access.analysis.effective import PERMS
from odoobridge.access.analysis.history import group_timeline, user_timeline
from odoobridge.access.analysis.state import resolve_run
from odoobridge.access.findings.lifecycle import Reviewed
from odoobridge.access.findings.listing import FindingFilter, listing
from odoobridge.access.sights import ROLE_FOR, Sight, may_see
from odoobridge.access.views.entra import entra_card
from odoobridge.access.views.groups import GROUP_SORTS, applications, group_detail, list_groups
from odoobridge.access.views.runview import RunView, view_for
from odoobridge.access.views.stats import latest_runs
from odoobridge.access.views.users import (
    SORTS,
    UserFilter,
    filter_rights,
    filter_users,
    user_detail,
)
from odoobridge.auth.principal import Principal
from odoobridge.environment import Environment
from odoobridge.errors import Forbidden, NotFound
from odoobridge.store.base import utcnow
from odoobridge.web.deps import DbSession, Viewer, app_state, get_settings
from odoobridge.web.render import render, render_fragment
from odoobridge.web.schemas import MAX_ID, RunParam

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
    run: RunParam = None,
    q: Annotated[str, Query(max_length=200)] = "",
    active: Annotated[str, Query(pattern="^(active|archived|all)$")] = "active",
    kind: Annotated[str, Query(pattern="^(internal|portal|all)$")] = "all",
    department: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "name",
    desc: bool = False,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
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


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    sight: Sight


USER_TABS = (
    Tab("access", "Access", Sight.ACCESS),
    Tab("rights", "Rights per model", Sight.RIGHTS),
    Tab("rules", "Record rules", Sight.RULES),
    Tab("timeline", "Timeline", Sight.HISTORY),
    Tab("findings", "Findings", Sight.FINDINGS),
    Tab("entra", "Entra", Sight.DIRECTORY),
)
GROUP_TABS = (
    Tab("members", "Members", Sight.ACCESS),
    Tab("inheritance", "Inheritance", Sight.ACCESS),
    Tab("rights", "Access rights", Sight.RIGHTS),
    Tab("rules", "Record rules", Sight.RULES),
    Tab("timeline", "Timeline", Sight.HISTORY),
    Tab("findings", "Findings", Sight.FINDINGS),
)
TabParam = Annotated[str, Query(max_length=20, pattern="^[a-z]+$")]


def _tabs(tabs: tuple[Tab, ...], chosen: str, principal: Principal) -> tuple[list[Tab], Tab]:
    """The tabs ``principal`` may open, and the one asked for (403 if it is not for them)."""
    visible = [t for t in tabs if may_see(principal, t.sight)]
    tab = next((t for t in tabs if t.key == chosen), None)
    if tab is None:
        raise NotFound(f"no tab {chosen!r}: use {', '.join(t.key for t in visible)}")
    if not may_see(principal, tab.sight):
        raise Forbidden(
            f"the {tab.label} tab needs the {ROLE_FOR[tab.sight].value} role; "
            f"you are {principal.role.value}"
        )
    return visible, tab


@router.get("/users/{user_id}")
def user_page(
    request: Request,
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: RunParam = None,
    tab: TabParam = "access",
    q: Annotated[str, Query(max_length=200)] = "",
    only: Annotated[str, Query(pattern="^(all|write)$")] = "all",
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is None:
        raise NotFound(context["no_data"])
    visible, chosen = _tabs(USER_TABS, tab, principal)
    detail = view.part(("user", user_id), lambda: user_detail(view, user_id))
    context.update(
        {
            "detail": detail,
            "tabs": visible,
            "tab": chosen.key,
            "perms": PERMS,
            "q": q,
            "only": only,
            "user_id": user_id,
        }
    )
    if chosen.key in ("rights", "rules"):
        access = view.part(("user-access", user_id), lambda: user_access(view.index, user_id))
        context["access"] = access
        context["rights"] = filter_rights(access.rights, q, only == "write")
    elif chosen.key == "timeline":
        context["timeline"] = user_timeline(session, environment, user_id, view.index.snap)
    elif chosen.key == "findings":
        context["findings"] = _findings(
            request, session, environment, FindingFilter(user_id=user_id)
        )
    elif chosen.key == "entra":
        context["entra"] = entra_card(session, get_settings(request), view, user_id)
    return _page(request, principal, "access/user.html", context)


def _findings(
    request: Request, session: Session, environment: Environment, chosen: FindingFilter
) -> list[Reviewed]:
    return listing(session, get_settings(request), environment, None, chosen).items


@router.get("/groups")
def groups_page(
    request: Request,
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: RunParam = None,
    q: Annotated[str, Query(max_length=200)] = "",
    application: Annotated[str, Query(max_length=200)] = "",
    sort: Annotated[str, Query(pattern="^(" + "|".join(GROUP_SORTS) + ")$")] = "application",
    desc: bool = False,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is not None:
        rows = list_groups(view, search=q, application=application, sort=sort, descending=desc)
        context.update(
            {
                "groups": rows[offset : offset + PAGE_SIZE],
                "total": len(rows),
                "applications": applications(view),
            }
        )
    context.update(
        {
            "q": q,
            "application": application,
            "sort": sort,
            "desc": desc,
            "offset": offset,
            "page_size": PAGE_SIZE,
        }
    )
    return _page(request, principal, "access/groups.html", context)


@router.get("/groups/{group_id}")
def group_page(
    request: Request,
    group_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    session: DbSession,
    principal: Viewer,
    env: str | None = None,
    run: RunParam = None,
    tab: TabParam = "members",
    members: Annotated[str, Query(pattern="^(active|all)$")] = "active",
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> HTMLResponse:
    environment = _environment(request, env)
    view, context = _view(request, session, environment, run)
    if view is None:
        raise NotFound(context["no_data"])
    visible, chosen = _tabs(GROUP_TABS, tab, principal)
    active_only = members == "active"
    detail = view.part(
        ("group", group_id, offset, active_only),
        lambda: group_detail(
            view, group_id, offset=offset, limit=PAGE_SIZE, active_only=active_only
        ),
    )
    context.update(
        {
            "detail": detail,
            "tabs": visible,
            "tab": chosen.key,
            "members": detail.members,
            "member_filter": members,
            "total": detail.grants.members_total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "perms": PERMS,
        }
    )
    if chosen.key == "timeline":
        context["timeline"] = group_timeline(session, environment, group_id, view.index.snap)
    elif chosen.key == "findings":
        g = detail.group
        context["findings"] = _findings(
            request, session, environment, FindingFilter(group=(g.odoo_id, g.label, g.xml_id))
        )
    return _page(request, principal, "access/group.html", context)
