"""Merge & Compare: match Entra users to Odoo users and report what does not line up.

Matching is by address, case-insensitively: an Odoo user's login and e-mail against an Entra
user's mail, UPN and (for guests) the home address inside the ``#EXT#`` UPN; an optional mapping
file (ODOOBRIDGE_IDENTITY_MAP: ``odoo login: entra UPN, mail or object id``) settles the rest.

Categories, most severe first: ``leaver`` (Entra account disabled or removed, Odoo user active),
``share_internal`` (a portal/public user holding internal groups), ``orphan`` (an active internal
Odoo user without an Entra account), ``department_mismatch`` (Entra department differs from the
Odoo employee's, or lacks a group the department is expected to hold), ``entra_only`` (an enabled
Entra user without an Odoo user).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from odoobridge.access.analysis.effective import AccessIndex, GrantPath
from odoobridge.directory.state import EntraUser, match_keys
from odoobridge.errors import ConfigError
from odoobridge.sources.odoo_records import UserRecord

CATEGORIES = ("leaver", "share_internal", "orphan", "department_mismatch", "entra_only")
SEVERITY = {
    "leaver": "critical",
    "share_internal": "high",
    "orphan": "high",
    "department_mismatch": "low",
    "entra_only": "info",
}


def load_mapping(path: Path | None, what: str, setting: str) -> dict[str, Any]:
    """A small YAML mapping file, validated as a mapping of strings."""
    if path is None:
        return {}
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{setting} {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise ConfigError(
            f"{setting} {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise ConfigError(f"{setting} {path} must map each {what}")
    return raw


@dataclass
class Matching:
    by_odoo: dict[int, EntraUser] = field(default_factory=dict)
    how: dict[int, str] = field(default_factory=dict)
    matched_entra: set[str] = field(default_factory=set)
    ambiguous: list[str] = field(default_factory=list)


def _prefer(candidates: list[EntraUser]) -> EntraUser | None:
    """One user among several sharing an address: the one still present, if unique."""
    present = [c for c in candidates if c.present]
    if len(present) == 1:
        return present[0]
    return candidates[0] if len(candidates) == 1 else None


def match_accounts(
    users: dict[int, UserRecord], entra: list[EntraUser], overrides: dict[str, Any]
) -> Matching:
    """Pair Odoo users with Entra users; see the module docstring for the rules."""
    by_key: defaultdict[str, list[EntraUser]] = defaultdict(list)
    by_id = {e.azure_id.lower(): e for e in entra}
    for person in entra:
        for key in match_keys(person):
            by_key[key].append(person)
    mapping = {str(k).strip().lower(): str(v).strip().lower() for k, v in overrides.items()}
    result = Matching()
    for user in sorted(users.values(), key=lambda u: u.odoo_id):
        chosen: EntraUser | None = None
        how = ""
        target = mapping.get(user.login.lower())
        if target is not None:
            chosen = by_id.get(target) or _prefer(by_key.get(target, []))
            how = "mapping"
        else:
            for how_name, value in (("login", user.login), ("email", user.email)):
                key = (value or "").strip().lower()
                if not key or key not in by_key:
                    continue
                chosen = _prefer(by_key[key])
                if chosen is None:
                    result.ambiguous.append(f"{user.login}: {key} matches several Entra users")
                how = how_name
                break
        if chosen is not None:
            result.by_odoo[user.odoo_id] = chosen
            result.how[user.odoo_id] = how
            result.matched_entra.add(chosen.azure_id)
    return result


@dataclass(frozen=True)
class Item:
    category: str
    severity: str
    odoo_user_id: int | None
    login: str | None
    azure_id: str | None
    entra_name: str | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _item(category: str, user: UserRecord | None, person: EntraUser | None, detail: str) -> Item:
    return Item(
        category=category,
        severity=SEVERITY[category],
        odoo_user_id=user.odoo_id if user else None,
        login=user.login if user else None,
        azure_id=person.azure_id if person else None,
        entra_name=(person.display_name or person.user_principal_name) if person else None,
        detail=detail,
    )


def internal_groups(index: AccessIndex) -> set[int]:
    """The internal-user group and every group that implies it."""
    internal = index.snap.base_group("base.group_user")
    if internal is None:
        return set()
    return {internal} | {g for g, reach in index.closure.items() if internal in reach}


def compare(
    index: AccessIndex,
    entra: list[EntraUser],
    *,
    identity_map: dict[str, Any] | None = None,
    department_groups: dict[str, Any] | None = None,
) -> list[Item]:
    """Every mismatch between the Odoo run behind ``index`` and the Entra users."""
    snap = index.snap
    matching = match_accounts(snap.users, entra, identity_map or {})
    items: list[Item] = []
    internal = internal_groups(index)
    expected = {str(k).strip().lower(): v for k, v in (department_groups or {}).items()}
    for user in sorted(snap.users.values(), key=lambda u: u.login.lower()):
        person = matching.by_odoo.get(user.odoo_id)
        if (
            user.active
            and person is not None
            and (not person.present or person.account_enabled is False)
        ):
            state = (
                f"removed from Entra ({person.removed_reason}) on {person.removed_at:%Y-%m-%d}"
                if not person.present and person.removed_at
                else "disabled in Entra"
            )
            items.append(_item("leaver", user, person, f"{state}; still active in Odoo"))
        if user.active and user.share:
            held = sorted(index.effective.get(user.odoo_id, frozenset()) & internal)
            if held:
                path = GrantPath(index.path_to_group(user.odoo_id, held[0])).render(snap, user)
                items.append(
                    _item(
                        "share_internal",
                        user,
                        person,
                        f"portal user holding internal groups: {path}",
                    )
                )
        if user.active and not user.share and person is None:
            items.append(
                _item("orphan", user, None, "no Entra account matches its login or e-mail")
            )
        if person is not None and user.active:
            items.extend(_department_items(index, user, person, expected))
    for person in entra:
        if (
            person.present
            and person.account_enabled is not False
            and person.azure_id not in matching.matched_entra
        ):
            where = person.department or "no department"
            items.append(_item("entra_only", None, person, f"no Odoo user ({where})"))
    return sorted(
        items, key=lambda i: (CATEGORIES.index(i.category), i.login or "", i.azure_id or "")
    )


def _department_items(
    index: AccessIndex, user: UserRecord, person: EntraUser, expected: dict[str, Any]
) -> list[Item]:
    snap = index.snap
    items = []
    employee = snap.employees.get(user.odoo_id)
    entra_dept = (person.department or "").strip()
    odoo_dept = (employee.department_name or "").strip() if employee else ""
    if entra_dept and odoo_dept and entra_dept.lower() != odoo_dept.lower():
        items.append(
            _item(
                "department_mismatch",
                user,
                person,
                f"Entra: {entra_dept}; Odoo employee: {odoo_dept}",
            )
        )
    refs = expected.get(entra_dept.lower(), []) if entra_dept else []
    for ref in [refs] if isinstance(refs, str) else refs:
        if not isinstance(ref, str):
            raise ConfigError(
                f"ODOOBRIDGE_DEPARTMENT_GROUPS lists {ref!r} for {entra_dept}: give group names "
                "or external ids, and quote group names that contain ': '"
            )
        group_id = snap.group_by_ref(ref)
        if group_id is None:
            raise ConfigError(
                f"ODOOBRIDGE_DEPARTMENT_GROUPS names group {ref!r}, "
                f"unknown in {snap.environment.label}"
            )
        if not index.holds(user.odoo_id, group_id):
            detail = f"{entra_dept} is expected to hold {snap.group_name(group_id)}"
            items.append(
                _item("department_mismatch", user, person, f"{detail}; {user.login} does not")
            )
    return items
