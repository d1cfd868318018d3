"""Options and helpers every command group shares: ``--env``, ``--json``, which environment a
command means, and how the audit log names whoever ran it."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from odoobridge.environment import Environment

if TYPE_CHECKING:
    from odoobridge.cli.state import CliState

EnvOption = Annotated[
    str | None,
    typer.Option("--env", "-e", help="preprod or prod (default: ODOO_ENVIRONMENT)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def triggered_by() -> str:
    """``cli:<user>``: how runs and the audit log name a command's caller."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def resolve_environment(state: CliState, env: str | None) -> Environment:
    return Environment.parse(env) if env else state.settings().odoo_environment
