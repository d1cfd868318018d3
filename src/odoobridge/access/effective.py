"""Effective access: who holds which groups (over group inheritance), which CRUD rights follow
from ``ir.model.access`` and which record rules apply — each answer with the path that grants it.

Odoo's rule (``ir.model.access``): a user may perform an operation on a model if any active ACL
row of that model with the operation's flag either has no group (it applies to everyone) or has a
group the user holds. The groups a user holds are the closure of their memberships over
``res_groups_implied_rel``; Odoo 16–18 also store that closure, Odoo 19 stores only the direct
memberships, so the closure is always computed here. The superuser (``__system__``, id 1)
bypasses access rights in Odoo; it is reported like any other user, with its groups.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from odoobridge.access.snapshot import Snapshot, SnapshotCache, load_snapshot
from odoobridge.access.state import resolve_run
from odoobridge.errors import ConfigError
from odoobridge.settings import Environment
from odoobridge.sources.odoo_records import AclRecord, RuleRecord, UserRecord

PERMS = ("read", "write", "create", "unlink")


def check_perm(perm: str) -> str:
    if perm not in PERMS:
        raise ConfigError(f"unknown operation {perm!r}: use read, write, create or unlink")
    return perm


def acl_grants(acl: AclRecord, perm: str) -> bool:
    return bool(getattr(acl, f"perm_{perm}"))


def rule_applies_to(rule: RuleRecord, perm: str) -> bool:
    return bool(getattr(rule, f"perm_{perm}"))


@dataclass(frozen=True)
class GrantPath:
    """How a user comes to hold a group and, optionally, the ACL row that group grants.

    ``groups`` runs from a group the user holds in their own right to the granting group, each
    implying the next; ``acl`` is the ACL row (None for a group-only path); a global ACL row has
    an empty ``groups``."""

    groups: tuple[int, ...]
    acl: AclRecord | None = None

    def render(self, snap: Snapshot, user: UserRecord | None, perm: str | None = None) -> str:
        parts = [user.login] if user is not None else []
        for position, group_id in enumerate(self.groups):
            name = snap.group_name(group_id)
            parts.append(name if position == 0 else f"implies {name}")
        if self.acl is not None:
            scope = "global ACL" if self.acl.group_id is None else "ACL"
            parts.append(f"{scope} {self.acl.name} ({self.acl.model}{': ' + perm if perm else ''})")
        return " → ".join(parts)


@dataclass
class AccessIndex:
    """The closure and indexes of one snapshot; answers come from :mod:`access.answers`."""

    snap: Snapshot
    closure: dict[int, frozenset[int]] = field(default_factory=dict)
    effective: dict[int, frozenset[int]] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)
    acls_by_model: dict[str, list[AclRecord]] = field(default_factory=dict)
    acls_by_group: dict[int | None, list[AclRecord]] = field(default_factory=dict)
    rules_by_model: dict[str, list[RuleRecord]] = field(default_factory=dict)
    group_rights: dict[int, frozenset[tuple[str, str]]] = field(default_factory=dict)
    global_rights: frozenset[tuple[str, str]] = frozenset()
    _chains: dict[int, dict[int, int]] = field(default_factory=dict)

    # -- the closure -------------------------------------------------------------------------------
    def chain(self, start: int, target: int) -> tuple[int, ...]:
        """The shortest implication chain ``start → … → target`` (``(start,)`` when equal)."""
        if start == target:
            return (start,)
        previous = self._chains.get(start)
        if previous is None:
            previous = {}
            queue = deque([start])
            while queue:
                current = queue.popleft()
                for nxt in sorted(self.snap.implied.get(current, ())):
                    if nxt not in previous and nxt != start:
                        previous[nxt] = current
                        queue.append(nxt)
            self._chains[start] = previous
        if target not in previous:
            raise KeyError(target)
        path = [target]
        while path[-1] != start:
            path.append(previous[path[-1]])
        return tuple(reversed(path))

    def own_groups(self, user_id: int) -> list[int]:
        """The user's memberships that no other of their memberships implies: what an admin
        assigned (Odoo 16–18 also store the implied ones, which this leaves out)."""
        stored = self.snap.memberships.get(user_id, set())
        implied_by_others: set[int] = set()
        for group_id in stored:
            implied_by_others |= self.closure.get(group_id, frozenset())
        own = sorted(g for g in stored if g not in implied_by_others)
        # A cycle of implications leaves no root: fall back to every stored group.
        return own or sorted(stored)

    def path_to_group(self, user_id: int, group_id: int) -> tuple[int, ...]:
        """The shortest chain from one of the user's own groups to ``group_id``."""
        best: tuple[int, ...] | None = None
        for own in self.own_groups(user_id):
            if own == group_id or group_id in self.closure.get(own, frozenset()):
                candidate = self.chain(own, group_id)
                if best is None or len(candidate) < len(best):
                    best = candidate
        if best is None:
            raise KeyError(group_id)
        return best

    def holds(self, user_id: int, group_id: int) -> bool:
        return group_id in self.effective.get(user_id, frozenset())


