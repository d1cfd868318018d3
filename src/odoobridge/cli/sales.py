"""``odoobridge sales …``: the sales data as one person sees it — opportunities, accounts,
invoices, the dashboard's KPIs, targets. The command line has no signed-in person, so each of
these takes ``--as EMAIL`` (whoever runs the CLI holds the store: a super admin's power; every
use is audited). With ``--json`` each prints exactly what its route answers.

Domain modules are imported inside the commands (DESIGN.md rule 12)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from odoobridge.cli import sales_admin
from odoobridge.cli.options import JsonOption, triggered_by
from odoobridge.cli.render import print_json, table
from odoobridge.cli.state import CliState
from odoobridge.errors import ConfigError, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from odoobridge.sales.visibility import Visibility

sales_app = typer.Typer(
    help="Sales data, each person seeing what Odoo lets them.", no_args_is_help=True
)

AsOption = Annotated[
    str, typer.Option("--as", help="Whose view: a person's account e-mail (audited).")
]
LimitOption = Annotated[int, typer.Option(min=1, max=500)]
OffsetOption = Annotated[int, typer.Option(min=0)]
DayOption = Annotated[str | None, typer.Option(help="YYYY-MM-DD.")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Read the CRM as a past sync left it (ISO time).")
]


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--{option} {text!r} is not a day: use YYYY-MM-DD") from None


def _moment(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--as-of {text!r} is not a time: use 2026-11-30T18:00:00Z") from None


@contextmanager
def view_of(
    ctx: typer.Context, email: str, as_of: str | None = None
) -> Iterator[tuple[Session, Visibility]]:
    """A session and ``email``'s view; the look is audited."""
    from odoobridge.auth.accounts import account_by_email
    from odoobridge.auth.audit import Origin, record
    from odoobridge.sales.visibility import visibility_for

    state: CliState = ctx.obj
    with state.store().session() as session:
        account = account_by_email(session, email)
        if account is None:
            raise NotFound(f"there is no account {email.strip()}: `odoobridge sales links`")
        record(
            session,
            actor=triggered_by(),
            action="sales_view_as",
            target=account.email,
            detail={"command": ctx.command_path},
            origin=Origin.cli(),
        )
        when = _moment(as_of)
        yield session, visibility_for(session, state.settings(), account, as_of=when)


def _explain(vis: Visibility) -> None:
    if not vis.visible:
        typer.echo(f"{vis.email} sees no sales records: {vis.reason}", err=True)


def _name(ref: dict[str, Any] | None) -> str:
    return str(ref["name"]) if ref else ""


