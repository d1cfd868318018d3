"""History: what changed between any two runs, and the timeline of a user or a group.

Both are queries over the temporal rows: a row alive at run A and not at run B was removed or
replaced; a row alive at B and not at A was added or is the new version. Nothing is recomputed
from snapshots, so a diff costs one scan per table whatever the size of the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, or_, select
from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import PERMS, latest_snapshot
from odoobridge.access.analysis.snapshot import Snapshot
from odoobridge.access.analysis.state import resolve_run, table_of
from odoobridge.access.sync import SYNC_TYPE
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.sources.odoo_records import ENTITIES
from odoobridge.store.temporal import alive_at
from odoobridge.sync.models import RunStatus, SyncRun

GroupNames = Callable[[int], str]  # a group id → its full name


@dataclass
class TableDiff:
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(
        default_factory=list
    )  # {key…, "before", "after", "fields"}

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
        }


def _only_at(table: Table, environment: str, here: int, there: int) -> ColumnElement[bool]:
    """Rows alive at run ``here`` and not at run ``there``, in the form a scan checks fastest:
    a row that was alive at the earlier run and not at the later one ended in between; one alive
    at the later run and not at the earlier began in between."""
    c = table.c
    if here == there:
        return false()
    if here < there:
        return and_(
            c.environment == environment,
            c.first_seen_run_id <= here,
            c.last_seen_run_id >= here,
            c.last_seen_run_id < there,
        )
    return and_(
        c.environment == environment,
        c.first_seen_run_id > there,
        c.first_seen_run_id <= here,
        or_(c.last_seen_run_id.is_(None), c.last_seen_run_id >= here),
    )


def diff_table(
    session: Session,
    table: Table,
    fields: tuple[str, ...],
    key: tuple[str, ...],
    environment: str,
    run_a: int,
    run_b: int,
) -> TableDiff:
    """How ``table``'s facts of ``environment`` went from run ``run_a`` to run ``run_b``."""
    columns = [table.c[f] for f in fields]
    before = {
        tuple(row[: len(key)]): dict(zip(fields, row[len(key) :], strict=True))
        for row in session.execute(
            select(*(table.c[k] for k in key), *columns).where(
                _only_at(table, environment, run_a, run_b)
            )
        )
    }
    after = {
        tuple(row[: len(key)]): dict(zip(fields, row[len(key) :], strict=True))
        for row in session.execute(
            select(*(table.c[k] for k in key), *columns).where(
                _only_at(table, environment, run_b, run_a)
            )
        )
    }
    diff = TableDiff()
    for k in sorted(set(before) | set(after), key=str):
        old, new = before.get(k), after.get(k)
        if old is None and new is not None:
            diff.added.append(new)
        elif new is None and old is not None:
            diff.removed.append(old)
        elif old is not None and new is not None:
            changed = [f for f in fields if old[f] != new[f]]
            diff.changed.append(
                {**{kk: old[kk] for kk in key}, "fields": changed, "before": old, "after": new}
            )
    return diff


@dataclass
class RunDiff:
    environment: str
    run_a: int
    run_b: int
    entities: dict[str, TableDiff] = field(default_factory=dict)

    def counts(self) -> dict[str, dict[str, int]]:
        return {name: d.counts() for name, d in self.entities.items()}

    def changes(self) -> int:
        """How many facts were added, removed or changed in all."""
        return sum(sum(d.counts().values()) for d in self.entities.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "run_a": self.run_a,
            "run_b": self.run_b,
            "counts": self.counts(),
            "changes": self.changes(),
            "entities": {name: asdict(d) for name, d in self.entities.items()},
        }


def _names(
    session: Session, environment: Environment, runs: tuple[int, int]
) -> tuple[dict[int, str], dict[int, str]]:
    """Logins and group names as of either run, to label link changes."""
    users, groups = table_of("users"), table_of("groups")
    logins: dict[int, str] = {}
    names: dict[int, str] = {}
    for run_id in runs:
        for odoo_id, login in session.execute(
            select(users.c.odoo_id, users.c.login).where(alive_at(users, environment.value, run_id))
        ):
            logins.setdefault(odoo_id, login)
        for odoo_id, name in session.execute(
            select(groups.c.odoo_id, groups.c.name).where(
                alive_at(groups, environment.value, run_id)
            )
        ):
            names.setdefault(odoo_id, name)
    return logins, names


