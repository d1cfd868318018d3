"""``odoobridge admin create`` (the first super admin) and ``odoobridge apikey …``.

The auth domain (SQLAlchemy models, argon2) is imported inside each command, so ``odoobridge
--help`` does not pay for it (DESIGN.md rule 12)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from odoobridge.auth.roles import Role
from odoobridge.cli.options import triggered_by
from odoobridge.cli.render import print_json, table
from odoobridge.cli.state import CliState

admin_app = typer.Typer(help="People who may sign in.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for scripts (X-API-Key).", no_args_is_help=True)

RoleOption = Annotated[str, typer.Option("--role", help="super_admin, admin, auditor or viewer.")]


@admin_app.command("create")
def create_command(
    ctx: typer.Context,
    email: Annotated[str, typer.Option(prompt=True, help="The person's email (their login).")],
    name: Annotated[str, typer.Option(prompt=True, help="The person's name.")],
    role: RoleOption = Role.SUPER_ADMIN.value,
) -> None:
    """Make a local account (by default the first super admin); the password is prompted."""
    from odoobridge.auth import accounts
    from odoobridge.auth.audit import Origin

    state: CliState = ctx.obj
    chosen = Role.parse(role)
    password = typer.prompt("Password (12+ characters)", hide_input=True, confirmation_prompt=True)
    by = triggered_by()
    with state.store().session() as session:
        account = accounts.create_local_account(
            session,
            email=email,
            name=name,
            password=password,
            role=chosen,
            by=by,
            origin=Origin.cli(),
        )
    typer.echo(f"made {account.role} {account.email}: sign in at /login")


@apikey_app.command("create")
def apikey_create_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What uses the key, e.g. 'nightly export'.")],
    role: RoleOption = Role.VIEWER.value,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="An extra capability, e.g. gateway:read.")
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, max=3650, help="Default: never expires.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Make an API key; it is printed once (only its hash is kept)."""
    from odoobridge.auth import apikeys
    from odoobridge.auth.audit import Origin
    from odoobridge.store.base import utcnow

    state: CliState = ctx.obj
    chosen = Role.parse(role)
    by = triggered_by()
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    with state.store().session() as session:
        key, raw = apikeys.create_api_key(
            session,
            name=name,
            role=chosen,
            scopes=scope or [],
            expires_at=expires,
            by=by,
            by_role=Role.SUPER_ADMIN,
            origin=Origin.cli(),
        )
        shown = key.as_dict()
    if as_json:
        print_json({**shown, "key": raw})
        return
    typer.echo(f"API key {shown['prefix']} ({shown['role']}) for {shown['name']}:")
    typer.echo(raw)
    typer.echo("store it now: it is not shown again", err=True)


@apikey_app.command("list")
def apikey_list_command(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Every API key (never the keys themselves)."""
    from odoobridge.auth import apikeys

    state: CliState = ctx.obj
    with state.store().session() as session:
        keys = [k.as_dict() for k in apikeys.list_api_keys(session)]
    if as_json:
        print_json(keys)
        return
    table(
        f"API keys ({len(keys)})",
        ["id", "prefix", "name", "role", "scopes", "state", "expires", "last used", "by"],
        [
            [
                k["id"],
                k["prefix"],
                k["name"],
                k["role"],
                ", ".join(k["scopes"]),
                k["state"],
                k["expires_at"] or "never",
                k["last_used_at"] or "never",
                k["created_by"],
            ]
            for k in keys
        ],
    )


@apikey_app.command("revoke")
def apikey_revoke_command(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The key's id or prefix (obk_…).")],
) -> None:
    """Revoke an API key: it stops working at once."""
    from odoobridge.auth import apikeys
    from odoobridge.auth.audit import Origin

    state: CliState = ctx.obj
    by = triggered_by()
    with state.store().session() as session:
        found = apikeys.revoke_api_key(
            session,
            apikeys.find_api_key(session, key),
            by=by,
            by_role=Role.SUPER_ADMIN,
            origin=Origin.cli(),
        )
        prefix = found.prefix
    typer.echo(f"revoked {prefix}")


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")
    app.add_typer(apikey_app, name="apikey")
