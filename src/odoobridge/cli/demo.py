"""``odoobridge demo``: the embedded default — bundled demo data synced into the local store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from odoobridge.access.sync import open_source, sync_odoo
from odoobridge.cli.render import progress_bar
from odoobridge.cli.state import CliState
from odoobridge.cli.sync import EnvOption, resolve_environment, status_command, triggered_by
from odoobridge.demo import ENTRA_USERS, ODOO_PREPROD
from odoobridge.demo.export import write_mock_file
from odoobridge.demo.scale import ScaleSizes, inflate
from odoobridge.directory.reading import MockSource
from odoobridge.directory.sync import sync_azure
from odoobridge.settings import Environment
from odoobridge.sources.odoo_mock import OdooMockReader

demo_app = typer.Typer(help="Demo data and generated scale data.", invoke_without_command=True)


@demo_app.callback()
def demo_command(ctx: typer.Context) -> None:
    """Sync the bundled demo data (the real Odoo 18.0 demo database and matching Entra ID users)
    and show what it holds."""
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    with progress_bar(True) as listeners:
        run = sync_odoo(
            state.store(),
            state.settings(),
            Environment.PREPROD,
            triggered_by=triggered_by(),
            listeners=listeners,
            source=OdooMockReader(ODOO_PREPROD),
        )
    typer.echo(f"synced the bundled demo data into {Environment.PREPROD.label}: run {run.id}")
    with progress_bar(True) as listeners:
        entra = sync_azure(
            state.store(),
            state.settings(),
            triggered_by=triggered_by(),
            listeners=listeners,
            source=MockSource(ENTRA_USERS),  # the AZURE_USER_SYNC_MOCK_FILE path
        )
    typer.echo(f"synced the bundled Entra ID demo users: run {entra.id}")
    status_command(ctx)


@demo_app.command("export")
def export_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Argument(help="The mock file to write.")],
    env: EnvOption = None,
) -> None:
    """Capture the environment's live Odoo security model as a mock file."""
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
    sizes = ScaleSizes(users, groups, min(groups_per_user, groups), acls, rules)
    counts = inflate(dsn, sizes)
    typer.echo(", ".join(f"{k} {v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    app.add_typer(demo_app, name="demo")
