"""The findings of a run as the boundaries (CLI, API, pages) ask for them: with the directory's
people and the other environment brought in, cached per set of inputs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.access.analysis.snapshot import SnapshotCache
from odoobridge.access.comparisons import directory_people
from odoobridge.access.findings.base import SEVERITIES, Context, Finding, FindingsConfig, at_least
from odoobridge.access.findings.engine import compute_findings
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.directory.state import latest_directory_run
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.sync.runs import latest_success

_FINDINGS = SnapshotCache(size=8)


def findings_for(
    session: Session, settings: Settings, environment: Environment, run_id: int | None = None
) -> tuple[AccessIndex, list[Finding]]:
    """Every finding of the run (default: the latest), with Entra sign-ins and departments and
    the other environment's latest run when they have been synced. A run's findings never
    change for the same inputs, so they are cached per run, other run, directory run and
    configuration."""
    index = index_for(session, environment, run_id)
    other_env = Environment.PROD if environment is Environment.PREPROD else Environment.PREPROD
    other_run = latest_success(session, SYNC_TYPE, other_env.value)
    directory_run = latest_directory_run(session)
    directory_id = directory_run.id if directory_run is not None else None
    config = FindingsConfig.from_settings(settings)
    key = (
        f"{session.get_bind().engine.url}|{other_run.id if other_run else None}|{directory_id}|"
        f"{config}|{settings.identity_map_file}",
        environment.value,
        index.snap.run_id,
    )
    found: list[Finding] | None = _FINDINGS.get(key)
    if found is None:
        other = index_for(session, other_env, other_run.id) if other_run is not None else None
        people = directory_people(session, settings, index, directory_id)
        found = compute_findings(index, config, Context(people=dict(people), other=other))
        _FINDINGS.put(key, found)
    return index, found


def findings_answer(
    session: Session, settings: Settings, environment: Environment, run_id: int | None = None,
    *, severity: str = "info", kind: str | None = None, odoo_user_id: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The run's findings at ``severity`` or worse (of one ``kind``, about one user when given),
    most severe first, with the count per severity of all of them: as the API and the MCP
    server answer."""
    index, found = findings_for(session, settings, environment, run_id)
    chosen = [
        f for f in found
        if at_least(f.severity, severity) and (not kind or f.kind == kind)
        and (odoo_user_id is None or f.subject.get("odoo_user_id") == odoo_user_id)
    ]  # fmt: skip
    return {
        "environment": index.snap.environment.value,
        "run_id": index.snap.run_id,
        "counts": {s: sum(1 for f in found if f.severity == s) for s in SEVERITIES},
        "findings": [f.as_dict() for f in chosen],
    }
