"""Effective access: who holds which groups (over group inheritance), which CRUD rights follow
from ``ir.model.access`` and which record rules apply — each answer with the path that grants it.

Odoo's rule (``ir.model.access``): a user may perform an operation on a model if any active ACL
row of that model with the operation's flag either has no group (it applies to everyone) or has a
group the user holds. The groups a user holds are the closure of their memberships over
``res_groups_implied_rel``; Odoo 16–18 also store that closure, Odoo 19 stores only the direct
memberships, so the closure is always computed here. The superuser (``__system__``, id 1)
bypasses access rights in Odoo; it is reported like any other user, with its groups.

The index keeps, for every group and every (model, operation), the set of users as a bitset over
users in login order, so "who can X on M" is one lookup, the full users × rights matrix is a few
thousand integers, and any page of holders comes out already sorted.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.orm import Session

from odoobridge.access.analysis.snapshot import Snapshot, load_snapshot
from odoobridge.access.analysis.state import resolve_run
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError, NotFound
from odoobridge.runcache import RunCache
from odoobridge.sources.odoo_records import AclRecord, RuleRecord, UserRecord

PERMS = ("read", "write", "create", "unlink")
STORES_CLOSURE_UP_TO = 18  # Odoo 19 stopped storing implied memberships
Right = tuple[str, str]  # (model, operation)


def check_perm(perm: str) -> str:
    """An operation as Odoo names it; "delete" (what pages and people say) is unlink."""
    perm = "unlink" if perm == "delete" else perm
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
        parts.append(self.tail(snap, perm))
        return " → ".join(p for p in parts if p)

    def tail(self, snap: Snapshot, perm: str | None = None) -> str:
        """The path without the user: "Sales / Administrator → implies … → ACL x (m: p)"."""
        parts = []
        for position, group_id in enumerate(self.groups):
            name = snap.group_name(group_id)
            parts.append(name if position == 0 else f"implies {name}")
        if self.acl is not None:
            scope = "global ACL" if self.acl.group_id is None else "ACL"
            parts.append(f"{scope} {self.acl.name} ({self.acl.model}{': ' + perm if perm else ''})")
        return " → ".join(parts)


def bits_of(bitset: int) -> Iterator[int]:
    """The positions of the set bits, lowest first."""
    while bitset:
        low = bitset & -bitset
        yield low.bit_length() - 1
        bitset ^= low


@dataclass
class AccessIndex:
    """The closure and indexes of one snapshot; answers come from :mod:`access.answers`."""

    snap: Snapshot
    closure: dict[int, frozenset[int]] = field(default_factory=dict)
    implied_by: dict[int, frozenset[int]] = field(default_factory=dict)  # inverse of closure
    effective: dict[int, frozenset[int]] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)  # user ids by login
    position: dict[int, int] = field(default_factory=dict)  # user id → bit
    group_bits: dict[int, int] = field(default_factory=dict)  # holders of each group
    right_bits: dict[Right, int] = field(default_factory=dict)  # holders of each right
    group_rights: dict[int, frozenset[Right]] = field(default_factory=dict)
    global_rights: frozenset[Right] = frozenset()
    active_bits: int = 0
    internal_bits: int = 0  # active, not portal/public
    acls_by_model: dict[str, list[AclRecord]] = field(default_factory=dict)
    acls_by_group: dict[int | None, list[AclRecord]] = field(default_factory=dict)
    rules_by_model: dict[str, list[RuleRecord]] = field(default_factory=dict)
    _chains: dict[int, dict[int, int]] = field(default_factory=dict)
    _own: dict[int, list[int]] = field(default_factory=dict)
    _tails: dict[tuple[tuple[int, ...], int | None, str | None], str] = field(default_factory=dict)

    # -- users as bits --------------------------------------------------------------------------
    def users_in(self, bitset: int) -> Iterator[int]:
        """User ids of a bitset, in login order."""
        for bit in bits_of(bitset):
            yield self.order[bit]

    def members(self, group_id: int) -> list[int]:
        return list(self.users_in(self.group_bits.get(group_id, 0)))

    def holds(self, user_id: int, group_id: int) -> bool:
        return group_id in self.effective.get(user_id, frozenset())

    def may(self, user_id: int, model: str, perm: str) -> bool:
        return bool(self.right_bits.get((model, perm), 0) >> self.position[user_id] & 1)

    # -- paths ----------------------------------------------------------------------------------
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

    @property
    def stored_memberships(self) -> Literal["closure", "assigned"] | None:
        """What Odoo's ``res_groups_users_rel`` holds: the closure over implications (16–18),
        only what an admin assigned (19 and later), or None when the version is unknown."""
        major = self.snap.odoo_major
        if major is None:
            return None
        return "closure" if major <= STORES_CLOSURE_UP_TO else "assigned"

    def own_groups(self, user_id: int) -> list[int]:
        """What an admin assigned: on Odoo 19 every stored membership; on 16–18, which also
        store the implied ones, the memberships no other of the user's memberships implies."""
        own = self._own.get(user_id)
        if own is None:
            stored = self.snap.memberships.get(user_id, set())
            if self.stored_memberships == "assigned":
                own = sorted(stored)
            else:
                empty: frozenset[int] = frozenset()
                own = sorted(g for g in stored if self.implied_by.get(g, empty).isdisjoint(stored))
                # A cycle of implications leaves no root: fall back to every stored group.
                own = own or sorted(stored)
            self._own[user_id] = own
        return own

    def path_to_group(self, user_id: int, group_id: int) -> tuple[int, ...]:
        """The shortest chain from one of the user's own groups to ``group_id``."""
        stored = self.snap.memberships.get(user_id, set())
        empty: frozenset[int] = frozenset()
        reaching = (self.implied_by.get(group_id, empty) | {group_id}) & stored
        if self.stored_memberships == "assigned":  # each one was assigned: start from any
            starts = sorted(reaching)
        else:
            starts = [g for g in reaching if self.implied_by.get(g, empty).isdisjoint(stored)]
        best: tuple[int, ...] | None = None
        for start in sorted(starts or reaching):  # a cycle leaves no root: any start will do
            candidate = self.chain(start, group_id)
            if best is None or len(candidate) < len(best):
                best = candidate
        if best is None:
            raise KeyError(group_id)
        return best

    def tail(self, groups: tuple[int, ...], acl: AclRecord | None, perm: str | None) -> str:
        key = (groups, acl.odoo_id if acl else None, perm)
        text = self._tails.get(key)
        if text is None:
            text = GrantPath(groups, acl).tail(self.snap, perm)
            self._tails[key] = text
        return text

    def paths(self, user: UserRecord, acls: list[AclRecord], perm: str) -> list[str]:
        """Every way the ACL rows grant ``perm`` to the user, shortest first."""
        found: set[tuple[int, str]] = set()
        for acl in acls:
            if acl.group_id is None:
                groups: tuple[int, ...] = ()
            elif self.holds(user.odoo_id, acl.group_id):
                groups = self.path_to_group(user.odoo_id, acl.group_id)
            else:
                continue
            found.add((len(groups), f"{user.login} → {self.tail(groups, acl, perm)}"))
        return [text for _, text in sorted(found)]

    def group_path(self, user: UserRecord, group_id: int) -> str:
        return f"{user.login} → {self.tail(self.path_to_group(user.odoo_id, group_id), None, None)}"


