"""``odoobridge bi …``: analytics views in Odoo's database, the read-only role, company access,
row-level security and Superset guest tokens.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import Annotated

import typer

from odoobridge.cli.options import EnvOption, JsonOption, resolve_environment, triggered_by
from odoobridge.cli.render import print_json, table
from odoobridge.cli.state import CliState

bi_app = typer.Typer(help="Analytics views, read-only role, RLS, Superset.", no_args_is_help=True)
access_app = typer.Typer(
    help="Who may see which company (user_company_access).", no_args_is_help=True
)
rls_app = typer.Typer(
    help="Native PostgreSQL row-level security per company role.", no_args_is_help=True
)

DsnOption = Annotated[
    str | None,
    typer.Option(
        "--dsn",
        help="Odoo's database as a login that may create a schema (ADMIN_DSN); "
        "default ODOOBRIDGE_BI_ADMIN_DSN.",
        show_default=False,
    ),
]


def _lines(title: str, names: list[str] | dict[str, str]) -> None:
    if not names:
        return
    if isinstance(names, dict):
        for name, why in names.items():
            typer.echo(f"  {title:<10} {name}: {why}")
    else:
        typer.echo(f"  {title:<10} {', '.join(names)}")


@bi_app.command("install")
def install_command(
    ctx: typer.Context,
    dsn: DsnOption = None,
    materialized: Annotated[
        bool | None,
        typer.Option(
            "--materialized/--no-materialized",
            help="Also build (or drop) the mv_… copies. Default: keep as installed.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create or upgrade the analytics schema in Odoo's database (idempotent)."""
    from odoobridge.bi.connection import admin_target, connect
    from odoobridge.bi.install import install

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    with connect(target) as conn:
        report = install(conn, str(target.url.database), materialized=materialized)
    if as_json:
        print_json(report.as_dict())
        return
    verb = "changed" if report.changed else "already up to date"
    typer.echo(f"analytics schema in {target.where}: {verb}")
    _lines("installed", report.installed)
    _lines("upgraded", report.upgraded)
    _lines("unchanged", report.unchanged)
    _lines("removed", report.removed)
    _lines("skipped", report.skipped)
    _lines("regranted", report.regranted)