def diff_runs(session: Session, environment: Environment, run_a: int, run_b: int) -> RunDiff:
    """Every fact that differs between two Odoo runs of one environment, labelled: memberships
    granted/revoked with logins and group names, groups renamed, ACL and rule changes."""
    a = resolve_run(session, environment, run_a)
    b = resolve_run(session, environment, run_b)
    result = RunDiff(environment.value, a.id, b.id)
    for spec in ENTITIES:
        result.entities[spec.name] = diff_table(
            session, table_of(spec.name), spec.fields, spec.key, environment.value, a.id, b.id
        )
    logins, names = _names(session, environment, (b.id, a.id))
    for change in (*result.entities["memberships"].added, *result.entities["memberships"].removed):
        change["login"] = logins.get(change["user_id"])
        change["group"] = names.get(change["group_id"])
    for change in (
        *result.entities["implications"].added,
        *result.entities["implications"].removed,
    ):
        change["group"] = names.get(change["group_id"])
        change["implied_group"] = names.get(change["implied_group_id"])
    return result


# -- timelines -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    run_id: int
    at: datetime | None
    kind: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _runs(session: Session, environment: Environment) -> list[tuple[int, datetime | None]]:
    return [
        (r.id, r.completed_at)
        for r in session.scalars(
            select(SyncRun)
            .where(
                SyncRun.sync_type == SYNC_TYPE,
                SyncRun.environment == environment.value,
                SyncRun.status == RunStatus.SUCCESS,
            )
            .order_by(SyncRun.id)
        )
    ]


def _events_of(
    rows: list[tuple[Any, ...]], runs: list[tuple[int, datetime | None]], appeared: str, gone: str
) -> list[Event]:
    """Events from fact versions: (first_seen, last_seen, label) → appeared at first_seen (or
    "… (first sync)"), gone at the run after last_seen."""
    order = [r for r, _ in runs]
    when = dict(runs)
    events = []
    for first_seen, last_seen, label in rows:
        kind = appeared if first_seen != order[0] else f"{appeared} (first sync)"
        events.append(Event(first_seen, when.get(first_seen), kind, label))
        if last_seen is not None:
            later = [r for r in order if r > last_seen]
            if later:
                events.append(Event(later[0], when.get(later[0]), gone, label))
    return events


def _changes_of(
    versions: list[dict[str, Any]],
    runs: list[tuple[int, datetime | None]],
    fields: dict[str, str],
    what: str,
    gone: str,
) -> list[Event]:
    """One record's versions as events: found, each change as "field: before → after" (one
    event, not an end and a start), and gone when its last version ended."""
    order = [r for r, _ in runs]
    when = dict(runs)
    events: list[Event] = []
    previous: dict[str, Any] | None = None
    for version in sorted(versions, key=lambda v: v["first_seen_run_id"]):
        run = version["first_seen_run_id"]
        if previous is None or previous["last_seen_run_id"] is None:
            kind = f"{what} (first sync)" if run == order[0] else what
            events.append(Event(run, when.get(run), kind, _described(version, fields)))
        else:
            changed = [
                f"{label}: {_shown(previous[f])} → {_shown(version[f])}"
                for f, label in fields.items()
                if previous[f] != version[f]
            ]
            events.append(Event(run, when.get(run), "changed", "; ".join(changed) or "changed"))
        previous = version
    if previous is not None and previous["last_seen_run_id"] is not None:
        later = [r for r in order if r > previous["last_seen_run_id"]]
        if later:
            events.append(Event(later[0], when.get(later[0]), gone, _described(previous, fields)))
    return events


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "—" if value is None else str(value)


def _described(row: dict[str, Any], fields: dict[str, str]) -> str:
    return ", ".join(f"{label} {_shown(row[f])}" for f, label in fields.items())


def _versions(
    session: Session, table: Table, environment: Environment, *where: Any
) -> list[dict[str, Any]]:
    query = select(table).where(table.c.environment == environment.value, *where)
    return [dict(row) for row in session.execute(query.order_by(table.c.id)).mappings()]


def _acl_label(row: dict[str, Any]) -> str:
    flags = ", ".join("delete" if p == "unlink" else p for p in PERMS if row[f"perm_{p}"])
    return f"{row['name']} on {row['model']}: {flags or 'nothing'}" + (
        "" if row["active"] else " (inactive)"
    )


