"""``odoobridge sync crm``, and the administration of the sales data: links between accounts and
Odoo users (``sales link``, ``sales unlink``, ``sales links``), the rules that cannot be
evaluated (``sales rules --check``), targets (``sales target set/delete``) and each
integration's state (``sales status``). Changes are audited as ``cli:<your login>``.

Domain modules are imported inside the commands (DESIGN.md rule 12)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from odoobridge.cli.options import JsonOption, triggered_by
from odoobridge.cli.render import print_json, progress_bar, table
from odoobridge.cli.state import CliState
from odoobridge.errors import ConfigError

EmailArgument = Annotated[str, typer.Argument(help="The person's account e-mail.")]


def sync_crm_command(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Read every record again.")] = False,
    only: Annotated[
        str | None, typer.Option("--only", help="users or departments (default: everything).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Read Odoo's CRM through its API (ODOO_URL …) into the sales tables."""
    from odoobridge.sales.crm_sync import sync_crm

    state: CliState = ctx.obj
    with progress_bar(not as_json) as listeners:
        run = sync_crm(
            state.store(),
            state.settings(),
            full=full,
            only=only,
            triggered_by=triggered_by(),
            listeners=listeners,
        )
    if as_json:
        print_json(run.as_dict())
        return
    table(
        f"Odoo CRM ({run.environment}) — run {run.id} ({run.status})",
        ["entity", "mode", "count", "read", "added", "changed", "removed"],
        [
            [name, v["mode"], v["count"], v["read"], v["added"], v["changed"], v["removed"]]
            for name, v in run.stats.items()
            if isinstance(v, dict) and "mode" in v
        ],
    )
    for entity, reason in {**run.stats["absent"], **run.stats["skipped"]}.items():
        typer.echo(f"skipped {entity}: {reason}", err=True)