@bi_app.command("refresh")
def refresh_command(
    ctx: typer.Context,
    dsn: DsnOption = None,
    view: Annotated[
        list[str] | None, typer.Option("--view", help="Only this view (repeatable).")
    ] = None,
    concurrently: Annotated[
        bool, typer.Option("--concurrently/--blocking", help="REFRESH … CONCURRENTLY.")
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Refresh the materialized views (schedule this with cron or a systemd timer)."""
    from odoobridge.bi.connection import admin_target
    from odoobridge.bi.refresh import refresh_run

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    run = refresh_run(
        state.store(),
        state.settings(),
        target,
        names=view,
        concurrently=concurrently,
        triggered_by=triggered_by(),
    )
    if as_json:
        print_json(run.as_dict())
        return
    table(
        f"run {run.id} ({run.status}) — {target.where}",
        ["materialized view", "rows", "seconds", "rls table"],
        [
            [n, v["rows"], v["seconds"], "yes" if v["policy_table"] else ""]
            for n, v in run.stats["views"].items()
        ],
    )


@bi_app.command("status")
def status_command(ctx: typer.Context, dsn: DsnOption = None, as_json: JsonOption = False) -> None:
    """What is installed, against what this version ships."""
    from odoobridge.bi.connection import admin_target, connect
    from odoobridge.bi.status import bi_status

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    with connect(target) as conn:
        status = bi_status(conn, str(target.url.database))
    if as_json:
        print_json(status.as_dict())
        return
    if not status.installed:
        typer.echo(f"{target.where}: not installed — run `odoobridge bi install`")
        raise typer.Exit(1)
    table(
        f"{target.where} — analytics ({'up to date' if status.up_to_date else 'needs install'})",
        ["object", "state", "version", "refreshed", "rows", "note"],
        [
            [o.name, o.state, o.installed_version, o.refreshed_at, o.rows, o.reason]
            for o in status.objects
        ],
    )
    typer.echo(f"read-only roles: {', '.join(status.grants) or 'none (odoobridge bi grant)'}")
    if status.policies_prefix:
        typer.echo(f"native RLS roles: {', '.join(status.company_roles)}")
    if status.access_published_at:
        typer.echo(f"user_company_access published {status.access_published_at}")


@bi_app.command("uninstall")
def uninstall_command(
    ctx: typer.Context,
    dsn: DsnOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Remove everything OdooBridge created in Odoo's database, and nothing else."""
    from odoobridge.bi.connection import admin_target, connect
    from odoobridge.bi.install import uninstall

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    if not yes and not typer.confirm(f"Remove the analytics views from {target.where}?"):
        raise typer.Exit(1)
    with connect(target) as conn:
        report = uninstall(conn, str(target.url.database))
    if as_json:
        print_json(report.as_dict())
        return
    typer.echo(f"{target.where}: removed {len(report.removed)} objects")
    _lines("removed", report.removed)
    _lines("kept", report.kept)


@bi_app.command("grant")
def grant_command(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="The read-only login.")] = "superset_readonly",
    print_sql: Annotated[
        bool, typer.Option("--print", help="Print the SQL for a DBA instead of running it.")
    ] = False,
    database: Annotated[
        str | None, typer.Option(help="With --print: the database (default: from the DSN).")
    ] = None,
    statement_timeout: Annotated[int | None, typer.Option(min=1, help="Seconds.")] = None,
    idle_timeout: Annotated[int | None, typer.Option(min=1, help="Seconds.")] = None,
    dsn: DsnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a login SELECT on the analytics schema only, with timeouts on the role."""
    from odoobridge.bi.connection import admin_target, connect
    from odoobridge.bi.grants import grant_readonly, grant_sql

    state: CliState = ctx.obj
    settings = state.settings()
    timeouts = {
        "statement_timeout": statement_timeout or settings.bi_statement_timeout,
        "idle_timeout": idle_timeout or settings.bi_idle_timeout,
    }
    if print_sql:
        if database is None:
            database = str(admin_target(settings, dsn).url.database)
        typer.echo(grant_sql(role, database, **timeouts), nl=False)
        return
    target = admin_target(settings, dsn)
    with connect(target) as conn:
        report = grant_readonly(
            conn,
            str(target.url.database),
            role,
            password=settings.bi_readonly_password,
            **timeouts,
        )
    if as_json:
        print_json(report.as_dict())
        return
    created = "created and " if report.created_role else ""
    typer.echo(f"{created}granted {role} SELECT on schema analytics in {target.where}")
    typer.echo("  settings   " + ", ".join(f"{k}={v}" for k, v in report.settings.items()))
    if report.revoked_public_create:
        typer.echo("  revoked    CREATE on schema public from PUBLIC")
    if report.created_role and not report.has_password:
        typer.echo(
            f"  password   none yet: ALTER ROLE {role} PASSWORD '…' (or set "
            "ODOOBRIDGE_BI_READONLY_PASSWORD before bi grant)"
        )
    for name in report.reads_outside:
        typer.echo(f"  warn       {role} can also read {name}")
    for name in report.may_create:
        typer.echo(f"  warn       {role} may create objects in {name}")
    if report.read_only:
        typer.echo(f"  ok         {role} reads the analytics schema only and may create nothing")


@rls_app.command("enable")
def rls_enable_command(
    ctx: typer.Context,
    dsn: DsnOption = None,
    prefix: Annotated[
        str | None,
        typer.Option(
            help="Company roles are PREFIX<company id> (default bi_company_).", show_default=False
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Company roles and row-level-secured copies of the materialized views."""
    from odoobridge.bi.connection import admin_target, connect
    from odoobridge.bi.policies import DEFAULT_PREFIX, enable_policies

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    with connect(target) as conn:
        report = enable_policies(conn, prefix or DEFAULT_PREFIX)
    if as_json:
        print_json(report.as_dict())
        return
    typer.echo(f"native row-level security on {len(report.tables)} tables in {target.where}")
    for company_id, role in report.roles.items():
        typer.echo(f"  company {company_id}: role {role} — GRANT {role} TO <login>")


@rls_app.command("disable")
def rls_disable_command(ctx: typer.Context, dsn: DsnOption = None) -> None:
    """Drop the row-level-secured copies and the company roles created for them."""
    from odoobridge.bi.connection import admin_target, connect
    from odoobridge.bi.policies import disable_policies
    from odoobridge.bi.records import load

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    kept: dict[str, str] = {}
    with connect(target) as conn:
        removed = disable_policies(conn, load(conn), kept)
    typer.echo(f"removed {', '.join(removed) or 'nothing'}")
    _lines("kept", kept)


@access_app.command("list")
def access_list_command(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="One user's rows only.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every user's company access."""
    from odoobridge.bi import access as bi_access

    state: CliState = ctx.obj
    with state.store().session() as session:
        rows = [r.as_dict() for r in bi_access.list_access(session, user)]
    if as_json:
        print_json(rows)
        return
    table(
        "user_company_access",
        ["user", "company", "level", "source", "updated", "by"],
        [
            [
                r["user_email"],
                r["company_id"],
                r["access_level"],
                r["source"],
                r["updated_at"],
                r["updated_by"],
            ]
            for r in rows
        ],
    )


@access_app.command("set")
def access_set_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    company: Annotated[int, typer.Argument(help="Odoo company id.")],
    level: Annotated[str, typer.Argument(help="full, read or none.")],
    dsn: DsnOption = None,
) -> None:
    """Set one user's level for one company (a person's decision: derive keeps it). The company
    must be one of Odoo's (read from res_company in the database of --dsn)."""
    from odoobridge.bi import access as bi_access
    from odoobridge.bi.connection import admin_target, companies, connect

    state: CliState = ctx.obj
    parsed = bi_access.parse_level(level)
    bi_access.normalise_email(email)
    with connect(admin_target(state.settings(), dsn)) as conn:
        known = dict(companies(conn))
    with state.store().session() as session:
        row = bi_access.set_access(
            session, email, company, parsed, by=triggered_by(), odoo_companies=known
        )
        typer.echo(f"{row.user_email}: company {row.company_id} → {row.access_level}")


@access_app.command("remove")
def access_remove_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    company: Annotated[int | None, typer.Option(help="Only this company.")] = None,
) -> None:
    """Remove a user's rows (all, or one company's)."""
    from odoobridge.bi import access as bi_access

    state: CliState = ctx.obj
    with state.store().session() as session:
        count = bi_access.remove_access(session, email, company, by=triggered_by())
    typer.echo(f"removed {count} row{'s' if count != 1 else ''}")


