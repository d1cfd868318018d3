"""Merge & Compare as the boundaries ask for it: the mapping files, Odoo users matched to the
Entra users of a directory run, and comparisons run and kept (``comparison_results``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import AccessIndex, index_for
from odoobridge.access.compare import CATEGORIES, Item, compare, load_mapping, match_accounts
from odoobridge.access.models import ComparisonResult
from odoobridge.directory.state import EntraUser, entra_users, resolve_directory_run
from odoobridge.environment import Environment
from odoobridge.errors import NotFound
from odoobridge.settings import Settings


def identity_map(settings: Settings) -> dict[str, Any]:
    return load_mapping(
        settings.identity_map,
        "Odoo login to an Entra UPN, mail or id",
        "ODOOBRIDGE_IDENTITY_MAP",
    )


def department_groups(settings: Settings) -> dict[str, Any]:
    return load_mapping(
        settings.department_groups,
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


def compare_with_directory(
    session: Session, settings: Settings, index: AccessIndex, directory_run: int
) -> list[Item]:
    """Merge & Compare of the run behind ``index`` with a directory run (not kept)."""
    return compare(
        index,
        entra_users(session, directory_run),
        identity_map=identity_map(settings),
        department_groups=department_groups(settings),
    )


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
    items = compare_with_directory(session, settings, index, directory_run.id)
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
