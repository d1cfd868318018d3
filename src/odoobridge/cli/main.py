"""The ``odoobridge`` application: command groups, shared state and the error boundary.

This module imports only Typer and the command modules, which import the heavy parts (SQLAlchemy,
the analysis, FastAPI, msal, openpyxl) inside the commands that use them: ``odoobridge --help``
answers at once (DESIGN.md rule 12; tests/test_imports.py keeps it so).

Errors a user can cause (:class:`odoobridge.errors.AppError`) print one line on stderr and exit
non-zero; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from odoobridge.cli import (
    access,
    admin,
    bi,
    check,
    config,
    db,
    demo,
    directory,
    mcp,
    odoo,
    ops,
    sales,
    serve,
    sync,
)
from odoobridge.cli.state import CliState
from odoobridge.errors import AppError
from odoobridge.redact import redact


class _ErrorBoundary(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except AppError as exc:
            state = ctx.find_object(CliState)
            secrets = state.secrets() if state is not None else []
            typer.echo(f"error: {redact(exc.message, secrets)}", err=True)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    cls=_ErrorBoundary,
    help="OdooBridge: Odoo's security model, Entra ID and access reviews.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    ctx.obj = CliState()
    ctx.call_on_close(ctx.obj.close)


# Groups that several command modules add to.
sync_app = typer.Typer(help="Pull a source into the store.", no_args_is_help=True)
check_app = typer.Typer(help="Check a connection and its permissions.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")
app.add_typer(check_app, name="check")

sync.register(app, sync_app)
directory.register(sync_app, check_app)
check.register(app, check_app)
db.register(app)
config.register(app)
demo.register(app)
serve.register(app)
admin.register(app)
access.register(app)
bi.register(app)
odoo.register(app)
ops.register(app)
sales.register(app, sync_app)
mcp.register(app)


def main() -> None:
    app()
