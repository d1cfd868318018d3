"""``odoobridge backup | restore | store migrate | alerts …``: operating the store.

Only Typer is imported here; each command imports what it needs when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from odoobridge.cli.state import CliState

JsonOption = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]
ToOption = Annotated[
    str, typer.Option("--to", help="The target store, e.g. postgresql+psycopg://u:pw@host/db.")
]
ForceOption = Annotated[bool, typer.Option("--force", help="Replace whatever the target holds.")]

store_app = typer.Typer(help="Move the store to another database.", no_args_is_help=True)
alerts_app = typer.Typer(help="Alert rules and notification channels.", no_args_is_help=True)


def _megabytes(path: Path) -> str:
    return f"{path.stat().st_size / 1_048_576:.1f} MB"


def _progress(enabled: bool) -> Any:
    """A listener printing the table being copied on stderr (on a terminal only)."""
    from odoobridge.cli.render import err_console

    if not enabled or not err_console.is_terminal:
        return None

    def listen(table: str, rows: int) -> None:
        err_console.print(f"  {table}: {rows:,} rows", end="\r", highlight=False)

    return listen


def backup_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if present).")],
    as_json: JsonOption = False,
) -> None:
    """Back up the whole store (every table, one consistent snapshot) into one file."""
    from odoobridge.cli.render import print_json
    from odoobridge.ops.backup import write_backup

    state: CliState = ctx.obj
    manifest = write_backup(state.store().engine, file, listener=_progress(not as_json))
    if as_json:
        print_json({"file": str(file), "bytes": file.stat().st_size, **manifest.as_dict()})
        return
    typer.echo(
        f"wrote {file} ({_megabytes(file)}): {len(manifest.tables)} tables, "
        f"{manifest.total_rows:,} rows, schema {', '.join(manifest.revisions)}"
    )


def restore_command(
    file: Annotated[Path, typer.Argument(help="A file written by `odoobridge backup`.")],
    to: ToOption,
    force: ForceOption = False,
    as_json: JsonOption = False,
) -> None:
    """Restore a backup into an empty store (checked table by table against its manifest)."""
    from odoobridge.cli.render import print_json
    from odoobridge.ops.restore import restore_backup
    from odoobridge.redact import redact_url

    report = restore_backup(file, to, force=force, listener=_progress(not as_json))
    if as_json:
        print_json(report.as_dict())
        return
    typer.echo(
        f"restored {file} into {redact_url(to)}: {len(report.manifest.tables)} tables, "
        f"{report.rows:,} rows, every table's digest checked ({report.seconds:.1f} s)"
    )


@store_app.command("migrate")
def migrate_command(
    ctx: typer.Context, to: ToOption, force: ForceOption = False, as_json: JsonOption = False
) -> None:
    """Copy the whole store (e.g. the embedded SQLite) into another database, verified."""
    from odoobridge.cli.render import print_json
    from odoobridge.ops.jobs import migrate_store
    from odoobridge.redact import redact_url

    state: CliState = ctx.obj
    manifest, report = migrate_store(
        state.store(), state.settings(), to, force=force, listener=_progress(not as_json)
    )
    if as_json:
        print_json({"source": manifest.source, **report.as_dict()})
        return
    typer.echo(
        f"copied the {manifest.source} store into {redact_url(to)}: {len(manifest.tables)} "
        f"tables, {report.rows:,} rows, every table's digest checked"
    )
    typer.echo("use it from now on: set DATABASE_URL to that URL and restart OdooBridge")


@alerts_app.command("check")
def check_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Evaluate every alert rule now and send what is due (exit 1 if a delivery failed)."""
    from odoobridge.cli.options import triggered_by
    from odoobridge.cli.render import print_json, table
    from odoobridge.ops.jobs import run_alerts

    state: CliState = ctx.obj
    report = run_alerts(state.store(), state.settings(), triggered_by=triggered_by())
    if as_json:
        print_json(report.as_dict())
    else:
        table(
            "Alert rules",
            ["rule", "channels", "quiet hours", "holding now"],
            [
                (
                    r["name"] if r["enabled"] else f"{r['name']} (off)",
                    ", ".join(r["channels"]) or "-",
                    r["quiet_hours"] or "-",
                    r["holding"],
                )
                for r in report.rules
            ],
        )
        for note in report.notifications:
            if note.held:
                typer.echo(f"held (quiet hours): {note.event} {note.rule} {note.key}: {note.title}")
            for delivery in note.deliveries:
                outcome = "sent" if delivery.ok else f"FAILED ({delivery.error})"
                typer.echo(f"{note.event} {note.rule} {note.key} → {delivery.channel}: {outcome}")
        if not report.notifications:
            typer.echo(f"nothing to send; {len(report.active)} condition(s) holding")
    if report.failures:
        raise typer.Exit(1)


@alerts_app.command("test")
def test_command(
    ctx: typer.Context,
    channel: Annotated[
        str | None, typer.Option(help="One channel by name (default: every channel).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Send a test message to a notification channel (exit 1 if it fails)."""
    from odoobridge.cli.render import print_json
    from odoobridge.ops.alerts import send_test

    state: CliState = ctx.obj
    deliveries = send_test(state.settings(), channel)
    if as_json:
        print_json([d.as_dict() for d in deliveries])
    else:
        for d in deliveries:
            outcome = "delivered" if d.ok else f"FAILED: {d.error}"
            typer.echo(f"{d.channel} ({d.kind}): {outcome} in {d.seconds:.2f} s")
    if not all(d.ok for d in deliveries):
        raise typer.Exit(1)


@alerts_app.command("list")
def list_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The alert rules, the channels and the conditions remembered (active first)."""
    from odoobridge.cli.render import print_json, table
    from odoobridge.notify import load_channels
    from odoobridge.ops.alert_config import alert_rules
    from odoobridge.ops.alerts import alert_states

    state: CliState = ctx.obj
    settings = state.settings()
    rules = alert_rules(settings)
    channels = load_channels(settings)
    with state.store().session() as session:
        states = [s.as_dict() for s in alert_states(session)]
    if as_json:
        print_json(
            {
                "rules": [r.as_dict() for r in rules],
                "channels": [
                    {"name": n, "kind": c.kind, "where": c.describe()}
                    for n, c in sorted(channels.items())
                ],
                "conditions": states,
            }
        )
        return
    table(
        "Channels",
        ["name", "kind", "sends to"],
        [(n, c.kind, c.describe()) for n, c in sorted(channels.items())],
    )
    table(
        "Alert rules",
        ["rule", "on", "channels", "quiet hours", "what it watches"],
        [
            (
                r.name,
                "yes" if r.enabled else "no",
                ", ".join(r.channels) or "-",
                str(r.quiet_hours or "-"),
                r.description,
            )
            for r in rules
        ],
    )
    table(
        "Conditions",
        ["rule", "key", "state", "since", "told", "last error"],
        [
            (
                s["rule"],
                s["key"],
                "active" if s["active"] else "cleared",
                s["since"],
                ", ".join(s["notified"]) or "-",
                s["last_error"] or "",
            )
            for s in states
        ],
    )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    app.add_typer(store_app, name="store")
    app.add_typer(alerts_app, name="alerts")