@sales_app.command("opportunities")
def opportunities_command(
    ctx: typer.Context,
    as_email: AsOption,
    search: Annotated[str | None, typer.Option(help="Part of the name, contact or e-mail.")] = None,
    stage: Annotated[int | None, typer.Option(help="A stage id.")] = None,
    team: Annotated[int | None, typer.Option(help="A sales team id.")] = None,
    salesperson: Annotated[int | None, typer.Option(help="An Odoo user id.")] = None,
    kind: Annotated[str | None, typer.Option("--type", help="lead or opportunity.")] = None,
    status: Annotated[str, typer.Option(help="open, won, lost, archived or all.")] = "all",
    date_field: Annotated[str, typer.Option(help="create_date, date_deadline, date_closed.")] = (
        "create_date"
    ),
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD.")] = None,
    sort: str = "-write_date",
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leads and opportunities the person sees."""
    from odoobridge.sales.opportunities import LeadFilters, list_opportunities
    from odoobridge.sales.serving import Paging

    filters = LeadFilters(
        search=search,
        stage_id=stage,
        team_id=team,
        user_id=salesperson,
        type=kind,
        status=status,
        date_field=date_field,
        date_from=_day(start, "from"),
        date_to=_day(end, "to"),
        sort=sort,
    )
    with view_of(ctx, as_email, as_of) as (session, vis):
        page = list_opportunities(session, vis, filters, Paging(limit, offset))
    if as_json:
        print_json({**page, "visibility": vis.as_dict()})
        return
    _explain(vis)
    table(
        f"Opportunities of {vis.email} ({len(page['items'])} of {page['total']})",
        ["id", "name", "stage", "status", "expected", "prob.", "salesperson", "customer", "close"],
        [
            [
                o["id"],
                o["name"],
                _name(o["stage"]),
                o["status"],
                o["expected_revenue"],
                o["probability"],
                _name(o["salesperson"]),
                _name(o["partner"]),
                o["date_deadline"],
            ]
            for o in page["items"]
        ],
    )


@sales_app.command("opportunity")
def opportunity_command(
    ctx: typer.Context,
    lead_id: Annotated[int, typer.Argument(help="The opportunity's Odoo id.")],
    as_email: AsOption,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """One opportunity with its stage history and activities."""
    from odoobridge.sales.opportunities import get_opportunity

    with view_of(ctx, as_email, as_of) as (session, vis):
        if not vis.visible:
            raise NotFound(f"{vis.email} sees no sales records: {vis.reason}")
        shown = get_opportunity(session, vis, lead_id)
    if as_json:
        print_json(shown)
        return
    typer.echo(
        f"{shown['name']} — {_name(shown['stage'])} ({shown['status']}), "
        f"{shown['expected_revenue']:g} at {shown['probability']:g}%"
    )
    for step in shown["stage_history"]:
        typer.echo(f"  since {step['since']}: {step['stage']['name']}")
    for activity in shown["activities"]:
        typer.echo(f"  {activity['date_deadline']} {activity['state']}: {activity['summary']}")


@sales_app.command("accounts")
def accounts_command(
    ctx: typer.Context,
    as_email: AsOption,
    search: Annotated[str | None, typer.Option(help="Part of the name, e-mail or city.")] = None,
    salesperson: Annotated[int | None, typer.Option(help="An Odoo user id.")] = None,
    sort: str = "name",
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Accounts (commercial partners) the person sees, with pipeline and invoicing."""
    from odoobridge.sales.customers import AccountFilters, list_accounts
    from odoobridge.sales.serving import Paging

    filters = AccountFilters(search=search, user_id=salesperson, sort=sort)
    with view_of(ctx, as_email) as (session, vis):
        page = list_accounts(session, vis, filters, Paging(limit, offset))
    if as_json:
        print_json({**page, "visibility": vis.as_dict()})
        return
    _explain(vis)
    table(
        f"Accounts of {vis.email} ({len(page['items'])} of {page['total']})",
        ["id", "name", "city", "salesperson", "open opps", "pipeline", "invoiced", "receivable"],
        [
            [
                a["id"],
                a["name"],
                a["city"],
                _name(a["salesperson"]),
                a["open_opportunities"],
                a["open_pipeline"],
                a["invoiced_net"],
                a["receivable"],
            ]
            for a in page["items"]
        ],
    )


@sales_app.command("account")
def account_command(
    ctx: typer.Context,
    partner_id: Annotated[int, typer.Argument(help="The account's Odoo partner id.")],
    as_email: AsOption,
    as_json: JsonOption = False,
) -> None:
    """One account: contacts, opportunities, invoices, orders, activities and totals."""
    from odoobridge.sales.customers import get_account

    with view_of(ctx, as_email) as (session, vis):
        if not vis.visible:
            raise NotFound(f"{vis.email} sees no sales records: {vis.reason}")
        shown = get_account(session, vis, partner_id)
    if as_json:
        print_json(shown)
        return
    totals = shown["totals"]
    typer.echo(
        f"{shown['name']}: {len(shown['contacts'])} contacts, "
        f"{len(shown['opportunities'])} opportunities, {len(shown['invoices'])} invoices; "
        f"pipeline {totals['open_pipeline']:g}, invoiced {totals['invoiced_net']:g}, "
        f"receivable {totals['receivable']:g}"
    )


@sales_app.command("invoices")
def invoices_command(
    ctx: typer.Context,
    as_email: AsOption,
    search: Annotated[str | None, typer.Option(help="Part of the number.")] = None,
    move_type: Annotated[str | None, typer.Option(help="out_invoice or out_refund.")] = None,
    payment_state: Annotated[str | None, typer.Option(help="not_paid, paid …")] = None,
    partner: Annotated[int | None, typer.Option(help="An account's partner id.")] = None,
    salesperson: Annotated[int | None, typer.Option(help="An Odoo user id.")] = None,
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD.")] = None,
    sort: str = "-invoice_date",
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Posted customer invoices and credit notes the person sees."""
    from odoobridge.sales.invoices import InvoiceFilters, list_invoices
    from odoobridge.sales.serving import Paging

    filters = InvoiceFilters(
        search=search,
        move_type=move_type,
        payment_state=payment_state,
        partner_id=partner,
        user_id=salesperson,
        date_from=_day(start, "from"),
        date_to=_day(end, "to"),
        sort=sort,
    )
    with view_of(ctx, as_email) as (session, vis):
        page = list_invoices(session, vis, filters, Paging(limit, offset))
    if as_json:
        print_json({**page, "visibility": vis.as_dict()})
        return
    _explain(vis)
    table(
        f"Invoices of {vis.email} ({len(page['items'])} of {page['total']})",
        ["id", "number", "type", "customer", "date", "due", "total", "residual", "payment"],
        [
            [
                i["id"],
                i["name"],
                i["move_type"],
                _name(i["partner"]),
                i["invoice_date"],
                i["invoice_date_due"],
                i["amount_total_signed"],
                i["amount_residual_signed"],
                i["payment_state"],
            ]
            for i in page["items"]
        ],
    )


@sales_app.command("dashboard")
def dashboard_command(
    ctx: typer.Context,
    as_email: AsOption,
    start: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD (default 1 Jan).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD (default today).")] = None,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """The KPIs the person sees (what GET /api/dashboard/real answers)."""
    from odoobridge.sales.dashboard import dashboard

    with view_of(ctx, as_email, as_of) as (session, vis):
        figures = dashboard(session, vis, _day(start, "from"), _day(end, "to"))
    if as_json:
        print_json({**figures, "visibility": vis.as_dict()})
        return
    _explain(vis)
    rows = [[key, value] for key, value in figures.items() if key not in ("forecast",)]
    rows += [
        [f"forecast {f['month']}", f"{f['count']} · {f['value']:g} · {f['weighted']:g}"]
        for f in figures["forecast"]
    ]
    table(f"Dashboard of {vis.email}", ["KPI", "value"], rows)


@sales_app.command("targets")
def targets_command(
    ctx: typer.Context,
    as_email: AsOption,
    on: DayOption = None,
    as_json: JsonOption = False,
) -> None:
    """Targets with their progress, as the person sees it."""
    from odoobridge.sales.targets import list_targets

    with view_of(ctx, as_email) as (session, vis):
        shown = list_targets(session, vis, on=_day(on, "on"))
    if as_json:
        print_json({"items": shown, "visibility": vis.as_dict()})
        return
    _explain(vis)
    table(
        f"Targets ({len(shown)})",
        ["id", "scope", "who", "from", "to", "amount", "won", "progress"],
        [
            [
                t["id"],
                t["scope"],
                t["name"] or t["odoo_id"],
                t["period_start"],
                t["period_end"],
                t["amount"],
                t["won"],
                f"{t['progress']:.0%}",
            ]
            for t in shown
        ],
    )


def register(app: typer.Typer, sync_app: typer.Typer) -> None:
    app.add_typer(sales_app, name="sales")
    sales_admin.register(sync_app, sales_app)
