"""Consistency for the API source: Odoo's API reads each page in its own transaction, so a read
of many pages could mix two states of a group. After every page is read, the ids and
``write_date`` of users, groups, access rights and record rules are read again; whatever was
created, deleted or written since it was read is read again by id, and the check repeats until a
round finds nothing new (at most ``ODOOBRIDGE_ODOO_API_REREADS`` rounds of re-reading, else the
read fails and the store stays as it was).

Memberships are read from the users' side, but a group's members can be edited from the group
(``users`` / 19's ``user_ids``), which moves the group's ``write_date``, not its users': for each
re-read group, its members are read too and the users' group lists made to agree with them. A
deleted group leaves every list it was in, as Odoo's cascade does.

Limit: Odoo gives ``write_date`` to the second, so an edit in the same second as the re-read of
that record, after it, goes unseen until the next sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from odoobridge.sources.odoo_api_calls import ApiCaller, OdooApiUnsettled
from odoobridge.sources.odoo_api_reads import TRACKED, Raw, ReadPlan

STAMP_PAGE_FACTOR = 10  # stamps (id, write_date) are small: read 10 pages' worth per call


@dataclass
class Settled:
    rounds: int = 0  # rounds that re-read something
    reread: dict[str, int] = field(default_factory=dict)  # model → records read again or dropped

    def as_dict(self) -> dict[str, Any]:
        return {"retries": self.rounds, "reread": dict(self.reread)}


@dataclass
class Changes:
    changed: dict[str, list[int]] = field(default_factory=dict)  # new or written since read
    gone: dict[str, set[int]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(self.changed.values()) or any(self.gone.values())

    def describe(self) -> str:
        return ", ".join(
            f"{model} ({len(self.changed.get(model, [])) + len(self.gone.get(model, set()))})"
            for model in TRACKED
            if self.changed.get(model) or self.gone.get(model)
        )


def settle(
    caller: ApiCaller,
    plan: ReadPlan,
    raw: Raw,
    *,
    page_size: int,
    rereads: int,
    phase: Callable[[str], None] = lambda _name: None,
) -> Settled:
    """Re-read what changed while ``raw`` was read, until nothing did; updates ``raw``."""
    settled = Settled(reread={model: 0 for model in TRACKED})
    while True:
        phase("checking for changes made in Odoo during the read")
        changes = changes_since(caller, raw, page_size * STAMP_PAGE_FACTOR)
        if not changes:
            return settled
        if settled.rounds >= rereads:
            raise OdooApiUnsettled(
                f"Odoo kept changing during the read ({changes.describe()} still changed after "
                f"{rereads} re-read{'s' if rereads != 1 else ''}, ODOOBRIDGE_ODOO_API_REREADS): "
                "the store was not changed — run the sync when Odoo is quieter"
            )
        settled.rounds += 1
        phase(f"re-reading what changed during the read: {changes.describe()}")
        reread(caller, plan, raw, changes, page_size)
        for model in TRACKED:
            settled.reread[model] += len(changes.changed.get(model, [])) + len(
                changes.gone.get(model, set())
            )


def changes_since(caller: ApiCaller, raw: Raw, page_size: int) -> Changes:
    changes = Changes()
    for model in TRACKED:
        held = raw[model]
        stamps = {
            int(r["id"]): r["write_date"]
            for page in caller.pages(model, ["write_date"], page_size)
            for r in page
        }
        changes.changed[model] = sorted(
            i for i, stamp in stamps.items() if i not in held or held[i]["write_date"] != stamp
        )
        changes.gone[model] = set(held) - set(stamps)
    return changes


def reread(caller: ApiCaller, plan: ReadPlan, raw: Raw, changes: Changes, page_size: int) -> None:
    vanished: dict[str, set[int]] = {}
    for model in TRACKED:
        ids = changes.changed.get(model, [])
        returned = set()
        for record in caller.read(model, ids, plan.fields(model), page_size):
            raw[model][int(record["id"])] = record
            returned.add(int(record["id"]))
        # deleted since they were read, or between the stamps and this read
        vanished[model] = changes.gone.get(model, set()) | (set(ids) - returned)
        for i in vanished[model]:
            raw[model].pop(i, None)
    _forget_deleted_groups(plan, raw, vanished["res.groups"])
    groups = [g for g in changes.changed.get("res.groups", []) if g in raw["res.groups"]]
    if groups:
        members = {
            int(r["id"]): {int(u) for u in r[plan.members]}
            for r in caller.read("res.groups", groups, [plan.members], page_size)
        }
        _agree_with_members(plan, raw, members)


def _forget_deleted_groups(plan: ReadPlan, raw: Raw, gone: set[int]) -> None:
    if not gone:
        return
    field = plan.adapter.api_user_groups
    lists = [(r, field) for r in raw["res.users"].values()]
    lists += [(r, "implied_ids") for r in raw["res.groups"].values()]
    lists += [(r, "groups") for r in raw["ir.rule"].values()]
    for record, name in lists:
        record[name] = [g for g in record[name] if g not in gone]


def _agree_with_members(plan: ReadPlan, raw: Raw, members: dict[int, set[int]]) -> None:
    """Make each user's groups agree with the members just read of the re-read groups."""
    field = plan.adapter.api_user_groups
    for uid, user in raw["res.users"].items():
        held = [g for g in user[field] if g not in members]
        held += [g for g, users in members.items() if uid in users]
        user[field] = held
