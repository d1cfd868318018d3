"""Access analysis commands: who-can, access, group, findings, diff, timeline, compare.

The analysis (SQLAlchemy, the index, openpyxl for XLSX) is imported inside each command, so
``odoobridge --help`` does not pay for it (DESIGN.md rule 12)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from odoobridge.cli.options import EnvOption, resolve_environment, triggered_by
from odoobridge.cli.render import table
from odoobridge.cli.state import CliState
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError

if TYPE_CHECKING:
    from odoobridge.access.analysis.effective import AccessIndex


class OutputFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table, csv, json or xlsx.")
]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")]
RunOption = Annotated[int | None, typer.Option("--run", help="A past run (default: the latest).")]


def emit(
    name: str,
    fmt: OutputFormat,
    output: Path | None,
    columns: Sequence[str],
    rows: list[list[Any]],
    document: Any,
    title: str | None = None,
) -> None:
    """Show ``rows`` as a table, or write them (or ``document`` for JSON) to stdout or a file."""
    from odoobridge.exports import ExportFormat, render

    if fmt is OutputFormat.TABLE and output is None:
        table(title, list(columns), rows)
        return
    if fmt is OutputFormat.TABLE:
        raise ConfigError("--output needs --format csv, json or xlsx")
    if fmt is OutputFormat.JSON:
        body = (json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n").encode()
    else:
        body = render(name, ExportFormat(fmt.value), columns, rows)
    if output is not None:
        output.write_bytes(body)
        typer.echo(f"wrote {len(rows)} rows to {output}", err=True)
    elif fmt is OutputFormat.XLSX:
        raise ConfigError("XLSX is binary: give --output FILE")
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.flush()


def _index(state: CliState, env: str | None, run: int | None) -> AccessIndex:
    from odoobridge.access.analysis.effective import index_for

    environment = resolve_environment(state, env)
    with state.store().session() as session:
        return index_for(session, environment, run)


def who_can_command(
    ctx: typer.Context,
    operation: Annotated[str, typer.Argument(help="read, write, create or unlink")],
    model: Annotated[str, typer.Argument(help="An Odoo model, e.g. account.move")],
    env: EnvOption = None,
    run: RunOption = None,
    include_inactive: Annotated[bool, typer.Option("--all", help="Archived users too.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """Who may OPERATION on MODEL, and through which groups and ACL rows."""
    from odoobridge.access.analysis.answers import who_can

    index = _index(ctx.obj, env, run)
    holders = who_can(index, model, operation, include_inactive=include_inactive).holders
    columns = ["login", "odoo_user_id", "name", "email", "share", "paths"]
    rows = [
        [h.login, h.odoo_user_id, h.name, h.email, h.share, " | ".join(h.paths)] for h in holders
    ]
    title = f"Who can {operation} {model} — {index.snap.environment.label}, run {index.snap.run_id}"
    document = [h.as_dict() for h in holders]
    emit(f"who-can-{operation}-{model}", fmt, output, columns, rows, document, title)


def access_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="Login or Odoo user id.")],
    env: EnvOption = None,
    run: RunOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """What USER can do: applications, groups with their paths, rights per model, record rules."""
    from odoobridge.access.analysis.answers import user_access

    answer = user_access(_index(ctx.obj, env, run), user)
    columns = ["model", "model_name", "read", "write", "create", "unlink"]
    rows = [
        [r.model, r.model_name, *(" | ".join(r.paths.get(p, [])) for p in columns[2:])]
        for r in answer.rights
    ]
    if fmt is OutputFormat.TABLE and output is None:
        state = "active" if answer.active else "archived"
        kind = "portal" if answer.share else "internal"
        typer.echo(f"{answer.login} ({answer.name}) — run {answer.run_id}, {state}, {kind}")
        levels = [[a["application"], ", ".join(a["levels"])] for a in answer.applications]
        table("Applications", ["application", "level"], levels)
        table("Groups", ["group", "own", "path"], [[g.name, g.own, g.path] for g in answer.groups])
        rows = [
            [r.model, r.model_name, *("✓" if p in r.paths else "" for p in columns[2:])]
            for r in answer.rights
        ]
    emit(f"access-{answer.login}", fmt, output, columns, rows, answer.as_dict(), "Rights per model")


def group_command(
    ctx: typer.Context,
    group: Annotated[str, typer.Argument(help="Id, external id or 'Application / Name'.")],
    env: EnvOption = None,
    run: RunOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """What GROUP grants, directly and through the groups it implies, and to whom."""
    from odoobridge.access.analysis.answers import group_grants

    answer = group_grants(_index(ctx.obj, env, run), group)
    columns = ["acl_id", "name", "model", "operations", "direct", "path"]
    rows = [[a[c] for c in columns] for a in answer.acls]
    if fmt is OutputFormat.TABLE and output is None:
        typer.echo(f"{answer.name} ({answer.xml_id or 'no external id'}) — run {answer.run_id}")
        table("Implies", ["group", "path"], [[g["name"], g["path"]] for g in answer.implies])
        members = [[m["login"], m["own"], m["path"]] for m in answer.members]
        table("Members", ["login", "own", "path"], members)
    emit(f"group-{answer.group_id}", fmt, output, columns, rows, answer.as_dict(), "Access rights")


def findings_command(
    ctx: typer.Context,
    severity: Annotated[str | None, typer.Option(help="This severity and above.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind, e.g. sod_conflict.")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="open, acknowledged, accepted_risk, resolved or active."),
    ] = None,
    env: EnvOption = None,
    run: RunOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """What a reviewer should look at, most severe first, with where each stands."""
    from odoobridge.access.findings.base import check_severity
    from odoobridge.access.findings.lifecycle import check_status
    from odoobridge.access.findings.listing import (
        EXPORT_COLUMNS,
        FindingFilter,
        export_row,
        listing,
    )

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    chosen = FindingFilter(
        severity=check_severity(severity or "info"),
        kind=kind,
        status=check_status(status) if status not in (None, "active") else status,
    )
    with state.store().session() as session:
        found = listing(session, state.settings(), environment, run, chosen)
    items = found.items
    rows = [export_row(r) for r in items]
    columns = EXPORT_COLUMNS
    if fmt is OutputFormat.TABLE and output is None:
        rows = [[r.finding.severity, r.status, r.finding.title, r.finding.id] for r in items]
        columns = ["severity", "status", "finding", "id"]
    document = [r.as_dict() for r in items]
    title = f"{len(items)} findings — {environment.label}, run {found.run_id}"
    emit("findings", fmt, output, columns, rows, document, title)


def finding_show_command(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument(help="A finding's id, e.g. leaver:30b2830322.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """One finding: evidence, fix, where it stands and every change to it."""
    from odoobridge.access.findings.listing import finding_detail

    state: CliState = ctx.obj
    with state.store().session() as session:
        detail = finding_detail(session, state.settings(), finding_id)
    if as_json:
        sys.stdout.write(json.dumps(detail, indent=2, default=str, ensure_ascii=False) + "\n")
        return
    typer.echo(f"{detail['severity']} {detail['kind']} — {detail['title']} ({detail['status']})")
    for line in detail["evidence"]:
        typer.echo(f"  evidence: {line}")
    typer.echo(f"  fix: {detail['fix']}")
    if detail["owner"]:
        typer.echo(f"  owner: {detail['owner']}")
    if detail["accepted_until"]:
        typer.echo(f"  risk accepted until {detail['accepted_until']}: {detail['reason']}")
    events = [
        [e["at"], e["actor"], e["action"], e["to_status"] or "", e["comment"] or ""]
        for e in detail["events"]
    ]
    table("History", ["at", "who", "what", "status", "comment"], events)


def _change(ctx: typer.Context, finding_id: str, change: Any) -> None:
    """Apply one lifecycle change as the CLI's user (audited) and say where the finding stands."""
    from odoobridge.auth.audit import Origin

    state: CliState = ctx.obj
    with state.store().session() as session:
        found = change(session, finding_id, actor=triggered_by(), origin=Origin.cli())
        typer.echo(
            f"{found.finding_id}: {found.status}"
            + (f", owner {found.owner}" if found.owner else "")
        )


