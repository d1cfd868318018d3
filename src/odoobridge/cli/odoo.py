"""``odoobridge odoo …``: the Odoo gateway from the command line — status, searches, a partner's
history, proposals, execute and cancel. With ``--json`` each prints exactly what the matching
route under ``/odoo`` answers.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from odoobridge.cli.options import JsonOption, triggered_by
from odoobridge.cli.render import print_json, table
from odoobridge.cli.state import CliState
from odoobridge.errors import AppError, ConfigError
from odoobridge.gateway.paging import DEFAULT_LIMIT, MAX_LIMIT

if TYPE_CHECKING:
    from pydantic import BaseModel

    from odoobridge.sources.odoo_rpc import OdooRpcClient

odoo_app = typer.Typer(
    help="Odoo's business records: search, proposals, execute.", no_args_is_help=True
)
search_app = typer.Typer(
    help="Search Odoo (what POST /odoo/search/… answers).", no_args_is_help=True
)
odoo_app.add_typer(search_app, name="search")

Model = TypeVar("Model", bound="BaseModel")
LimitOption = Annotated[
    int, typer.Option(min=1, max=MAX_LIMIT, help="Records per page (at most 500).")
]
OffsetOption = Annotated[int, typer.Option(min=0, help="Records to skip (paging).")]
NameOption = Annotated[str | None, typer.Option(help="Part of the name.")]
PartnerOption = Annotated[int | None, typer.Option("--partner-id", help="A partner's id.")]


@contextmanager
def odoo_client(state: CliState) -> Iterator[OdooRpcClient]:
    from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig

    with OdooRpcClient(OdooRpcConfig.from_settings(state.settings())) as client:
        yield client


def criteria(model: type[Model], **values: Any) -> Model:
    """The route's payload from the options; a bad value is one line naming the option."""
    from pydantic import ValidationError

    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())).replace("_", "-")
        raise ConfigError(f"--{where}: {first.get('msg', 'is invalid')}") from None


def m2o(value: Any) -> str:
    """A many2one as its name (``[7, "Marc Demo"]`` → ``Marc Demo``)."""
    return str(value[1]) if isinstance(value, list) and len(value) == 2 else ""


def text(value: Any) -> str:
    return "" if value is False or value is None else str(value)


COLUMNS: dict[str, list[tuple[str, Any]]] = {
    "partners": [
        ("id", "id"),
        ("name", "name"),
        ("email", "email"),
        ("phone", "phone"),
        ("website", "website"),
        ("city", "city"),
        ("country", ("country_id",)),
    ],
    "leads": [
        ("id", "id"),
        ("name", "name"),
        ("partner", ("partner_id",)),
        ("stage", ("stage_id",)),
        ("email", "email_from"),
        ("expected revenue", "expected_revenue"),
    ],
    "projects": [
        ("id", "id"),
        ("name", "name"),
        ("partner", ("partner_id",)),
        ("manager", ("user_id",)),
        ("start", "date_start"),
    ],
    "tasks": [
        ("id", "id"),
        ("name", "name"),
        ("project", ("project_id",)),
        ("partner", ("partner_id",)),
        ("deadline", "date_deadline"),
    ],
    "activities": [
        ("id", "id"),
        ("model", "res_model"),
        ("record", "res_id"),
        ("about", "res_name"),
        ("type", ("activity_type_id",)),
        ("summary", "summary"),
        ("due", "date_deadline"),
    ],
    "calendar_events": [
        ("id", "id"),
        ("name", "name"),
        ("start", "start"),
        ("stop", "stop"),
        ("attendees", "partner_ids"),
    ],
}


def cell(record: dict[str, Any], key: Any) -> str:
    if isinstance(key, tuple):  # a many2one
        return m2o(record.get(key[0]))
    value = record.get(key)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return text(value)


def show_records(kind: str, records: list[dict[str, Any]], title: str) -> None:
    columns = COLUMNS[kind]
    table(title, [c for c, _ in columns], [[cell(r, k) for _, k in columns] for r in records])


def show_page(kind: str, answer: dict[str, Any], offset: int, as_json: bool) -> None:
    if as_json:
        print_json(answer)
        return
    found: list[dict[str, Any]] = answer[kind]
    label = kind.replace("_", " ")
    shown = f"{offset + 1}–{offset + len(found)} of " if found else ""
    show_records(kind, found, f"{label}: {shown}{answer['count']}")


# --- status and searches -----------------------------------------------------------------------


