"""A user's level per application, the way Odoo's Access Rights tab shows it.

Odoo (16–18) lays the user form out per application category: when the category's groups form
a ladder — each implies the one below it, so they can be ordered by how many of the others they
imply — the form shows one selection ("Sales: User: Own Documents Only"); otherwise one checkbox
per group. Odoo 19 does the same per privilege. "User types" (Internal / Portal / Public) is a
selection although its groups imply nothing of each other. The level is the highest rung the
user holds, directly or through implied groups.

This is the one implementation: the user page shows it, and the CLI and the API
(``answers.user_access``) list the applications where the user holds something
(:meth:`AppLevel.as_dict`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from odoobridge.access.analysis.effective import AccessIndex

USER_TYPE_GROUPS = {"base.group_user", "base.group_portal", "base.group_public"}


@dataclass(frozen=True)
class AppLevel:
    application: str
    kind: str  # "selection" or "boolean"
    level: str | None  # selection: the rung held (None: no access)
    ladder: tuple[str, ...]  # selection: every rung, lowest first
    held: tuple[str, ...]  # boolean: the groups held

    @property
    def text(self) -> str:
        if self.kind == "selection":
            return f"{self.application}: {self.level or 'No access'}"
        return f"{self.application}: {', '.join(self.held)}"

    @property
    def holds(self) -> tuple[str, ...]:
        """The names of the groups held in this application (none: no access)."""
        if self.kind == "selection":
            return (self.level,) if self.level else ()
        return self.held

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the API and the CLI: ``{"application": …, "levels": […]}``."""
        return {"application": self.application, "levels": list(self.holds)}


def _sections(index: AccessIndex) -> dict[str, list[int]]:
    """The groups of each application section (privilege on Odoo 19, else category)."""
    sections: dict[str, list[int]] = defaultdict(list)
    for group_id in index.snap.groups:
        application = index.snap.application(group_id)
        if application is not None:
            sections[application].append(group_id)
    return sections


def _ladder(index: AccessIndex, groups: list[int]) -> list[int] | None:
    """The groups lowest first when they form a ladder, else None."""
    snap = index.snap
    if {snap.xml_id("res.groups", g) for g in groups} & USER_TYPE_GROUPS:
        return sorted(groups)
    ids = set(groups)
    empty: frozenset[int] = frozenset()
    order = {g: len(index.closure.get(g, empty) & ids) for g in groups}
    if len(groups) < 2 or len(set(order.values())) != len(groups):
        return None
    return sorted(groups, key=lambda g: order[g])


def application_levels(index: AccessIndex, user_id: int) -> list[AppLevel]:
    """The levels of a user, by the groups they hold in effect (direct and implied)."""
    snap = index.snap
    effective = index.effective.get(user_id, frozenset())
    levels: list[AppLevel] = []
    for application, groups in sorted(_sections(index).items()):
        ladder = _ladder(index, groups)
        if ladder is not None:
            names = tuple(snap.groups[g].name for g in ladder)
            held = [g for g in ladder if g in effective]
            if held:
                top = snap.groups[held[-1]].name
                levels.append(AppLevel(application, "selection", top, names, ()))
            elif len(ladder) > 1 and not any(snap.groups[g].share for g in ladder):
                levels.append(AppLevel(application, "selection", None, names, ()))
            continue
        held_names = tuple(sorted(snap.groups[g].name for g in groups if g in effective))
        if held_names:
            levels.append(AppLevel(application, "boolean", None, (), held_names))
    levels.sort(key=lambda lv: (lv.kind != "selection", lv.level is None, lv.application))
    return levels
