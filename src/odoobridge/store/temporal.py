"""Temporal rows: write a source's snapshot as the changes since the last run, read any run back.

A fact row lives from ``first_seen_run_id`` to ``last_seen_run_id`` (NULL while alive). Applying
a snapshot compares it with the alive rows of the same environment:

- a new key is inserted with ``first_seen_run_id = run``;
- a key whose values changed gets its alive row closed and a new version inserted;
- a key the snapshot lacks gets its alive row closed (``last_seen_run_id = previous run``).

Nothing else is written, so a run without changes writes nothing here. ``apply_changes`` does the
same for only the keys a source says changed (a delta). ``state_at`` reads the rows alive at any
run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, or_, select, tuple_, update
from sqlalchemy.orm import Session

from odoobridge.store.base import UTCDateTime

_CHUNK = 5_000


@dataclass(frozen=True)
class Changes:
    added: int = 0
    changed: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"added": self.added, "changed": self.changed, "removed": self.removed}


def alive_at(table: Table, environment: str, run_id: int) -> ColumnElement[bool]:
    """Rows of ``environment`` alive at run ``run_id``."""
    c = table.c
    return and_(
        c.environment == environment,
        c.first_seen_run_id <= run_id,
        or_(c.last_seen_run_id.is_(None), c.last_seen_run_id >= run_id),
    )


def alive_now(table: Table, environment: str) -> ColumnElement[bool]:
    return and_(table.c.environment == environment, table.c.last_seen_run_id.is_(None))


def state_at(table: Table, fields: Sequence[str], environment: str, run_id: int) -> Select[Any]:
    """``SELECT fields FROM table`` as of run ``run_id``."""
    return select(*(table.c[f] for f in fields)).where(alive_at(table, environment, run_id))


def _naive_utc(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        return value
    return (value - offset).replace(tzinfo=None)


def _bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    stamped = [i for i, col in enumerate(columns) if isinstance(table.c[col].type, UTCDateTime)]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        if stamped:
            rows = [_convert(row, stamped, _naive_utc) for row in rows]
        driver = connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    if stamped:
        rows = [_convert(row, stamped, _sqlite_timestamp) for row in rows]
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})",
        rows,
    )


def _sqlite_timestamp(value: datetime) -> str:
    # The text form SQLAlchemy's DateTime uses on SQLite, so typed reads parse it back.
    return _naive_utc(value).isoformat(sep=" ", timespec="microseconds")


def _convert(row: tuple[Any, ...], positions: list[int], fn: Any) -> tuple[Any, ...]:
    out = list(row)
    for i in positions:
        if out[i] is not None:
            out[i] = fn(out[i])
    return tuple(out)


def _close(session: Session, table: Table, ids: list[int], last_seen_run_id: int) -> None:
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(
            update(table).where(table.c.id.in_(chunk)).values(last_seen_run_id=last_seen_run_id)
        )


def apply_snapshot(
    session: Session,
    table: Table,
    *,
    fields: Sequence[str],
    key: Sequence[str],
    environment: str,
    run_id: int,
    previous_run_id: int | None,
    rows: Sequence[tuple[Any, ...]],
) -> Changes:
    """Make the alive rows of ``environment`` equal ``rows`` (tuples in ``fields`` order, keys
    unique)."""
    alive = session.execute(
        select(table.c.id, *(table.c[f] for f in fields)).where(alive_now(table, environment))
    ).all()
    if not alive:  # a first sync: everything is new
        _insert(session, table, fields, environment, run_id, rows)
        return Changes(added=len(rows))

    key_of = itemgetter(*[list(fields).index(k) for k in key])
    incoming = {key_of(row): row for row in rows}
    to_close: list[int] = []
    to_insert: list[tuple[Any, ...]] = []
    changed = 0
    seen: set[Any] = set()
    for row_id, *values in alive:
        current = tuple(values)
        k = key_of(current)
        new = incoming.get(k)
        if new is None:
            to_close.append(row_id)
            continue
        seen.add(k)
        if new != current:
            to_close.append(row_id)
            to_insert.append(new)
            changed += 1
    removed = len(to_close) - changed
    added = [row for k, row in incoming.items() if k not in seen]
    if to_close:
        if previous_run_id is None:
            raise RuntimeError(f"{table.name}: alive rows in {environment} but no previous run")
        _close(session, table, to_close, previous_run_id)
    _insert(session, table, fields, environment, run_id, [*to_insert, *added])
    return Changes(added=len(added), changed=changed, removed=removed)


def _insert(
    session: Session,
    table: Table,
    fields: Sequence[str],
    environment: str,
    run_id: int,
    rows: Sequence[tuple[Any, ...]],
) -> None:
    columns = [*fields, "environment", "first_seen_run_id"]
    _bulk_insert(session, table, columns, [(*row, environment, run_id) for row in rows])


def apply_changes(
    session: Session,
    table: Table,
    *,
    fields: Sequence[str],
    key: Sequence[str],
    environment: str,
    run_id: int,
    previous_run_id: int | None,
    rows: Iterable[tuple[Any, ...]],
    alive: Mapping[Any, tuple[int, tuple[Any, ...]]] | None = None,
) -> Changes:
    """Write ``rows`` — the complete new state of some keys — as changes; every other alive row
    is left alone. For sources that report what changed (a delta) rather than a snapshot; the
    cost follows the number of rows given, not the size of the table. ``alive`` (key → row id
    and values) spares the look-up when the caller has read the alive rows already."""
    key_of = itemgetter(*[list(fields).index(k) for k in key])
    incoming = {key_of(row): row for row in rows}
    if not incoming:
        return Changes()
    if alive is None:
        alive = _alive_by_key(session, table, fields, key, environment, list(incoming))
    to_close: list[int] = []
    changed = 0
    for k in list(incoming):
        found = alive.get(k)
        if found is None:
            continue
        row_id, current = found
        if incoming[k] != current:
            to_close.append(row_id)
            changed += 1
        else:
            del incoming[k]
    if to_close:
        if previous_run_id is None:
            raise RuntimeError(f"{table.name}: alive rows in {environment} but no previous run")
        _close(session, table, to_close, previous_run_id)
    _insert(session, table, fields, environment, run_id, list(incoming.values()))
    return Changes(added=len(incoming) - changed, changed=changed, removed=0)


def _alive_by_key(
    session: Session,
    table: Table,
    fields: Sequence[str],
    key: Sequence[str],
    environment: str,
    keys: list[Any],
) -> dict[Any, tuple[int, tuple[Any, ...]]]:
    key_of = itemgetter(*[list(fields).index(k) for k in key])
    key_columns = [table.c[k] for k in key]
    match = key_columns[0] if len(key) == 1 else tuple_(*key_columns)
    found: dict[Any, tuple[int, tuple[Any, ...]]] = {}
    for start in range(0, len(keys), _CHUNK):
        query = select(table.c.id, *(table.c[f] for f in fields)).where(
            alive_now(table, environment), match.in_(keys[start : start + _CHUNK])
        )
        for row_id, *values in session.execute(query):
            current = tuple(values)
            found[key_of(current)] = (row_id, current)
    return found
