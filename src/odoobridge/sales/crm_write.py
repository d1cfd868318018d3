"""The write half of the CRM sync: a read (:mod:`odoobridge.sales.crm_read`) becomes temporal
rows, inside the caller's one transaction.

A full read is a snapshot (:func:`odoobridge.store.temporal.apply_snapshot`: new rows inserted,
changed ones versioned, missing ones closed). An incremental read writes its changed records as
changes (:func:`~odoobridge.store.temporal.apply_changes`) and closes the rows whose ids Odoo no
longer has. A model that is no longer installed has its rows closed; one that could not be read
is left alone. ``res.users.company_ids`` is kept as (user, company) rows, replaced per user read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from odoobridge.sales.crm_read import CrmSnapshot, EntityRead
from odoobridge.sales.entities import USER_COMPANIES, USER_COMPANY_FIELDS
from odoobridge.sales.models import FACT_TABLES
from odoobridge.store.temporal import Changes, alive_now, apply_changes, apply_snapshot

_CHUNK = 5_000


def _close_rows(session: Session, table: Table, row_ids: list[int], last_seen: int) -> None:
    for start in range(0, len(row_ids), _CHUNK):
        chunk = row_ids[start : start + _CHUNK]
        session.execute(
            update(table).where(table.c.id.in_(chunk)).values(last_seen_run_id=last_seen)
        )


def close_missing(
    session: Session,
    table: Table,
    environment: str,
    present: set[int],
    previous_run_id: int | None,
) -> set[int]:
    """Close the alive rows whose ``odoo_id`` is not in ``present``; returns their ids."""
    alive = session.execute(
        select(table.c.id, table.c.odoo_id).where(alive_now(table, environment))
    ).all()
    gone = [(row_id, key) for row_id, key in alive if key not in present]
    if gone:
        if previous_run_id is None:
            raise RuntimeError(f"{table.name}: alive rows in {environment} but no previous run")
        _close_rows(session, table, [row_id for row_id, _ in gone], previous_run_id)
    return {key for _, key in gone}


def _replace_user_companies(
    session: Session,
    environment: str,
    users: Iterable[int],
    pairs: list[tuple[int, int]],
    run_id: int,
    previous_run_id: int | None,
) -> Changes:
    """Make the alive (user, company) rows of ``users`` equal ``pairs``."""
    table = FACT_TABLES[USER_COMPANIES]
    wanted = set(pairs)
    users = sorted(set(users))
    stale: list[int] = []
    for start in range(0, len(users), _CHUNK):
        query = select(table.c.id, table.c.user_id, table.c.company_id).where(
            alive_now(table, environment), table.c.user_id.in_(users[start : start + _CHUNK])
        )
        stale.extend(row_id for row_id, u, c in session.execute(query) if (u, c) not in wanted)
    added = apply_changes(
        session,
        table,
        fields=USER_COMPANY_FIELDS,
        key=USER_COMPANY_FIELDS,
        environment=environment,
        run_id=run_id,
        previous_run_id=previous_run_id,
        rows=sorted(wanted),
    )
    if stale:
        if previous_run_id is None:
            raise RuntimeError(f"{table.name}: alive rows in {environment} but no previous run")
        _close_rows(session, table, stale, previous_run_id)
    return Changes(added=added.added, removed=len(stale))


def write_entity(
    session: Session,
    read: EntityRead,
    *,
    environment: str,
    run_id: int,
    previous_run_id: int | None,
) -> dict[str, Any]:
    """Write one entity's read; returns its stats (count, read, mode, cursor, changes)."""
    entity = read.entity
    table = FACT_TABLES[entity.name]
    common: dict[str, Any] = {
        "environment": environment,
        "run_id": run_id,
        "previous_run_id": previous_run_id,
    }
    gone: set[int] = set()
    if read.mode in ("full", "absent"):
        changes = apply_snapshot(
            session, table, fields=entity.fields, key=("odoo_id",), rows=read.rows, **common
        )
        count = len(read.rows)
    else:
        assert read.ids is not None
        written = apply_changes(
            session, table, fields=entity.fields, key=("odoo_id",), rows=read.rows, **common
        )
        gone = close_missing(session, table, environment, read.ids, previous_run_id)
        changes = Changes(added=written.added, changed=written.changed, removed=len(gone))
        count = len(read.ids)
    stats: dict[str, Any] = {"count": count, "read": len(read.rows), "mode": read.mode}
    if read.cursor is not None:
        stats["cursor"] = read.cursor
    stats.update(changes.as_dict())
    if entity.name == "users":
        if read.mode == "incremental":
            users = {row[0] for row in read.rows} | gone
            links = _replace_user_companies(
                session, environment, users, read.pairs, run_id, previous_run_id
            )
        else:
            links = apply_snapshot(
                session,
                FACT_TABLES[USER_COMPANIES],
                fields=USER_COMPANY_FIELDS,
                key=USER_COMPANY_FIELDS,
                rows=read.pairs,
                **common,
            )
        stats[USER_COMPANIES] = links.as_dict()
    return stats


def write_crm(
    session: Session,
    snapshot: CrmSnapshot,
    *,
    environment: str,
    run_id: int,
    previous_run_id: int | None,
) -> dict[str, Any]:
    """Write every entity of ``snapshot``; the run's stats (absent and skipped ones named)."""
    stats: dict[str, Any] = {"absent": {}, "skipped": {}}
    for read in snapshot.entities:
        name = read.entity.name
        if read.mode == "skipped":
            stats["skipped"][name] = read.reason
            continue
        if read.mode == "absent":
            stats["absent"][name] = read.reason
        stats[name] = write_entity(
            session, read, environment=environment, run_id=run_id, previous_run_id=previous_run_id
        )
    return stats