def finding_ack_command(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument()],
    comment: Annotated[str | None, typer.Option(help="Why, or what happens next.")] = None,
) -> None:
    """Acknowledge an open finding (someone has seen it and will act)."""
    from functools import partial

    from odoobridge.access.findings.lifecycle import acknowledge

    _change(ctx, finding_id, partial(acknowledge, comment=comment))


def finding_accept_command(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument()],
    reason: Annotated[str, typer.Option(help="Why the risk is kept (required).")],
    until: Annotated[str, typer.Option(help="The last day of the acceptance: YYYY-MM-DD.")],
) -> None:
    """Accept a finding's risk until a date; it reopens when the date passes."""
    from datetime import date
    from functools import partial

    from odoobridge.access.findings.lifecycle import accept_risk, end_of

    try:
        day = date.fromisoformat(until)
    except ValueError:
        raise ConfigError(f"--until {until!r} is not a date: use YYYY-MM-DD") from None
    _change(ctx, finding_id, partial(accept_risk, reason=reason, until=end_of(day)))


def finding_reopen_command(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument()],
    comment: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Reopen an acknowledged finding or an accepted risk."""
    from functools import partial

    from odoobridge.access.findings.lifecycle import reopen

    _change(ctx, finding_id, partial(reopen, comment=comment))


def finding_assign_command(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument()],
    owner: Annotated[str, typer.Argument(help="An OdooBridge account's e-mail, or - for none.")],
) -> None:
    """Give a finding an owner."""
    from functools import partial

    from odoobridge.access.findings.lifecycle import assign

    _change(ctx, finding_id, partial(assign, owner=None if owner == "-" else owner))


def finding_comment_command(
    ctx: typer.Context,
    finding_id: Annotated[str, typer.Argument()],
    text: Annotated[str, typer.Argument(help="The comment.")],
) -> None:
    """Comment on a finding."""
    from functools import partial

    from odoobridge.access.findings.lifecycle import comment

    _change(ctx, finding_id, partial(comment, text=text))


def diff_command(
    ctx: typer.Context,
    run_a: Annotated[int, typer.Argument(help="The earlier run.")],
    run_b: Annotated[int, typer.Argument(help="The later run.")],
    env: EnvOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """What changed in Odoo between two runs of one environment."""
    from odoobridge.access.analysis.history import diff_runs

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    with state.store().session() as session:
        result = diff_runs(session, environment, run_a, run_b)
    columns = ["entity", "change", "detail"]
    rows: list[list[Any]] = []
    for entity, changes in result.entities.items():
        rows += [[entity, "added", _describe(c)] for c in changes.added]
        rows += [[entity, "removed", _describe(c)] for c in changes.removed]
        rows += [[entity, "changed", _describe(c)] for c in changes.changed]
    title = f"Run {run_a} → run {run_b}"
    emit(f"diff-{run_a}-{run_b}", fmt, output, columns, rows, result.as_dict(), title)


def _describe(change: dict[str, Any]) -> str:
    if "before" in change:
        before, after = change["before"], change["after"]
        fields = ", ".join(f"{f}: {before[f]!r} → {after[f]!r}" for f in change["fields"])
        keys = {k: v for k, v in change.items() if k not in ("before", "after", "fields")}
        return f"{keys} {fields}"
    return ", ".join(f"{k}={v}" for k, v in change.items())


def timeline_command(
    ctx: typer.Context,
    what: Annotated[str, typer.Argument(help="user or group")],
    ref: Annotated[str, typer.Argument(help="Login, group name, or id.")],
    env: EnvOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """A user's or a group's history, run by run."""
    from odoobridge.access.analysis.history import group_timeline, user_timeline

    state: CliState = ctx.obj
    environment: Environment = resolve_environment(state, env)
    index = _index(state, env, None)
    with state.store().session() as session:
        if what == "user":
            user = index.snap.find_user(ref)
            name = f"{user.login} ({user.name})"
            events = user_timeline(session, environment, user.odoo_id, index.snap)
        elif what == "group":
            group = index.snap.find_group(ref)
            name = index.snap.group_name(group.odoo_id)
            events = group_timeline(session, environment, group.odoo_id, index.snap)
        else:
            raise ConfigError(f"timeline of {what!r}: use user or group")
    columns = ["run_id", "at", "kind", "detail"]
    rows = [[e.run_id, f"{e.at:%Y-%m-%d %H:%M}" if e.at else "", e.kind, e.detail] for e in events]
    document = [e.as_dict() for e in events]
    emit(f"timeline-{what}-{ref}", fmt, output, columns, rows, document, f"Timeline of {name}")


def compare_command(
    ctx: typer.Context,
    env: EnvOption = None,
    run: RunOption = None,
    azure_run: Annotated[int | None, typer.Option(help="An Entra run (default: latest).")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category, e.g. leaver.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
    output: OutputOption = None,
) -> None:
    """Merge & Compare Entra users with Odoo users (leavers, orphans, …); the result is kept."""
    from odoobridge.access.comparisons import run_compare

    state: CliState = ctx.obj
    environment = resolve_environment(state, env)
    with state.store().session() as session:
        result = run_compare(
            session,
            state.settings(),
            environment,
            actor=triggered_by(),
            odoo_run_id=run,
            azure_run_id=azure_run,
        )
        document = result.as_dict()
    items = [i for i in document["items"] if category is None or i["category"] == category]
    columns = ["category", "severity", "login", "odoo_user_id", "entra_name", "azure_id", "detail"]
    rows = [[i[c] for c in columns] for i in items]
    if fmt is OutputFormat.TABLE and output is None:
        summary = ", ".join(f"{k} {v}" for k, v in document["summary"].items())
        typer.echo(
            f"comparison {document['id']}: Odoo run {document['odoo_run_id']} × "
            f"Entra run {document['azure_run_id']} — {summary}"
        )
    emit("compare", fmt, output, columns, rows, {**document, "items": items}, "Merge & Compare")


def register(app: typer.Typer) -> None:
    app.command("who-can")(who_can_command)
    app.command("access")(access_command)
    app.command("group")(group_command)
    app.command("findings")(findings_command)
    finding_app = typer.Typer(
        help="One finding: show it, acknowledge, accept, reopen, assign.", no_args_is_help=True
    )
    finding_app.command("show")(finding_show_command)
    finding_app.command("ack")(finding_ack_command)
    finding_app.command("accept")(finding_accept_command)
    finding_app.command("reopen")(finding_reopen_command)
    finding_app.command("assign")(finding_assign_command)
    finding_app.command("comment")(finding_comment_command)
    app.add_typer(finding_app, name="finding")
    app.command("diff")(diff_command)
    app.command("timeline")(timeline_command)
    app.command("compare")(compare_command)
