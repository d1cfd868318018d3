"""The ``odoobridge`` application: command groups, shared state and the error boundary.

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
    odoo,
    ops,
    serve,
    sync,
)
from odoobridge.cli.state import CliState
from odoobridge.errors import AppError


class _ErrorBoundary(TyperGroup):
    def invoke(self, ctx: Any) -> Any:  # typer's vendored click Context
        try:
            return super().invoke(ctx)
        except AppError as exc:
            state = ctx.find_object(CliState)
            secrets = state.secrets() if state is not None else []
            from odoobridge.redact import redact

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


sync.register(app)
db.register(app)
config.register(app)
check.register(app)
demo.register(app)
serve.register(app)
admin.register(app)
directory.register(app)
access.register(app)
bi.register(app)
odoo.register(app)
ops.register(app)


def main() -> None:
    app()