def _closure(implied: dict[int, set[int]]) -> dict[int, frozenset[int]]:
    closure: dict[int, frozenset[int]] = {}
    for group_id in implied:
        seen: set[int] = set()
        stack = list(implied.get(group_id, ()))
        while stack:
            current = stack.pop()
            if current in seen or current == group_id:
                continue
            seen.add(current)
            stack.extend(implied.get(current, ()))
        closure[group_id] = frozenset(seen)
    return closure


def _bitset(positions: list[int], size: int) -> int:
    buffer = bytearray((size + 7) // 8)
    for bit in positions:
        buffer[bit >> 3] |= 1 << (bit & 7)
    return int.from_bytes(buffer, "little")


def build_index(snap: Snapshot) -> AccessIndex:
    """Compute the closure, every user's effective groups and the users × rights matrix."""
    index = AccessIndex(snap=snap, closure=_closure(snap.implied))
    inverse: defaultdict[int, set[int]] = defaultdict(set)
    for group_id, reached in index.closure.items():
        for implied in reached:
            inverse[implied].add(group_id)
    index.implied_by = {g: frozenset(by) for g, by in inverse.items()}
    index.order = sorted(snap.users, key=lambda u: (snap.users[u].login.lower(), u))
    index.position = {user_id: bit for bit, user_id in enumerate(index.order)}
    size = len(index.order)
    empty: frozenset[int] = frozenset()
    holders: defaultdict[int, list[int]] = defaultdict(list)
    for user_id, stored in snap.memberships.items():
        bit = index.position.get(user_id)
        if bit is None:
            continue  # memberships of a user Odoo deleted
        effective = set(stored)
        for group_id in stored:
            effective |= index.closure.get(group_id, empty)
        index.effective[user_id] = frozenset(effective)
        for group_id in effective:
            holders[group_id].append(bit)
    index.group_bits = {g: _bitset(bits, size) for g, bits in holders.items()}
    users = snap.users
    index.active_bits = _bitset([b for b, u in enumerate(index.order) if users[u].active], size)
    index.internal_bits = _bitset(
        [b for b, u in enumerate(index.order) if users[u].active and not users[u].share], size
    )

    everyone = (1 << size) - 1
    by_model: defaultdict[str, list[AclRecord]] = defaultdict(list)
    by_group: defaultdict[int | None, list[AclRecord]] = defaultdict(list)
    rights: defaultdict[Right, int] = defaultdict(int)
    per_group: defaultdict[int | None, set[Right]] = defaultdict(set)
    for acl in snap.acls:
        if not acl.active:
            continue
        by_model[acl.model].append(acl)
        by_group[acl.group_id].append(acl)
        granted = everyone if acl.group_id is None else index.group_bits.get(acl.group_id, 0)
        for perm in PERMS:
            if acl_grants(acl, perm):
                rights[(acl.model, perm)] |= granted
                per_group[acl.group_id].add((acl.model, perm))
    index.acls_by_model = dict(by_model)
    index.acls_by_group = dict(by_group)
    index.right_bits = dict(rights)
    index.global_rights = frozenset(per_group.pop(None, set()))
    index.group_rights = {g: frozenset(r) for g, r in per_group.items() if g is not None}

    rules: defaultdict[str, list[RuleRecord]] = defaultdict(list)
    for rule in snap.rules.values():
        if rule.active:
            rules[rule.model].append(rule)
    index.rules_by_model = dict(rules)
    return index


def rights_of(index: AccessIndex, user_id: int) -> set[Right]:
    """Every (model, operation) the user may perform, by ACL alone."""
    held = set(index.global_rights)
    empty: frozenset[Right] = frozenset()
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


# (store, run started at) → index; a run's facts never change once it succeeded
_INDEXES: RunCache[tuple[str, str, int], AccessIndex] = RunCache(size=4)


def index_for(session: Session, environment: Environment, run_id: int | None = None) -> AccessIndex:
    """The access index of a run (default: the environment's latest), built once and cached."""
    run = resolve_run(session, environment, run_id)
    key = (
        f"{session.get_bind().engine.url}#{run.started_at.isoformat()}",
        environment.value,
        run.id,
    )
    return _INDEXES.get(key, lambda: build_index(load_snapshot(session, environment, run.id)))


def latest_snapshot(session: Session, environment: Environment) -> Snapshot | None:
    """The environment's latest successful run, or None before its first sync."""
    try:
        return index_for(session, environment).snap
    except NotFound:
        return None


def reference(ref: str) -> str | int:
    """A user or group reference as given: an id when it is ASCII digits, else a name."""
    ref = ref.strip()
    return int(ref) if ref.isascii() and ref.isdigit() and len(ref) < 19 else ref
