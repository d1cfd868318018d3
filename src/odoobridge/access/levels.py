"""A user's level per application, the way Odoo's Access Rights tab shows it.

Odoo (16–18) lays the user form out per application category: when the category's groups form
a ladder — each implies the one below it, so they can be ordered by how many of the others they
imply — the form shows one selection ("Sales: User: Own Documents Only"); otherwise one checkbox
per group. Odoo 19 does the same per privilege. "User types" (Internal / Portal / Public) is a
selection although its groups imply nothing of each other. The level is the highest rung the
user holds, directly or through implied groups.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from odoobridge.access.runview import GroupInfo, RunView

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


def _sections(view: RunView) -> dict[str, list[GroupInfo]]:
    sections: dict[str, list[GroupInfo]] = defaultdict(list)
    for group in view.groups.values():
        if group.privilege is not None:
            sections[group.privilege].append(group)
        elif group.category is not None:
            sections[group.category].append(group)
    return sections


def _ladder(view: RunView, groups: list[GroupInfo]) -> list[GroupInfo] | None:
    """The groups lowest first when they form a ladder, else None."""
    ids = {g.odoo_id for g in groups}
    if {g.xml_id for g in groups} & USER_TYPE_GROUPS:
        return sorted(groups, key=lambda g: g.odoo_id)
    order = {g.odoo_id: len(view.closure(g.odoo_id) & ids) for g in groups}
    if len(groups) < 2 or len(set(order.values())) != len(groups):
        return None
    return sorted(groups, key=lambda g: order[g.odoo_id])


def application_levels(view: RunView, effective: set[int]) -> list[AppLevel]:
    """The levels for a user holding the groups ``effective`` (direct and implied)."""
    levels: list[AppLevel] = []
    for application, groups in sorted(_sections(view).items()):
        ladder = _ladder(view, groups)
        if ladder is not None:
            held = [g for g in ladder if g.odoo_id in effective]
            top = held[-1].name if held else None
            if top is None and len(ladder) > 1 and not any(g.share for g in ladder):
                levels.append(
                    AppLevel(application, "selection", None, tuple(g.name for g in ladder), ())
                )
                continue
            if top is not None:
                levels.append(
                    AppLevel(application, "selection", top, tuple(g.name for g in ladder), ())
                )
            continue
        held_names = tuple(sorted(g.name for g in groups if g.odoo_id in effective))
        if held_names:
            levels.append(AppLevel(application, "boolean", None, (), held_names))
    levels.sort(key=lambda lv: (lv.kind != "selection", lv.level is None, lv.application))
    return levels