USER_FIELDS = {
    "login": "login",
    "name": "name",
    "email": "e-mail",
    "active": "active",
    "share": "portal",
}


def group_names(session: Session, environment: Environment, snap: Snapshot | None) -> GroupNames:
    """Groups by their full name as the run ``snap`` has them ("Sales / Administrator"); a group
    that run no longer has, by its last stored name."""
    stored = {v["odoo_id"]: v["name"] for v in _versions(session, table_of("groups"), environment)}

    def name(group_id: int) -> str:
        if snap is not None and group_id in snap.groups:
            return snap.group_name(group_id)
        return (
            f"{stored.get(group_id, group_id)} (deleted since)"
            if snap
            else str(stored.get(group_id, group_id))
        )

    return name


def user_timeline(
    session: Session, environment: Environment, odoo_user_id: int, snap: Snapshot | None = None
) -> list[Event]:
    """The user's account (found, each change, gone) and groups (granted, removed), run by run;
    groups by their full name in the run ``snap`` (default: as stored)."""
    runs = _runs(session, environment)
    if not runs:
        return []
    names = group_names(session, environment, snap)
    users, memberships = table_of("users"), table_of("memberships")
    events = _changes_of(
        _versions(session, users, environment, users.c.odoo_id == odoo_user_id),
        runs,
        USER_FIELDS,
        "account found",
        "account deleted in Odoo",
    )
    events += _events_of(
        [
            (m["first_seen_run_id"], m["last_seen_run_id"], names(m["group_id"]))
            for m in _versions(
                session, memberships, environment, memberships.c.user_id == odoo_user_id
            )
        ],
        runs,
        "granted",
        "removed",
    )
    return sorted(events, key=_in_order)


def group_timeline(
    session: Session, environment: Environment, group_id: int, snap: Snapshot | None = None
) -> list[Event]:
    """The group's name, members, implications and ACL rows, run by run."""
    runs = _runs(session, environment)
    if not runs:
        return []
    names = group_names(session, environment, snap)
    groups, memberships = table_of("groups"), table_of("memberships")
    implications, acls, users = table_of("implications"), table_of("acls"), table_of("users")
    logins = {v["odoo_id"]: v["login"] for v in _versions(session, users, environment)}

    def spans(table: Table, column: str, value: int, label: Any) -> list[tuple[Any, ...]]:
        return [
            (r["first_seen_run_id"], r["last_seen_run_id"], label(r))
            for r in _versions(session, table, environment, table.c[column] == value)
        ]

    events = _changes_of(
        _versions(session, groups, environment, groups.c.odoo_id == group_id),
        runs,
        {"name": "name", "share": "portal"},
        "group found",
        "group deleted in Odoo",
    )
    events += _events_of(
        spans(
            memberships, "group_id", group_id, lambda r: logins.get(r["user_id"], str(r["user_id"]))
        ),
        runs,
        "member added",
        "member removed",
    )
    events += _events_of(
        spans(implications, "group_id", group_id, lambda r: names(r["implied_group_id"])),
        runs,
        "now implies",
        "no longer implies",
    )
    events += _events_of(
        spans(acls, "group_id", group_id, _acl_label), runs, "ACL row added", "ACL row removed"
    )
    return sorted(events, key=_in_order)


def _in_order(event: Event) -> tuple[int, int, str, str]:
    """Run by run; within a run the record itself (found, changed) before what hangs on it."""
    first = event.kind.startswith(("account found", "group found", "changed"))
    return (event.run_id, 0 if first else 1, event.kind, event.detail)


def timeline_answer(
    session: Session,
    environment: Environment,
    *,
    user_id: int | None = None,
    group_id: int | None = None,
) -> dict[str, Any]:
    """A user's or a group's timeline (one of them) as the API and the MCP server answer it."""
    if (user_id is None) == (group_id is None):
        raise ConfigError("give user_id or group_id (one of them)")
    snap = latest_snapshot(session, environment)
    events = (
        user_timeline(session, environment, user_id, snap)
        if user_id is not None
        else group_timeline(session, environment, group_id or 0, snap)
    )
    return {"environment": environment.value, "events": [e.as_dict() for e in events]}
