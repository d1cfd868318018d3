"""``odoobridge check odoo`` and ``odoobridge setup-sql``.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import Annotated

import typer

from odoobridge.cli.options import EnvOption, JsonOption, resolve_environment
from odoobridge.cli.render import print_json
from odoobridge.cli.state import CliState
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError


def check_odoo_command(
    ctx: typer.Context, env: EnvOption = None, as_json: JsonOption = False
) -> None:
    """Connect to Odoo (its database, or its API for Odoo Online / Odoo.sh), detect its version
    and check every grant or right the sync needs."""
    from odoobridge.access.source_choice import source_kind
    from odoobridge.access.sync import odoo_target
    from odoobridge.sources.odoo_diagnose import diagnose

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    if source_kind(state.settings(), environment) == "api":
        check_odoo_api(state, environment, as_json)
        return
    report = diagnose(odoo_target(state.settings(), environment))
    if as_json:
        print_json(report.as_dict())
    else:
        info = report.info
        typer.echo(f"{environment.label}: {report.database} as {report.role}")
        typer.echo(
            f"  ok   connected to PostgreSQL {report.server_version}; Odoo "
            f"{info.odoo_version or 'version unknown'}, read with the {info.adapter} adapter"
        )
        mark = "ok  " if report.read_only else "FAIL"
        typer.echo(f"  {mark} read-only session")
        for status in report.grants.statuses:
            if status.ok:
                typer.echo(f"  ok   {status.need.table} ({status.need.why})")
            elif not status.exists:
                kind = "skip" if status.need.optional else "FAIL"
                typer.echo(f"  {kind} {status.need.table}: no such table")
            elif status.missing_columns:
                typer.echo(
                    f"  FAIL {status.need.table}: no column {', '.join(status.missing_columns)}"
                )
            else:
                kind = "warn" if status.need.optional else "FAIL"
                typer.echo(
                    f"  {kind} {status.need.table}: missing grant — run: {status.fix(report.role)}"
                )
        for warning in report.warnings():
            typer.echo(f"  warn {warning}")
    if not report.ok:
        raise typer.Exit(1)


def check_odoo_api(state: CliState, environment: Environment, as_json: bool) -> None:
    """``check odoo`` for an API source: sign-in, version, each model's read, warnings."""
    from odoobridge.access.source_choice import api_target
    from odoobridge.sources.odoo_api_check import diagnose_api

    report = diagnose_api(api_target(state.settings(), environment))
    if as_json:
        print_json(report.as_dict())
    else:
        typer.echo(f"{environment.label}: {report.where} as {report.user!r} (uid {report.uid})")
        version = report.server_version or "version unknown"
        typer.echo(
            f"  ok   signed in over {report.protocol}; Odoo {version}, read with the "
            f"{report.adapter} adapter"
        )
        for check in report.checks:
            what = f"{check.model} ({check.why})" if check.why else check.model
            if check.ok:
                typer.echo(f"  ok   {what}")
            elif not check.exists:
                typer.echo(f"  {'skip' if check.optional else 'FAIL'} {what}: {check.problem}")
            elif check.fix:
                typer.echo(
                    f"  {'warn' if check.optional else 'FAIL'} {what}: the user may not read "
                    f"it — give it {check.fix}"
                )
            else:
                typer.echo(f"  {'warn' if check.optional else 'FAIL'} {what}: {check.problem}")
        for warning in report.warnings:
            typer.echo(f"  warn {warning}")
    if not report.ok:
        raise typer.Exit(1)


def setup_sql_command(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="The login to create.")] = "odoo_security_reader",
    database: Annotated[
        str | None, typer.Option(help="Odoo's database (default: from the environment's DSN).")
    ] = None,
    odoo_version: Annotated[
        int | None,
        typer.Option(
            min=8,
            max=30,
            help="Odoo's major version (default: one script that fits Odoo 16 to 19).",
        ),
    ] = None,
    env: EnvOption = None,
) -> None:
    """Print the SQL that creates OdooBridge's read-only login (for a DBA to run in psql)."""
    from sqlalchemy.engine import make_url

    from odoobridge.sources.odoo_setup_sql import reader_setup_sql

    state: CliState = ctx.obj
    if database is None:
        environment = resolve_environment(state, env)
        dsn = state.settings().odoo_dsn(environment)
        database = make_url(dsn.get_secret_value()).database if dsn else None
        if not database:
            raise ConfigError("give --database NAME (no DSN is configured to take it from)")
    lang = state.settings().odoo_lang
    typer.echo(reader_setup_sql(role, database, lang=lang, odoo_version=odoo_version), nl=False)


def register(app: typer.Typer, check_app: typer.Typer) -> None:
    check_app.command("odoo")(check_odoo_command)
    app.command("setup-sql")(setup_sql_command)
