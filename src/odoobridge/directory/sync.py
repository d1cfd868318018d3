"""The ``azure_users`` sync: Entra users from Microsoft Graph (or a mock file) into the store.

One run at a time (lock ``azure_users:-``; the runs have no environment). The source is read
first, outside any store transaction; then the users, the sign-in activity and the new delta link
are written in one transaction that also marks the run successful — a failed run changes nothing
and the last good state stays.

A user who disappears is never deleted: a new version of their row says why (``removed_reason``
``missing`` after a full listing without them, ``changed``/``deleted`` from a delta's
``@removed``) and when (``removed_at``). A user who comes back gets a version without it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from odoobridge.directory.models import (
    ENTRA_ENVIRONMENT,
    REMOVED_MISSING,
    SIGN_IN_FIELDS,
    SIGN_INS_TABLE,
    SYNC_TYPE,
    USER_FIELDS,
    USERS_TABLE,
    EntraDeltaLink,
)
from odoobridge.directory.reading import (
    DELTA_QUERY,
    DirectorySource,
    Reading,
    SavedLink,
    open_source,
    read_directory,
)
from odoobridge.settings import Settings
from odoobridge.sources.graph_records import UNCHANGED, DeltaRemoval
from odoobridge.store.engine import Store
from odoobridge.store.temporal import alive_now, apply_changes, apply_snapshot
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import ProgressListener, RunHandle, get_run, start_run

__all__ = ["SYNC_TYPE", "saved_delta_link", "sync_azure"]

Row = tuple[Any, ...]
_CHUNK = 5_000  # ids per IN (...) look-up
_ID = 0
_ENABLED = USER_FIELDS.index("account_enabled")
_MANAGER = USER_FIELDS.index("manager_id")
_REASON = USER_FIELDS.index("removed_reason")
_REMOVED_AT = USER_FIELDS.index("removed_at")


def sync_azure(
    store: Store,
    settings: Settings,
    *,
    full: bool = False,
    triggered_by: str = "cli",
    listeners: list[ProgressListener] | None = None,
    source: DirectorySource | None = None,
) -> SyncRun:
    """Run one ``azure_users`` sync (delta when possible, full when asked or needed)."""
    source = source if source is not None else open_source(settings)
    try:
        with start_run(
            store,
            SYNC_TYPE,
            None,
            settings=settings,
            triggered_by=triggered_by,
            listeners=listeners,
        ) as run:
            started = time.monotonic()
            with store.session() as session:
                saved = saved_delta_link(session, run.previous_success)
            reading = read_directory(source, settings, saved, full=full, progress=run.progress)
            _write(store, run, reading, time.monotonic() - started)
    finally:
        source.close()
    with store.session() as session:
        return get_run(session, run.id)


def saved_delta_link(session: Session, run: SyncRun | None) -> SavedLink | None:
    """The delta link the successful run ``run`` left, if any."""
    if run is None:
        return None
    row = session.get(EntraDeltaLink, run.id)
    if row is None:
        return None
    return SavedLink(row.delta_link, row.obtained_at, row.query)


@dataclass
class _Tally:
    added: int = 0
    changed: int = 0
    disabled: int = 0
    removed: int = 0
    restored: int = 0
    removed_by_reason: dict[str, int] = field(default_factory=dict)
    removed_unknown: int = 0

    def count(self, before: Row | None, after: Row) -> None:
        newly_disabled = before is None or before[_ENABLED] is not False
        if after[_ENABLED] is False and after[_REASON] is None and newly_disabled:
            self.disabled += 1
        if before is None:
            self.added += 1
        elif before[_REASON] is None and after[_REASON] is not None:
            self.removed += 1
            reason = str(after[_REASON])
            self.removed_by_reason[reason] = self.removed_by_reason.get(reason, 0) + 1
        elif before[_REASON] is not None and after[_REASON] is None:
            self.restored += 1
        else:
            self.changed += 1


def _alive_users(session: Session, ids: Iterable[str] | None = None) -> dict[str, tuple[int, Row]]:
    """Alive user rows (row id and values) by azure_id: all of them, or those of ``ids``."""
    columns = [USERS_TABLE.c.id, *(USERS_TABLE.c[f] for f in USER_FIELDS)]
    where = alive_now(USERS_TABLE, ENTRA_ENVIRONMENT)
    if ids is None:
        rows = session.execute(select(*columns).where(where))
        return {row[1]: (row[0], tuple(row[1:])) for row in rows}
    wanted = list(ids)
    found: dict[str, tuple[int, Row]] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = select(*columns).where(
            where, USERS_TABLE.c.azure_id.in_(wanted[start : start + _CHUNK])
        )
        found.update((row[1], (row[0], tuple(row[1:]))) for row in session.execute(query))
    return found


Alive = dict[str, tuple[int, Row]]


def _full_state(alive: Alive, reading: Reading) -> dict[str, Row]:
    state: dict[str, Row] = {}
    for user in reading.users:
        state[user.azure_id] = (*user, None, None)
    for azure_id, (_row_id, row) in alive.items():
        if azure_id in state:
            continue
        if row[_REASON] is None:
            row = (*row[:_REASON], REMOVED_MISSING, reading.at)
        state[azure_id] = row
    return state


def _delta_state(alive: Alive, reading: Reading, tally: _Tally) -> dict[str, Row]:
    state = {azure_id: row for azure_id, (_row_id, row) in alive.items()}
    for change in reading.changes:
        current = state.get(change.azure_id)
        if isinstance(change, DeltaRemoval):
            if current is None:
                tally.removed_unknown += 1  # never seen by us: nothing to mark
            elif current[_REASON] != change.reason:
                state[change.azure_id] = (*current[:_REASON], change.reason, reading.at)
            continue
        base = list(current) if current is not None else [None] * len(USER_FIELDS)
        base[_ID] = change.azure_id
        for column, value in change.values.items():
            base[USER_FIELDS.index(column)] = value
        if change.manager_id is not UNCHANGED:
            base[_MANAGER] = change.manager_id
        base[_REASON] = None
        base[_REMOVED_AT] = None
        state[change.azure_id] = tuple(base)
    return state


def _listing_digest(reading: Reading) -> str | None:
    """A digest of a full listing, so an identical one is recognised without reading the
    store (the previous full run's state is then exactly what this run would write)."""
    if reading.mode != "full":
        return None
    digest = hashlib.blake2b(digest_size=20)
    for user in sorted(reading.users):
        digest.update(repr(user).encode())
    return digest.hexdigest()


def _write_users(session: Session, run: RunHandle, reading: Reading, tally: _Tally) -> None:
    ids = None if reading.mode == "full" else {c.azure_id for c in reading.changes}
    alive = _alive_users(session, ids)
    state = (
        _full_state(alive, reading)
        if reading.mode == "full"
        else _delta_state(alive, reading, tally)
    )
    to_write: list[Row] = []
    for azure_id, row in state.items():
        found = alive.get(azure_id)
        before = found[1] if found is not None else None
        if before != row:
            tally.count(before, row)
            to_write.append(row)
    del state
    apply_changes(
        session,
        USERS_TABLE,
        fields=USER_FIELDS,
        key=("azure_id",),
        environment=ENTRA_ENVIRONMENT,
        run_id=run.id,
        previous_run_id=run.previous_success.id if run.previous_success is not None else None,
        rows=to_write,
        alive=alive,
    )


def _counts(session: Session, previous: SyncRun | None, tally: _Tally) -> tuple[int, int]:
    """Users present in Entra and users kept as removed, after this run's writes: the previous
    run's figures moved by what this run wrote (every version written was tallied), or a count
    of the table when there is nothing to start from."""
    before = previous.stats if previous is not None else {}
    if isinstance(before.get("users"), int) and isinstance(before.get("removed_total"), int):
        present = before["users"] + tally.added + tally.restored - tally.removed
        removed = before["removed_total"] + tally.removed - tally.restored
        return present, removed
    flag = USERS_TABLE.c.removed_reason.is_(None)
    query = (
        select(flag, func.count()).where(alive_now(USERS_TABLE, ENTRA_ENVIRONMENT)).group_by(flag)
    )
    counts = {bool(is_present): int(n) for is_present, n in session.execute(query)}
    return counts.get(True, 0), counts.get(False, 0)


def _link_fingerprint(link: str) -> str:
    return hashlib.sha256(link.encode()).hexdigest()[:12]


def _write(store: Store, run: RunHandle, reading: Reading, read_seconds: float) -> None:
    run.progress.phase("writing")
    started = time.monotonic()
    previous_run_id = run.previous_success.id if run.previous_success is not None else None
    tally = _Tally()
    digest = _listing_digest(reading)
    previous_digest = (
        (run.previous_success.digests or {}).get("users") if run.previous_success else None
    )
    with run.progress.unsaved(), store.write_session() as session:
        if digest is None or digest != previous_digest:
            _write_users(session, run, reading, tally)
        sign_ins = _write_sign_ins(session, run.id, previous_run_id, reading)
        link = _write_delta_link(session, run.id, reading)
        present, removed_total = _counts(session, run.previous_success, tally)
        stats: dict[str, Any] = {
            "mode": reading.mode,
            "source": reading.source,
            "fetched": reading.fetched,
            "users": present,
            "removed_total": removed_total,
            "added": tally.added,
            "changed": tally.changed,
            "disabled": tally.disabled,
            "removed": tally.removed,
            "restored": tally.restored,
            "removed_by_reason": tally.removed_by_reason,
            "removed_unknown": tally.removed_unknown,
            **reading.source_stats,
            "full_reason": reading.full_reason,
            "delta_fallback": reading.delta_fallback,
            "delta_link": link,
            "missing_fields": reading.missing_fields,
            "sign_ins": sign_ins,
            "seconds": {
                "read": round(read_seconds, 3),
                "write": round(time.monotonic() - started, 3),
            },
        }
        run.succeed(session, stats, {"users": digest} if digest else {})


def _write_sign_ins(
    session: Session, run_id: int, previous_run_id: int | None, reading: Reading
) -> dict[str, Any]:
    if reading.sign_ins is None:
        return {"read": False, "warning": reading.sign_in_warning}
    rows = [
        tuple(record)
        for record in reading.sign_ins
        if record.last_sign_in is not None or record.last_non_interactive_sign_in is not None
    ]
    changes = apply_snapshot(
        session,
        SIGN_INS_TABLE,
        fields=SIGN_IN_FIELDS,
        key=("azure_id",),
        environment=ENTRA_ENVIRONMENT,
        run_id=run_id,
        previous_run_id=previous_run_id,
        rows=rows,
    )
    return {"read": True, "fetched": len(reading.sign_ins), "with_activity": len(rows)} | (
        changes.as_dict()
    )


def _write_delta_link(session: Session, run_id: int, reading: Reading) -> dict[str, Any] | None:
    """Keep only this run's link (the only one a later run may use)."""
    session.execute(delete(EntraDeltaLink))
    if reading.delta_link is None or reading.delta_link_obtained_at is None:
        return None
    obtained: datetime = reading.delta_link_obtained_at
    session.add(
        EntraDeltaLink(
            run_id=run_id, delta_link=reading.delta_link, obtained_at=obtained, query=DELTA_QUERY
        )
    )
    return {
        "obtained_at": obtained.isoformat(timespec="seconds"),
        "fingerprint": _link_fingerprint(reading.delta_link),
    }