def _closure(implied: dict[int, set[int]]) -> dict[int, frozenset[int]]:
    closure: dict[int, frozenset[int]] = {}

    def visit(group_id: int) -> frozenset[int]:
        if group_id in closure:
            return closure[group_id]
        seen: set[int] = set()
        stack = list(implied.get(group_id, ()))
        while stack:
            current = stack.pop()
            if current in seen or current == group_id:
                continue
            seen.add(current)
            stack.extend(implied.get(current, ()))
        closure[group_id] = frozenset(seen)
        return closure[group_id]

    for group_id in implied:
        visit(group_id)
    return closure


def build_index(snap: Snapshot) -> AccessIndex:
    """Compute the closure, every user's effective groups, group members and ACL indexes."""
    index = AccessIndex(snap=snap, closure=_closure(snap.implied))
    empty: frozenset[int] = frozenset()
    members: defaultdict[int, set[int]] = defaultdict(set)
    for user_id, stored in snap.memberships.items():
        effective = set(stored)
        for group_id in stored:
            effective |= index.closure.get(group_id, empty)
        index.effective[user_id] = frozenset(effective)
        for group_id in effective:
            members[group_id].add(user_id)
    index.members = dict(members)

    by_model: defaultdict[str, list[AclRecord]] = defaultdict(list)
    by_group: defaultdict[int | None, list[AclRecord]] = defaultdict(list)
    rights: defaultdict[int | None, set[tuple[str, str]]] = defaultdict(set)
    for acl in snap.acls:
        if not acl.active:
            continue
        by_model[acl.model].append(acl)
        by_group[acl.group_id].append(acl)
        for perm in PERMS:
            if acl_grants(acl, perm):
                rights[acl.group_id].add((acl.model, perm))
    index.acls_by_model = dict(by_model)
    index.acls_by_group = dict(by_group)
    index.global_rights = frozenset(rights.pop(None, set()))
    index.group_rights = {g: frozenset(r) for g, r in rights.items() if g is not None}

    rules: defaultdict[str, list[RuleRecord]] = defaultdict(list)
    for rule in snap.rules.values():
        if rule.active:
            rules[rule.model].append(rule)
    index.rules_by_model = dict(rules)
    return index


def rights_of(index: AccessIndex, user_id: int) -> set[tuple[str, str]]:
    """Every (model, operation) the user may perform, by ACL alone."""
    held = set(index.global_rights)
    empty: frozenset[tuple[str, str]] = frozenset()
    for group_id in index.effective.get(user_id, frozenset()):
        held |= index.group_rights.get(group_id, empty)
    return held


def rule_is_global(index: AccessIndex, rule: RuleRecord) -> bool:
    return rule.is_global or not index.snap.rule_groups.get(rule.odoo_id)


def rules_for(
    index: AccessIndex, user_id: int, model: str, perm: str | None = None
) -> list[RuleRecord]:
    """The active record rules on ``model`` that apply to the user (global ones and those of
    groups they hold), optionally only those restricting ``perm``."""
    held = index.effective.get(user_id, frozenset())
    applying = []
    for rule in index.rules_by_model.get(model, []):
        if perm is not None and not rule_applies_to(rule, perm):
            continue
        if rule_is_global(index, rule) or index.snap.rule_groups.get(rule.odoo_id, set()) & held:
            applying.append(rule)
    return sorted(applying, key=lambda r: r.odoo_id)


_CACHE = SnapshotCache()


def index_for(session: Session, environment: Environment, run_id: int | None = None) -> AccessIndex:
    """The access index of a run (default: the environment's latest), built once and cached."""
    run = resolve_run(session, environment, run_id)
    key = (
        f"{session.get_bind().engine.url}#{run.started_at.isoformat()}",
        environment.value,
        run.id,
    )
    index: AccessIndex | None = _CACHE.get(key)
    if index is None:
        index = build_index(load_snapshot(session, environment, run.id))
        _CACHE.put(key, index)
    return index
