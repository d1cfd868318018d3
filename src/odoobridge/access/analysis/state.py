"""Read Odoo's security model back from the store, as of any successful run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from odoobridge.access.models import FACT_TABLES
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.environment import Environment
from odoobridge.errors import NotFound
from odoobridge.sources.odoo_records import ENTITIES, ENTITY_BY_NAME
from odoobridge.store.temporal import alive_at, state_at
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import latest_success


def table_of(entity: str) -> Table:
    return FACT_TABLES[entity]


def resolve_run(session: Session, environment: Environment, run_id: int | None = None) -> SyncRun:
    """The given run (checked to be a successful Odoo sync of ``environment``) or the latest."""
    if run_id is None:
        run = latest_success(session, SYNC_TYPE, environment.value)
        if run is None:
            raise NotFound(
                f"no successful Odoo sync for {environment.label} yet: "
                f"run `odoobridge sync odoo --env {environment.value.lower()}`"
            )
        return run
    run = session.get(SyncRun, run_id)
    if run is None or run.sync_type != SYNC_TYPE or run.environment != environment.value:
        raise NotFound(f"run {run_id} is not an Odoo sync of {environment.label}")
    if run.status != RunStatus.SUCCESS:
        raise NotFound(f"run {run_id} did not succeed ({run.status}): its state was not kept")
    return run


def read_entity(session: Session, entity: str, environment: Environment, run_id: int) -> list[Any]:
    """Every record of ``entity`` alive at ``run_id``, as its record type, in key order."""
    spec = ENTITY_BY_NAME[entity]
    table = table_of(entity)
    query = state_at(table, spec.fields, environment.value, run_id)
    query = query.order_by(*(table.c[k] for k in spec.key))
    return [spec.record(*row) for row in session.execute(query)]


def read_pairs(
    session: Session, entity: str, environment: Environment, run_id: int
) -> list[tuple[int, int]]:
    """The key pairs of a link entity (memberships …) alive at ``run_id``, unordered: the fast
    path for the largest tables."""
    spec = ENTITY_BY_NAME[entity]
    table = table_of(entity)
    query = state_at(table, spec.key, environment.value, run_id)
    return [(row[0], row[1]) for row in session.execute(query)]


def read_state(session: Session, environment: Environment, run_id: int) -> dict[str, list[Any]]:
    return {spec.name: read_entity(session, spec.name, environment, run_id) for spec in ENTITIES}


def count_at(session: Session, entity: str, environment: Environment, run_id: int) -> int:
    table = table_of(entity)
    query = (
        select(func.count()).select_from(table).where(alive_at(table, environment.value, run_id))
    )
    return session.scalar(query) or 0


def fact_rows(session: Session) -> int:
    """How many fact rows the store holds in all (every version of every fact)."""
    return sum(
        session.scalar(select(func.count()).select_from(table_of(spec.name))) or 0
        for spec in ENTITIES
    )
