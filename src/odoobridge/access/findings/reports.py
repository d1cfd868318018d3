"""The findings of a run as the boundaries (CLI, API, pages, alerts) ask for them: with the
directory's people, Merge & Compare and the other environment brought in, cached per set of
inputs — and, for the latest run, where each stands in its lifecycle."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.access.comparisons import compare_with_directory, directory_people
from odoobridge.access.findings.base import Context, Finding, FindingsConfig
from odoobridge.access.findings.engine import compute_findings
from odoobridge.access.findings.lifecycle import Reviewed, Scope, ensure_reconciled, reviewed
from odoobridge.access.findings.models import FindingState
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.directory.state import latest_directory_run
from odoobridge.environment import Environment
from odoobridge.runcache import RunCache
from odoobridge.settings import Settings
from odoobridge.sync.runs import latest_success

_FINDINGS: RunCache[tuple[str, str], list[Finding]] = RunCache(size=8)


@dataclass(frozen=True)
class RunFindings:
    index: AccessIndex
    findings: list[Finding]
    scope: Scope
    latest: bool  # the environment's latest run: the one the lifecycle follows


def other_environment(environment: Environment) -> Environment:
    return Environment.PROD if environment is Environment.PREPROD else Environment.PREPROD


def run_findings(
    session: Session, settings: Settings, environment: Environment, run_id: int | None = None
) -> RunFindings:
    """Every finding of the run (default: the latest), with Entra sign-ins, departments and
    Merge & Compare from the latest directory run and the other environment's latest run, when
    they have been synced. A run's findings never change for the same inputs, so they are
    cached per run, other run, directory run and configuration."""
    index = index_for(session, environment, run_id)
    latest = latest_success(session, SYNC_TYPE, environment.value)
    other_env = other_environment(environment)
    other_run = latest_success(session, SYNC_TYPE, other_env.value)
    directory_run = latest_directory_run(session)
    directory_id = directory_run.id if directory_run is not None else None
    config = FindingsConfig.from_settings(settings)
    inputs = f"{config}|{settings.identity_map}|{settings.department_groups}"
    digest = hashlib.sha1(inputs.encode()).hexdigest()[:12]
    run = index.snap.run_id
    key = (
        f"{environment.value}|{run}|{other_run.id if other_run else '-'}|"
        f"{directory_id or '-'}|{digest}"
    )

    def compute() -> list[Finding]:
        other = index_for(session, other_env, other_run.id) if other_run is not None else None
        people = directory_people(session, settings, index, directory_id)
        comparison = (
            compare_with_directory(session, settings, index, directory_id)
            if directory_id is not None
            else []
        )
        context = Context(people=dict(people), other=other, comparison=comparison)
        return compute_findings(index, config, context)

    found = _FINDINGS.get((str(session.get_bind().engine.url), key), compute)
    pair = "/".join(sorted(e.value for e in Environment))
    covered = {environment.value, pair} if other_run is not None else {environment.value}
    scope = Scope(key, frozenset(covered), run, index.snap.completed_at)
    return RunFindings(index, found, scope, latest is not None and latest.id == run)


def findings_for(
    session: Session, settings: Settings, environment: Environment, run_id: int | None = None
) -> tuple[AccessIndex, list[Finding]]:
    """The run's findings without their lifecycle (see :func:`run_findings`)."""
    result = run_findings(session, settings, environment, run_id)
    return result.index, result.findings


def reviewed_findings(
    session: Session, settings: Settings, environment: Environment, run_id: int | None = None
) -> tuple[AccessIndex, list[Reviewed]]:
    """The run's findings with where each stands (the latest run is reconciled first)."""
    result = run_findings(session, settings, environment, run_id)
    if result.latest:
        states = ensure_reconciled(session, result.scope, result.findings)
    else:
        ids = [f.id for f in result.findings]
        query = select(FindingState).where(FindingState.finding_id.in_(ids))
        states = {s.finding_id: s for s in session.scalars(query)}
    return result.index, reviewed(result.findings, states)
