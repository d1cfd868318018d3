"""Temporal rows: any sequence of snapshots reads back exactly at every run, on both engines."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from odoobridge.access.models import FACT_TABLES
from odoobridge.sources.odoo_records import ENTITY_BY_NAME
from odoobridge.store.engine import Store
from odoobridge.store.temporal import Changes, apply_snapshot, state_at

GROUPS = ENTITY_BY_NAME["groups"]
MEMBERSHIPS = ENTITY_BY_NAME["memberships"]
_environments = itertools.count()

group_rows = st.dictionaries(
    keys=st.integers(min_value=1, max_value=12),
    values=st.tuples(
        st.sampled_from(["Internal User", "Sales / User", "Administrator", "Ünïcode ✓"]),
        st.one_of(st.none(), st.integers(1, 3)),
        st.booleans(),
    ),
    max_size=10,
)
snapshots = st.lists(group_rows, min_size=1, max_size=5)


def as_rows(snapshot: dict[int, tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [
        GROUPS.record(
            odoo_id=k, name=name, category_id=cat, privilege_id=None, share=share, comment=None
        )
        for k, (name, cat, share) in snapshot.items()
    ]


def read_back(store: Store, environment: str, run_id: int) -> set[tuple[Any, ...]]:
    table = FACT_TABLES["groups"]
    with store.session() as session:
        return {
            tuple(r) for r in session.execute(state_at(table, GROUPS.fields, environment, run_id))
        }


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=snapshots)
def test_every_run_reads_back_exactly(
    store: Store, history: list[dict[int, tuple[Any, ...]]]
) -> None:
    environment = f"E{next(_environments)}"
    table = FACT_TABLES["groups"]
    previous: int | None = None
    for run_id, snapshot in enumerate(history, start=1):
        with store.session() as session:
            before = _row_count(session, table, environment)
            changes = apply_snapshot(
                session,
                table,
                fields=GROUPS.fields,
                key=GROUPS.key,
                environment=environment,
                run_id=run_id,
                previous_run_id=previous,
                rows=as_rows(snapshot),
            )
            written = _row_count(session, table, environment) - before
        assert written == changes.added + changes.changed
        previous = run_id
    for run_id, snapshot in enumerate(history, start=1):
        assert read_back(store, environment, run_id) == {tuple(r) for r in as_rows(snapshot)}


def _row_count(session: Any, table: Any, environment: str) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(table).where(table.c.environment == environment)
        )
    )


def test_changes_are_counted_per_kind(store: Store) -> None:
    table = FACT_TABLES["memberships"]

    def apply(run_id: int, previous: int | None, pairs: set[tuple[int, int]]) -> Changes:
        with store.session() as session:
            return apply_snapshot(
                session,
                table,
                fields=MEMBERSHIPS.fields,
                key=MEMBERSHIPS.key,
                environment="PREPROD",
                run_id=run_id,
                previous_run_id=previous,
                rows=sorted(pairs),
            )

    assert apply(1, None, {(2, 1), (2, 7), (6, 1)}) == Changes(added=3)
    assert apply(2, 1, {(2, 1), (2, 7), (6, 1)}) == Changes()
    assert apply(3, 2, {(2, 1), (6, 1), (6, 23)}) == Changes(added=1, removed=1)
    with store.session() as session:
        rows = session.execute(
            select(
                table.c.user_id,
                table.c.group_id,
                table.c.first_seen_run_id,
                table.c.last_seen_run_id,
            ).order_by(table.c.id)
        ).all()
    # (2, 7) was last seen by run 2; the others stay alive; nothing was rewritten.
    assert [tuple(r) for r in rows] == [
        (2, 1, 1, None),
        (2, 7, 1, 2),
        (6, 1, 1, None),
        (6, 23, 3, None),
    ]


def test_bulk_insert_of_many_rows(store: Store) -> None:
    table = FACT_TABLES["memberships"]
    pairs = [(u, g) for u in range(1, 2001) for g in range(1, 11)]
    with store.session() as session:
        changes = apply_snapshot(
            session,
            table,
            fields=MEMBERSHIPS.fields,
            key=MEMBERSHIPS.key,
            environment="PROD",
            run_id=1,
            previous_run_id=None,
            rows=pairs,
        )
    assert changes == Changes(added=20_000)
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(table)) == 20_000
