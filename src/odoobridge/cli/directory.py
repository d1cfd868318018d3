"""``odoobridge sync azure`` and ``odoobridge check azure``.

Domain modules are imported inside the commands that use them, so that ``odoobridge --help``
answers at once (DESIGN.md rule 12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from odoobridge.cli.options import JsonOption, triggered_by
from odoobridge.cli.render import print_json, progress_bar, table
from odoobridge.cli.state import CliState

if TYPE_CHECKING:
    from odoobridge.sync.models import SyncRun

FullOption = Annotated[
    bool, typer.Option("--full", help="List every user instead of following the delta link.")
]


def run_warnings(run: SyncRun) -> list[str]:
    """What a person should know about a finished run, one line each."""
    stats: dict[str, Any] = run.stats
    lines: list[str] = []
    if stats.get("delta_fallback"):
        lines.append(f"delta sync not possible ({stats['delta_fallback']}): synced in full")
    sign_ins = stats.get("sign_ins") or {}
    if sign_ins.get("warning"):
        lines.append(f"sign-in activity: {sign_ins['warning']}")
    missing = stats.get("missing_fields") or {}
    if missing:
        counted = ", ".join(f"{name} ({count})" for name, count in sorted(missing.items()))
        lines.append(f"Graph left out properties, stored as empty: {counted}")
    return lines


def echo_directory_summary(summary: dict[str, Any]) -> None:
    run = summary["run"]
    if run is None:
        typer.echo(f"{summary['label']}: not synced yet")
        return
    mode = run["stats"].get("mode", "?")
    typer.echo(f"{summary['label']}: run {run['id']} ({mode}) at {run['completed_at']}")
    table(None, ["fact", "count"], [[k, v] for k, v in summary["counts"].items()])
    warning = (summary.get("delta_link") or {}).get("warning")
    if warning:
        typer.echo(f"warning: {warning}", err=True)


def sync_azure_command(
    ctx: typer.Context, full: FullOption = False, as_json: JsonOption = False
) -> None:
    """Read users, departments and account state from Microsoft Entra ID (delta when possible)."""
    from odoobridge.directory.sync import sync_azure

    state: CliState = ctx.obj
    with progress_bar(not as_json) as listeners:
        run = sync_azure(
            state.store(),
            state.settings(),
            full=full,
            triggered_by=triggered_by(),
            listeners=listeners,
        )
    if as_json:
        print_json(run.as_dict())
        return
    stats = run.stats
    table(
        f"Microsoft Entra ID — run {run.id} ({run.status}, {stats['mode']}, {stats['source']})",
        ["fetched", "added", "changed", "disabled", "removed", "restored", "users", "pages"],
        [
            [
                stats["fetched"],
                stats["added"],
                stats["changed"],
                stats["disabled"],
                stats["removed"],
                stats["restored"],
                stats["users"],
                stats["pages"],
            ]
        ],
    )
    if stats.get("retries"):
        typer.echo(
            f"Graph throttled or failed {stats['retries']} times; waited "
            f"{stats['seconds_throttled']} s in all",
            err=True,
        )
    for line in run_warnings(run):
        typer.echo(f"warning: {line}", err=True)


def check_azure_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Get a token, read one page of users, and check change tracking and sign-in activity."""
    from odoobridge.sources.graph import GraphClient
    from odoobridge.sources.graph_check import check_graph, check_mock

    state: CliState = ctx.obj
    settings = state.settings()
    if settings.allow_sync_mocks and settings.azure_user_sync_mock_file is not None:
        report = check_mock(settings)
    else:
        with GraphClient.from_settings(settings) as graph:
            report = check_graph(graph, settings)
    if as_json:
        print_json(report.as_dict())
    else:
        typer.echo(f"Microsoft Entra ID: {report.target}")
        for step in report.steps:
            typer.echo(f"  {step.status:<4} {step.name}: {step.detail}")
    if not report.ok:
        raise typer.Exit(1)


def register(sync_app: typer.Typer, check_app: typer.Typer) -> None:
    """The commands join the ``sync`` and ``check`` groups."""
    sync_app.command("azure")(sync_azure_command)
    check_app.command("azure")(check_azure_command)