@access_app.command("derive")
def access_derive_command(
    ctx: typer.Context, env: EnvOption = None, as_json: JsonOption = False
) -> None:
    """Derive access from Odoo users' allowed companies (latest sync of the environment)."""
    from odoobridge.bi import access as bi_access

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    with state.store().session() as session:
        result = bi_access.derive_access(session, environment, by=triggered_by())
    if as_json:
        print_json(result.as_dict())
        return
    typer.echo(
        f"derived from Odoo sync run {result.run_id}: {len(result.added)} added, "
        f"{len(result.changed)} changed, {len(result.removed)} removed, "
        f"{len(result.kept_manual)} manual rows kept"
    )
    for login in result.without_email:
        typer.echo(f"  skipped {login}: no e-mail address in Odoo")
    for address in result.refused:
        typer.echo(f"  skipped {address}: holds \\ ' {{ }} # or %, refused for analytics")


@access_app.command("clause")
def access_clause_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's e-mail.")],
    mode: Annotated[str | None, typer.Option(help="inline or lookup.")] = None,
) -> None:
    """Print the row-level-security clause for a user."""
    from odoobridge.bi import access as bi_access
    from odoobridge.bi.rls import user_filter

    state: CliState = ctx.obj
    with state.store().session() as session:
        allowed = user_filter(
            session, bi_access.normalise_email(email), mode or state.settings().bi_rls_mode
        )
    typer.echo(allowed.clause)


@access_app.command("publish")
def access_publish_command(ctx: typer.Context, dsn: DsnOption = None) -> None:
    """Copy user_company_access to analytics.user_company_access (for lookup clauses)."""
    from odoobridge.bi import access as bi_access
    from odoobridge.bi.access_publish import publish
    from odoobridge.bi.connection import admin_target, connect

    state: CliState = ctx.obj
    target = admin_target(state.settings(), dsn)
    with state.store().session() as session:
        rows = bi_access.list_access(session)
    with connect(target) as conn:
        count = publish(conn, rows)
    typer.echo(f"published {count} rows to analytics.user_company_access in {target.where}")


@access_app.command("log")
def access_log_command(
    ctx: typer.Context,
    user: Annotated[str | None, typer.Option(help="One user's tokens only.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: JsonOption = False,
) -> None:
    """The analytics audit log: guest tokens issued, newest first."""
    from odoobridge.bi.tokens import audit_log

    state: CliState = ctx.obj
    with state.store().session() as session:
        rows = [r.as_dict() for r in audit_log(session, email=user, limit=limit)]
    if as_json:
        print_json(rows)
        return
    table(
        "analytics audit log",
        ["issued", "user", "dashboard", "clauses", "via"],
        [
            [
                r["issued_at"],
                r["user_email"],
                r["dashboard_id"],
                " AND ".join(r["rls_clauses"]),
                r["issued_via"],
            ]
            for r in rows
        ],
    )


@bi_app.command("token")
def token_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Option(help="The viewer's e-mail.")],
    dashboard: Annotated[str, typer.Option(help="Superset embedded dashboard id.")],
    as_json: JsonOption = False,
) -> None:
    """Request a Superset guest token for a user (audited like the API's)."""
    from odoobridge.bi.tokens import issue_guest_token, superset_client

    state: CliState = ctx.obj
    settings = state.settings()
    client = superset_client(settings)
    try:
        with state.store().session() as session:
            issued = issue_guest_token(
                session, client, settings, email=user, dashboard=dashboard, via=triggered_by()
            )
    finally:
        client.close()
    if as_json:
        print_json(issued.as_dict())
        return
    typer.echo(issued.token)


def register(app: typer.Typer) -> None:
    bi_app.add_typer(access_app, name="access")
    bi_app.add_typer(rls_app, name="rls")
    app.add_typer(bi_app, name="bi")
