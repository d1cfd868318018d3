"""The analysis as the boundaries (CLI, API) ask for it: findings of a run with the directory and
the other environment brought in, and Merge & Compare persisted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.compare import CATEGORIES, compare, load_mapping, match_accounts
from odoobridge.access.effective import AccessIndex, index_for
from odoobridge.access.findings import Context, Finding, FindingsConfig, compute_findings
from odoobridge.access.models import ComparisonResult
from odoobridge.access.snapshot import SnapshotCache
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.directory.state import (
    EntraUser,
    entra_users,
    latest_directory_run,
    resolve_directory_run,
)
from odoobridge.errors import NotFound
from odoobridge.settings import Environment, Settings
from odoobridge.sync.runs import latest_success


def identity_map(settings: Settings) -> dict[str, Any]:
    return load_mapping(
        settings.identity_map_file,
        "Odoo login to an Entra UPN, mail or id",
        "ODOOBRIDGE_IDENTITY_MAP",
    )


def department_groups(settings: Settings) -> dict[str, Any]:
    return load_mapping(
        settings.department_groups_file,
        "Entra department to a list of groups",
        "ODOOBRIDGE_DEPARTMENT_GROUPS",
    )


def directory_people(
    session: Session, settings: Settings, index: AccessIndex, directory_run: int | None
) -> dict[int, EntraUser]:
    """Odoo users matched to the Entra users of a directory run (none before the first)."""
    if directory_run is None:
        return {}
    users = entra_users(session, directory_run)
    return match_accounts(index.snap.users, users, identity_map(settings)).by_odoo


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


def run_compare(
    session: Session,
    settings: Settings,
    environment: Environment,
    *,
    actor: str,
    odoo_run_id: int | None = None,
    azure_run_id: int | None = None,
) -> ComparisonResult:
    """Compare an Odoo run with an Entra run (default: the latest of each) and keep the result."""
    index = index_for(session, environment, odoo_run_id)
    directory_run = resolve_directory_run(session, azure_run_id)
    items = compare(
        index,
        entra_users(session, directory_run.id),
        identity_map=identity_map(settings),
        department_groups=department_groups(settings),
    )
    counts = Counter(item.category for item in items)
    result = ComparisonResult(
        created_by=actor,
        environment=environment.value,
        odoo_run_id=index.snap.run_id,
        azure_run_id=directory_run.id,
        summary={category: counts.get(category, 0) for category in CATEGORIES},
        items=[item.as_dict() for item in items],
    )
    session.add(result)
    session.flush()
    return result


def latest_comparison(session: Session, environment: Environment | None = None) -> ComparisonResult:
    query = select(ComparisonResult).order_by(ComparisonResult.id.desc()).limit(1)
    if environment is not None:
        query = query.where(ComparisonResult.environment == environment.value)
    result = session.scalars(query).first()
    if result is None:
        raise NotFound("no Merge & Compare yet: run `odoobridge compare`")
    return result
