"""``odoobridge sync …``, ``odoobridge runs`` and ``odoobridge status``.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from odoobridge.cli.directory import echo_directory_summary
from odoobridge.cli.options import EnvOption, JsonOption, resolve_environment, triggered_by
from odoobridge.cli.render import print_json, progress_bar, table
from odoobridge.cli.state import CliState
from odoobridge.environment import Environment

if TYPE_CHECKING:
    from odoobridge.sync.models import SyncRun


def _run_line(run: SyncRun) -> str:
    counts = ", ".join(
        f"{name} {value['count']}"
        for name, value in run.stats.items()
        if isinstance(value, dict) and "count" in value
    )
    return f"run {run.id} {run.status}: {counts}"


def sync_odoo_command(
    ctx: typer.Context, env: EnvOption = None, as_json: JsonOption = False
) -> None:
    """Read Odoo's groups, users, memberships, inheritance, access rights and rules."""
    from odoobridge.access.sync import sync_odoo

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    with progress_bar(not as_json) as listeners:
        run = sync_odoo(
            state.store(),
            state.settings(),
            environment,
            triggered_by=triggered_by(),
            listeners=listeners,
        )
    if as_json:
        print_json(run.as_dict())
        return
    table(
        f"{environment.label} — run {run.id} ({run.status})",
        ["entity", "count", "added", "changed", "removed"],
        [
            [name, v["count"], v["added"], v["changed"], v["removed"]]
            for name, v in run.stats.items()
            if isinstance(v, dict) and "count" in v
        ],
    )
    for entity, reason in run.stats.get("skipped", {}).items():
        typer.echo(f"skipped {entity}: {reason}", err=True)


def runs_command(
    ctx: typer.Context,
    run_id: Annotated[int | None, typer.Argument(help="Show this run only.")] = None,
    sync_type: Annotated[str | None, typer.Option("--type", help="odoo_postgres, …")] = None,
    env: EnvOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    as_json: JsonOption = False,
) -> None:
    """List past sync runs, newest first (or show one)."""
    from odoobridge.sync.runs import get_run, list_runs

    state: CliState = ctx.obj
    with state.store().session() as session:
        if run_id is not None:
            run = get_run(session, run_id)
            if as_json:
                print_json(run.as_dict())
            else:
                typer.echo(_run_line(run) + (f" — {run.error}" if run.error else ""))
            return
        environment = Environment.parse(env).value if env else None
        total, runs = list_runs(session, sync_type=sync_type, environment=environment, limit=limit)
    if as_json:
        print_json({"count": total, "runs": [r.as_dict() for r in runs]})
        return
    table(
        f"Sync runs ({len(runs)} of {total})",
        ["id", "type", "env", "status", "started", "seconds", "by", "error"],
        [
            [
                r.id,
                r.sync_type,
                r.environment,
                r.status,
                r.started_at.isoformat(timespec="seconds"),
                round((r.completed_at - r.started_at).total_seconds(), 1) if r.completed_at else "",
                r.triggered_by,
                r.error or "",
            ]
            for r in runs
        ],
    )


def status_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """What the store holds: the latest run of each source and the headline counts."""
    from odoobridge.access.views.summary import environment_summary
    from odoobridge.directory.summary import directory_summary

    state: CliState = ctx.obj
    with state.store().session() as session:
        summaries = [environment_summary(session, env) for env in Environment]
        entra = directory_summary(session)
    if as_json:
        print_json({"odoo": summaries, "entra": entra})
        return
    for summary in summaries:
        if summary["run"] is None:
            typer.echo(f"{summary['label']}: not synced yet")
            continue
        run = summary["run"]
        typer.echo(f"{summary['label']}: run {run['id']} at {run['completed_at']}")
        table(None, ["fact", "count"], [[k, v] for k, v in summary["counts"].items()])
    echo_directory_summary(entra)


def register(app: typer.Typer, sync_app: typer.Typer) -> None:
    sync_app.command("odoo")(sync_odoo_command)
    app.command("runs")(runs_command)
    app.command("status")(status_command)
