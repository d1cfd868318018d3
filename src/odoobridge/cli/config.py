"""``odoobridge config show``: every setting, secrets redacted.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import Annotated

import typer

from odoobridge.cli.render import print_json, table
from odoobridge.cli.state import CliState

config_app = typer.Typer(help="Settings.", no_args_is_help=True)


@config_app.command("show")
def show_command(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Show every setting by its environment variable name (passwords redacted)."""
    state: CliState = ctx.obj
    view = state.settings().public_view()
    if as_json:
        print_json(view)
    else:
        table(
            "Settings",
            ["variable", "value"],
            [[k, v if v is not None else "-"] for k, v in view.items()],
        )


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
