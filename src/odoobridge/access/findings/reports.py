"""The findings of a run as the boundaries (CLI, API, pages) ask for them: with the directory's
people and the other environment brought in, cached per set of inputs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.access.comparisons import directory_people
from odoobridge.access.findings.base import Context, Finding, FindingsConfig
from odoobridge.access.findings.engine import compute_findings
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.directory.state import latest_directory_run
from odoobridge.environment import Environment
from odoobridge.runcache import RunCache
from odoobridge.settings import Settings
from odoobridge.sync.runs import latest_success

_FINDINGS: RunCache[tuple[str, str, int], list[Finding]] = RunCache(size=8)


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
        f"{config}|{settings.identity_map}",
        environment.value,
        index.snap.run_id,
    )

    def compute() -> list[Finding]:
        other = index_for(session, other_env, other_run.id) if other_run is not None else None
        people = directory_people(session, settings, index, directory_id)
        return compute_findings(index, config, Context(people=dict(people), other=other))

    return index, _FINDINGS.get(key, compute)
