"""``odoobridge demo``: the embedded default — bundled demo data synced into the local store.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from odoobridge.auth.roles import Role
from odoobridge.cli.options import EnvOption, resolve_environment, triggered_by
from odoobridge.cli.render import progress_bar
from odoobridge.cli.serve import run_server
from odoobridge.cli.state import CliState
from odoobridge.cli.sync import status_command
from odoobridge.demo.sizes import ScaleSizes
from odoobridge.environment import Environment

DEMO_ADMIN = "admin@odoobridge.demo"

demo_app = typer.Typer(help="Demo data and generated scale data.", invoke_without_command=True)


@demo_app.callback()
def demo_command(
    ctx: typer.Context,
    serve: Annotated[bool, typer.Option(help="Serve the web app afterwards.")] = True,
    port: Annotated[int | None, typer.Option(min=1, max=65535)] = None,
) -> None:
    """Sync the bundled demo data (the real Odoo 18.0 demo database as Pre-Production, a drifted
    copy as Production, matching Entra ID users), compare them, and serve the web app."""
    from odoobridge.access.comparisons import run_compare
    from odoobridge.access.findings.base import SEVERITIES
    from odoobridge.access.findings.reports import reviewed_findings
    from odoobridge.access.sync import sync_odoo
    from odoobridge.auth.accounts import count_accounts, create_local_account
    from odoobridge.auth.audit import Origin
    from odoobridge.demo import ENTRA_USERS, ODOO_PREPROD
    from odoobridge.demo.variants import production_variant
    from odoobridge.directory.reading import MockSource
    from odoobridge.directory.sync import sync_azure
    from odoobridge.sources.odoo_mock import OdooMockReader

    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    store, settings = state.store(), state.settings()
    sources = (
        (Environment.PREPROD, OdooMockReader(ODOO_PREPROD)),
        (Environment.PROD, OdooMockReader(document=production_variant(ODOO_PREPROD))),
    )
    for environment, source in sources:
        with progress_bar(True) as listeners:
            run = sync_odoo(
                store,
                settings,
                environment,
                triggered_by=triggered_by(),
                listeners=listeners,
                source=source,
            )
        typer.echo(f"synced the demo data into {environment.label}: run {run.id}")
    with progress_bar(True) as listeners:
        entra = sync_azure(
            store,
            settings,
            triggered_by=triggered_by(),
            listeners=listeners,
            source=MockSource(ENTRA_USERS),  # the AZURE_USER_SYNC_MOCK_FILE path
        )
    typer.echo(f"synced the bundled Entra ID demo users: run {entra.id}")
    for environment in Environment:  # both environments compared, and their findings
        with store.session() as session:
            result = run_compare(session, settings, environment, actor=triggered_by())
        with store.session() as session:
            _index, found = reviewed_findings(session, settings, environment)
        summary = ", ".join(f"{k} {v}" for k, v in result.summary.items() if v)
        typer.echo(f"{environment.label}: Merge & Compare {result.id}: {summary}")
        by_severity = Counter(r.finding.severity for r in found)
        typer.echo(
            "  findings: "
            + ", ".join(f"{s} {by_severity[s]}" for s in SEVERITIES if by_severity[s])
        )
    status_command(ctx)
    if not serve:
        return
    web_settings = (
        settings if settings.secret_key else settings.model_copy(update={"development": True})
    )
    with store.session() as session:
        if count_accounts(session) == 0:
            password = secrets.token_urlsafe(12)
            create_local_account(
                session,
                email=DEMO_ADMIN,
                name="Demo Administrator",
                password=password,
                role=Role.SUPER_ADMIN,
                by="demo",
                origin=Origin.cli(),
            )
            typer.echo(f"sign in as {DEMO_ADMIN} with the password {password} (shown once)")
    host = web_settings.host
    typer.echo(f"serving on http://{host}:{port or web_settings.port} — Ctrl-C stops it")
    run_server(state, web_settings, port=port)


@demo_app.command("export")
def export_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="The mock file to write.")],
    env: EnvOption = None,
) -> None:
    """Capture the environment's live Odoo security model as a mock file."""
    from odoobridge.access.sync import open_source
    from odoobridge.demo.export import write_mock_file

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    settings = state.settings().model_copy(update={"allow_sync_mocks": False})
    counts = write_mock_file(open_source(settings, environment), output)
    typer.echo(f"wrote {output}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@demo_app.command("inflate")
def inflate_command(
    dsn: Annotated[str, typer.Option(help="A login that may write to the Odoo database copy.")],
    users: Annotated[int, typer.Option(min=1)] = ScaleSizes.users,
    groups: Annotated[int, typer.Option(min=4)] = ScaleSizes.groups,
    groups_per_user: Annotated[int, typer.Option(min=1)] = ScaleSizes.groups_per_user,
    acls: Annotated[int, typer.Option(min=1)] = ScaleSizes.acls,
    rules: Annotated[int, typer.Option(min=1)] = ScaleSizes.rules,
) -> None:
    """Inflate a COPY of an Odoo database with generated users, groups and rights (for scale)."""
    from odoobridge.demo.scale import inflate

    sizes = ScaleSizes(users, groups, min(groups_per_user, groups), acls, rules)
    counts = inflate(dsn, sizes)
    typer.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