def link_command(
    ctx: typer.Context,
    email: EmailArgument,
    odoo_user: Annotated[
        int | None, typer.Option("--odoo-user", min=1, help="The Odoo user's id.")
    ] = None,
    auto: Annotated[bool, typer.Option("--auto", help="Match by e-mail again.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Link an account to an Odoo user by hand (or hand it back to matching with --auto)."""
    from odoobridge.auth.audit import Origin
    from odoobridge.sales.linking import reset_link, set_link

    if (odoo_user is None) == (not auto):
        raise ConfigError("give --odoo-user ID, or --auto to match by e-mail again")
    state: CliState = ctx.obj
    environment = state.settings().sales_environment.value
    with state.store().session() as session:
        if auto:
            link = reset_link(session, email, environment, by=triggered_by(), origin=Origin.cli())
        else:
            assert odoo_user is not None
            link = set_link(
                session, email, odoo_user, environment, by=triggered_by(), origin=Origin.cli()
            )
        shown = link.as_dict()
    if as_json:
        print_json(shown)
        return
    who = f"Odoo user {shown['odoo_user_id']} ({shown['salesperson_name']})"
    typer.echo(f"{email}: {shown['status']}" + (f" — {who}" if shown["odoo_user_id"] else ""))


def unlink_command(ctx: typer.Context, email: EmailArgument) -> None:
    """Remove an account's link to Odoo: it sees no sales records until linked again."""
    from odoobridge.auth.audit import Origin
    from odoobridge.sales.linking import remove_link

    state: CliState = ctx.obj
    environment = state.settings().sales_environment.value
    with state.store().session() as session:
        remove_link(session, email, environment, by=triggered_by(), origin=Origin.cli())
    typer.echo(f"{email}: unlinked")


def links_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every account with its Odoo user (and the Odoo users its e-mail matches)."""
    from odoobridge.sales.linking import list_links

    state: CliState = ctx.obj
    with state.store().session() as session:
        shown = list_links(session, state.settings().sales_environment.value)
    if as_json:
        print_json(shown)
        return
    table(
        f"Accounts and their Odoo users ({len(shown)})",
        ["email", "account", "link", "odoo user", "salesperson", "team", "department", "matches"],
        [
            [
                e["email"],
                e["account_status"],
                (e["link"] or {}).get("status", "not checked"),
                (e["link"] or {}).get("odoo_user_id"),
                (e["link"] or {}).get("salesperson_name"),
                (e["link"] or {}).get("team_name"),
                (e["link"] or {}).get("department_name"),
                ", ".join(f"{c['odoo_user_id']} {c['login']}" for c in e["candidates"]),
            ]
            for e in shown
        ],
    )


def rules_command(
    ctx: typer.Context,
    check: Annotated[bool, typer.Option("--check", help="List the rules that deny.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Record rules of the sales models that cannot be evaluated: they deny (fail closed)."""
    from odoobridge.sales.health import rules_check

    if not check:
        raise ConfigError("say what to do: `odoobridge sales rules --check`")
    state: CliState = ctx.obj
    with state.store().session() as session:
        answer = rules_check(session, state.settings())
    if as_json:
        print_json(answer)
        return
    if answer["reason"]:
        raise ConfigError(answer["reason"])
    if not answer["rules"]:
        typer.echo(
            f"every record rule of the sales models can be evaluated "
            f"(security run {answer['security_run_id']})"
        )
        return
    table(
        f"Rules that deny (security run {answer['security_run_id']})",
        ["model", "rule", "name", "global", "why"],
        [
            [r["model"], r["rule_id"], r["name"], r["is_global"], r["reason"]]
            for r in answer["rules"]
        ],
    )


def target_set_command(
    ctx: typer.Context,
    scope: Annotated[str, typer.Option(help="salesperson or team.")],
    odoo_id: Annotated[int, typer.Option("--id", min=1, help="The Odoo user or team id.")],
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")],
    amount: Annotated[float, typer.Option(help="The revenue to win.")],
) -> None:
    """Set a target (or change the amount of the one with the same scope, id and period)."""
    from odoobridge.auth.audit import Origin
    from odoobridge.sales.targets import TargetSpec, set_target

    state: CliState = ctx.obj
    spec = TargetSpec(scope, odoo_id, _day(start, "--from"), _day(end, "--to"), amount)
    with state.store().session() as session:
        target = set_target(
            session,
            spec,
            state.settings().sales_environment.value,
            by=triggered_by(),
            origin=Origin.cli(),
        )
        typer.echo(f"target {target.id}: {scope} {odoo_id} {start}…{end} {amount:g}")


def target_delete_command(
    ctx: typer.Context, target_id: Annotated[int, typer.Argument(help="The target's id.")]
) -> None:
    """Delete a target."""
    from odoobridge.auth.audit import Origin
    from odoobridge.sales.targets import delete_target

    state: CliState = ctx.obj
    with state.store().session() as session:
        delete_target(session, target_id, by=triggered_by(), origin=Origin.cli())
    typer.echo(f"target {target_id} deleted")


def status_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Each integration's state (connected, syncing, warning, needs_refresh, error …)."""
    from odoobridge.sales.health import integration_statuses

    state: CliState = ctx.obj
    with state.store().session() as session:
        statuses = integration_statuses(session, state.settings())
    if as_json:
        print_json(statuses)
        return
    table(
        "Integrations",
        ["source", "environment", "status", "last success", "what to set"],
        [
            [
                s["label"],
                s["environment"],
                s["status"],
                (s["last_success"] or {}).get("completed_at"),
                s["setting"] if s["status"] == "not_configured" else "",
            ]
            for s in statuses
        ],
    )


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a day: use YYYY-MM-DD") from None


def register(sync_app: typer.Typer, sales_app: typer.Typer) -> None:
    sync_app.command("crm")(sync_crm_command)
    sales_app.command("link")(link_command)
    sales_app.command("unlink")(unlink_command)
    sales_app.command("links")(links_command)
    sales_app.command("rules")(rules_command)
    sales_app.command("status")(status_command)
    target_app = typer.Typer(help="Revenue targets (set by admins).", no_args_is_help=True)
    target_app.command("set")(target_set_command)
    target_app.command("delete")(target_delete_command)
    sales_app.add_typer(target_app, name="target")
