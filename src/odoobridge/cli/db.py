"""``odoobridge db …``: migrations and retention of the local store.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import Annotated

import typer

from odoobridge.cli.render import print_json
from odoobridge.cli.state import CliState

db_app = typer.Typer(help="The local store.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """Apply pending migrations (the store also does this on start)."""
    from odoobridge.store.migrate import current_revisions

    state: CliState = ctx.obj
    store = state.store()  # opening the store migrates it
    typer.echo(f"store at {', '.join(sorted(current_revisions(store.engine)))} (head)")


@db_app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Show the store's migration revision and the newest one this version knows."""
    from odoobridge.store.engine import make_engine
    from odoobridge.store.migrate import current_revisions, head_revisions

    state: CliState = ctx.obj
    engine = make_engine(state.settings().store_url)
    try:
        current = sorted(current_revisions(engine)) or ["(empty)"]
    finally:
        engine.dispose()
    typer.echo(f"current: {', '.join(current)}; head: {', '.join(sorted(head_revisions()))}")


@db_app.command("prune")
def prune_command(
    ctx: typer.Context,
    keep_days: Annotated[
        int | None, typer.Option(min=1, help="Default: ODOOBRIDGE_RETENTION_DAYS.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Drop sync history older than the retention period (the latest run of each source stays)."""
    from odoobridge.store.retention import prune

    state: CliState = ctx.obj
    days = keep_days or state.settings().retention_days
    if days is None:
        raise typer.BadParameter("give --keep-days or set ODOOBRIDGE_RETENTION_DAYS")
    with state.store().session() as session:
        result = prune(session, keep_days=days)
    if as_json:
        print_json(result)
    else:
        typer.echo(f"removed {result['runs']} runs and {result['facts']} fact rows")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