@odoo_app.command("status")
def status_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Whether Odoo's API answers and accepts our credentials (exit 1 when not)."""
    from odoobridge.gateway import search
    from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig

    state: CliState = ctx.obj
    settings = state.settings()
    try:
        config = OdooRpcConfig.from_settings(settings)
    except AppError as exc:
        answer = search.gateway_status(None, None, exc.message, settings.secret_values())
    else:
        with OdooRpcClient(config) as client:
            answer = search.gateway_status(client, config, None, settings.secret_values())
    if as_json:
        print_json(answer)
    elif answer["connected"]:
        typer.echo(
            f"connected to Odoo {answer['odoo_version']} at {answer['url']}: database "
            f"{answer['database']}, user {answer['username']} ({answer['protocol']})"
        )
    else:
        typer.echo(f"error: not connected: {answer['error']}", err=True)
    if not answer["connected"]:
        raise typer.Exit(1)


@search_app.command("partners")
def search_partners(
    ctx: typer.Context,
    query: Annotated[str | None, typer.Option(help="Part of the name or e-mail.")] = None,
    email: Annotated[str | None, typer.Option(help="The whole e-mail address.")] = None,
    phone: Annotated[str | None, typer.Option(help="Part of the phone number.")] = None,
    website: Annotated[str | None, typer.Option(help="A site (scheme, www. ignored).")] = None,
    is_company: Annotated[
        bool | None, typer.Option("--is-company/--is-person", help="Companies or people only.")
    ] = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Contacts and companies."""
    from odoobridge.gateway import schemas as gs
    from odoobridge.gateway import search

    found = criteria(
        gs.PartnerSearch,
        query=query,
        email=email,
        phone=phone,
        website=website,
        is_company=is_company,
        limit=limit,
        offset=offset,
    )
    with odoo_client(ctx.obj) as client:
        show_page("partners", search.search_partners(client, found), offset, as_json)


@search_app.command("leads")
def search_leads(
    ctx: typer.Context,
    partner_id: PartnerOption = None,
    email: Annotated[str | None, typer.Option(help="The lead's e-mail address.")] = None,
    name: NameOption = None,
    stage: Annotated[str | None, typer.Option(help="The stage's name.")] = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """CRM leads and opportunities."""
    from odoobridge.gateway import schemas as gs
    from odoobridge.gateway import search

    found = criteria(
        gs.LeadSearch,
        partner_id=partner_id,
        email=email,
        name=name,
        stage=stage,
        limit=limit,
        offset=offset,
    )
    with odoo_client(ctx.obj) as client:
        show_page("leads", search.search_leads(client, found), offset, as_json)


@search_app.command("projects")
def search_projects(
    ctx: typer.Context,
    partner_id: PartnerOption = None,
    name: NameOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Projects."""
    from odoobridge.gateway import schemas as gs
    from odoobridge.gateway import search

    found = criteria(gs.ProjectSearch, partner_id=partner_id, name=name, limit=limit, offset=offset)
    with odoo_client(ctx.obj) as client:
        show_page("projects", search.search_projects(client, found), offset, as_json)


@search_app.command("tasks")
def search_tasks(
    ctx: typer.Context,
    project_id: Annotated[int | None, typer.Option("--project-id", help="A project's id.")] = None,
    partner_id: PartnerOption = None,
    name: NameOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Project tasks."""
    from odoobridge.gateway import schemas as gs
    from odoobridge.gateway import search

    found = criteria(
        gs.TaskSearch,
        project_id=project_id,
        partner_id=partner_id,
        name=name,
        limit=limit,
        offset=offset,
    )
    with odoo_client(ctx.obj) as client:
        show_page("tasks", search.search_tasks(client, found), offset, as_json)


@search_app.command("activities")
def search_activities(
    ctx: typer.Context,
    partner_id: PartnerOption = None,
    res_model: Annotated[str | None, typer.Option("--res-model", help="e.g. crm.lead")] = None,
    res_id: Annotated[int | None, typer.Option("--res-id", help="The record's id.")] = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Scheduled activities (on a partner, its leads and tasks; or on one record)."""
    from odoobridge.gateway import schemas as gs
    from odoobridge.gateway import search

    found = criteria(
        gs.ActivitySearch,
        partner_id=partner_id,
        res_model=res_model,
        res_id=res_id,
        limit=limit,
        offset=offset,
    )
    with odoo_client(ctx.obj) as client:
        show_page("activities", search.search_activities(client, found), offset, as_json)


@search_app.command("calendar")
def search_calendar(
    ctx: typer.Context,
    partner_id: Annotated[
        list[int] | None, typer.Option("--partner-id", help="An attendee (repeatable).")
    ] = None,
    name: NameOption = None,
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Calendar events."""
    from odoobridge.gateway import schemas as gs
    from odoobridge.gateway import search

    found = criteria(
        gs.CalendarSearch, partner_ids=partner_id or None, name=name, limit=limit, offset=offset
    )
    with odoo_client(ctx.obj) as client:
        show_page("calendar_events", search.search_calendar(client, found), offset, as_json)


@odoo_app.command("partner")
def partner_command(
    ctx: typer.Context,
    partner_id: int,
    limit: LimitOption = DEFAULT_LIMIT,
    as_json: JsonOption = False,
) -> None:
    """A partner and its leads, projects, tasks, activities and calendar events."""
    from odoobridge.gateway import search

    with odoo_client(ctx.obj) as client:
        history = search.partner_history(client, partner_id, limit)
    if as_json:
        print_json(history)
        return
    partner = history["partner"]
    typer.echo(f"{partner['name']} (partner {partner['id']}) {text(partner.get('email'))}")
    for kind in ("leads", "projects", "tasks", "activities", "calendar_events"):
        count = history["counts"][kind]
        if count:
            show_records(kind, history[kind], f"{kind.replace('_', ' ')}: {count}")


# --- proposals ---------------------------------------------------------------------------------


@odoo_app.command("proposals")
def proposals_command(
    ctx: typer.Context,
    status: Annotated[str, typer.Option(help="pending, executed, failed, … or all.")] = "pending",
    limit: LimitOption = DEFAULT_LIMIT,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Proposals, newest first (what GET /odoo/proposals answers)."""
    from odoobridge.gateway import proposals as gp
    from odoobridge.gateway.models import ProposalStatus

    if status not in (*ProposalStatus.ALL, "all"):
        raise ConfigError(f"--status {status!r}: use {', '.join(ProposalStatus.ALL)} or all")
    state: CliState = ctx.obj
    with state.store().session() as session:
        answer = gp.list_proposals(session, status=status, limit=limit, offset=offset)
    if as_json:
        print_json(answer)
        return
    table(
        f"{status} proposals: {answer['count']}",
        ["id", "kind", "status", "case", "proposed by", "created", "summary"],
        [
            [
                p["proposal_id"],
                p["kind"],
                p["status"],
                p["case_id"],
                p["proposed_by"],
                p["created_at"][:19],
                p["summary"],
            ]
            for p in answer["proposals"]
        ],
    )


@odoo_app.command("execute")
def execute_command(
    ctx: typer.Context,
    proposal_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Confirmed: do not ask.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Run a pending proposal, once (what POST /odoo/execute/ID answers)."""
    from odoobridge.auth.audit import Origin
    from odoobridge.gateway import proposals as gp
    from odoobridge.gateway.execute import ExecutionFailed, execute_proposal

    state: CliState = ctx.obj
    store, settings = state.store(), state.settings()
    with store.session() as session:
        proposal = gp.get_proposal(session, proposal_id).as_dict()
    if not yes:
        typer.echo(
            f"{proposal['summary']} (case {proposal['case_id']}, proposed by "
            f"{proposal['proposed_by']})"
        )
        for operation in proposal["operations"]:
            payload = operation["payload"]
            typer.echo(
                f"  {operation['op']}: {payload['model']}.{payload['method']} {payload['values']}"
            )
        if not typer.confirm("Execute it in Odoo?"):
            typer.echo("not executed", err=True)
            raise typer.Exit(1)
    with odoo_client(state) as client:
        try:
            answer = execute_proposal(
                store, client, settings, proposal_id, actor=triggered_by(), origin=Origin.cli()
            )
        except ExecutionFailed as exc:
            if as_json:
                print_json(exc.execution.as_dict())
            else:
                show_results(exc.execution.as_dict())
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None
    if as_json:
        print_json(answer.as_dict())
    else:
        show_results(answer.as_dict())


def show_results(answer: dict[str, Any]) -> None:
    table(
        f"proposal {answer['proposal_id']}: {answer['status']}",
        ["op", "model", "method", "result"],
        [
            [
                r["op"],
                r["model"],
                r["method"],
                r.get("record_id") if r.get("success") else r.get("error"),
            ]
            for r in answer["results"]
        ],
    )


@odoo_app.command("cancel")
def cancel_command(ctx: typer.Context, proposal_id: str, as_json: JsonOption = False) -> None:
    """Cancel a pending proposal (what DELETE /odoo/proposals/ID answers)."""
    from odoobridge.auth.audit import Origin
    from odoobridge.gateway import proposals as gp

    state: CliState = ctx.obj
    with state.store().write_session() as session:
        answer = gp.cancel_proposal(
            session, proposal_id, actor=triggered_by(), may_cancel_any=True, origin=Origin.cli()
        )
    if as_json:
        print_json(answer)
    else:
        typer.echo(f"proposal {proposal_id} cancelled")


def register(app: typer.Typer) -> None:
    app.add_typer(odoo_app, name="odoo")
