"""Microsoft Graph user objects as plain records, and the checks that turn a page's JSON into them.

Graph's ``/users`` listing returns every ``$select``-ed property (``null`` when unset); a delta
round returns, per changed user, the selected properties (a property never set is left out), a
``manager@delta`` annotation when the manager changed, or an ``@removed`` object with a reason
(``changed``: soft-deleted, restorable for 30 days; ``deleted``: gone for good). See
https://learn.microsoft.com/graph/delta-query-overview.

A user without an ``id``, or with a property of the wrong JSON type, is a malformed answer
(:class:`GraphResponseError`); a selected property that is simply missing is taken as ``null``
and counted, so the sync can say how many answers lacked what.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from odoobridge.errors import SourceError


class GraphError(SourceError):
    """Base of every Microsoft Graph / identity platform failure (see ``sources.graph``)."""


class GraphResponseError(GraphError):
    """Graph answered something that is not what its documentation describes."""


# Graph property → store column, in the store's column order (``azure_id`` first).
USER_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("id", "azure_id"),
    ("displayName", "display_name"),
    ("mail", "mail"),
    ("userPrincipalName", "user_principal_name"),
    ("department", "department"),
    ("jobTitle", "job_title"),
    ("employeeId", "employee_id"),
    ("accountEnabled", "account_enabled"),
    ("lastPasswordChangeDateTime", "last_password_change"),
    ("userType", "user_type"),
)
# The $select of the issue, in Graph's spelling.
USER_SELECT = (
    "id,displayName,mail,userPrincipalName,department,jobTitle,accountEnabled,"
    "lastPasswordChangeDateTime,employeeId,userType"
)
_BOOLEAN = {"accountEnabled"}
_TIMESTAMP = {
    "lastPasswordChangeDateTime",
    "lastSignInDateTime",
    "lastNonInteractiveSignInDateTime",
}
REMOVED_REASONS = ("changed", "deleted")
_PROPERTY_NAMES = tuple(prop for prop, _column in USER_PROPERTIES)
_PROPERTY_SET = frozenset(_PROPERTY_NAMES)  # a listing item carries every one
_LISTED = len(_PROPERTY_NAMES)
_ENABLED = _PROPERTY_NAMES.index("accountEnabled")
_STAMP = _PROPERTY_NAMES.index("lastPasswordChangeDateTime")
# Every combination of JSON types a well-formed listing item may have, property by property
# (id: a string; accountEnabled: a boolean or null; the rest: a string or null).
_WELL_TYPED = frozenset(
    itertools.product(
        *(
            (str,) if i == 0 else (bool, type(None)) if i == _ENABLED else (str, type(None))
            for i in range(_LISTED)
        )
    )
)


class EntraUserRecord(NamedTuple):
    """One Entra user as Graph describes it now (``manager_id``: the manager's Entra id)."""

    azure_id: str
    display_name: str | None
    mail: str | None
    user_principal_name: str | None
    department: str | None
    job_title: str | None
    employee_id: str | None
    account_enabled: bool | None
    last_password_change: datetime | None
    user_type: str | None
    manager_id: str | None


class SignInRecord(NamedTuple):
    azure_id: str
    last_sign_in: datetime | None
    last_non_interactive_sign_in: datetime | None


UNCHANGED: Any = ...  # a delta answer that does not mention the manager leaves it as it was


@dataclass(frozen=True)
class DeltaUpdate:
    """A user created or changed since the delta link: the properties the answer holds (store
    column names) and the manager (an id, ``None`` when taken away, or ``UNCHANGED``)."""

    azure_id: str
    values: dict[str, Any]
    manager_id: Any


@dataclass(frozen=True)
class DeltaRemoval:
    azure_id: str
    reason: str  # "changed" (soft-deleted, restorable 30 days) or "deleted" (gone for good)


DeltaItem = DeltaUpdate | DeltaRemoval


def parse_timestamp(value: str) -> datetime:
    """Graph's ISO 8601 timestamps (``2024-01-02T03:04:05Z``) as aware UTC datetimes."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is UTC:  # Graph's usual "…Z"
        return parsed
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class PageReader:
    """Turns the ``value`` items of Graph's answers into records, counting missing properties."""

    def __init__(self) -> None:
        self.missing: Counter[str] = Counter()

    def _where(self, where: str, index: int) -> str:
        return f"{where}, item {index}"

    def _value(self, item: dict[str, Any], prop: str, where: str) -> Any:
        value = item.get(prop)
        if value is None:
            return None
        if prop in _BOOLEAN:
            if not isinstance(value, bool):
                raise GraphResponseError(
                    f"Graph answered {where} with {prop}={value!r}: not a boolean"
                )
            return value
        if not isinstance(value, str):
            raise GraphResponseError(f"Graph answered {where} with {prop}={value!r}: not a string")
        if prop in _TIMESTAMP:
            try:
                return parse_timestamp(value)
            except ValueError:
                raise GraphResponseError(
                    f"Graph answered {where} with {prop}={value!r}: not an ISO 8601 timestamp"
                ) from None
        return value

    def _id(self, item: Any, where: str) -> str:
        if not isinstance(item, dict):
            raise GraphResponseError(f"Graph answered {where} with {item!r}: not a JSON object")
        azure_id = item.get("id")
        if not isinstance(azure_id, str) or not azure_id:
            raise GraphResponseError(f"Graph answered {where} without a user id (field 'id')")
        return azure_id

    def user(self, item: Any, where: str) -> EntraUserRecord:
        """A ``/users`` listing item (``$select`` of :data:`USER_SELECT`, manager expanded)."""
        fast = self._fast(item)
        return fast if fast is not None else self._checked_user(item, where)

    def _fast(self, item: Any) -> EntraUserRecord | None:
        """The common case — every property present with its documented JSON type — in one
        pass without per-property calls; ``None`` sends the item through the naming checks."""
        if type(item) is not dict or not item.keys() >= _PROPERTY_SET:
            return None
        values = list(map(item.get, _PROPERTY_NAMES))
        if tuple(map(type, values)) not in _WELL_TYPED or not values[0]:
            return None
        stamp = values[_STAMP]
        if stamp is not None:
            try:
                values[_STAMP] = parse_timestamp(stamp)
            except ValueError:
                return None
        manager = item.get("manager")
        manager_id = manager.get("id") if type(manager) is dict else None
        values.append(manager_id if type(manager_id) is str else None)
        return EntraUserRecord._make(values)

    def _checked_user(self, item: Any, where: str) -> EntraUserRecord:
        azure_id = self._id(item, where)
        values: list[Any] = [azure_id]
        for prop, _column in USER_PROPERTIES[1:]:
            if prop not in item:
                self.missing[prop] += 1
            values.append(self._value(item, prop, where))
        manager = item.get("manager")
        manager_id = manager.get("id") if isinstance(manager, dict) else None
        values.append(manager_id if isinstance(manager_id, str) else None)
        return EntraUserRecord._make(values)

    def users(self, items: list[Any], where: str) -> list[EntraUserRecord]:
        fast = self._fast
        records: list[EntraUserRecord] = []
        for index, item in enumerate(items):
            record = fast(item)
            records.append(
                record if record is not None else self._checked_user(item, f"{where}, item {index}")
            )
        return records

    def delta_item(self, item: Any, where: str) -> DeltaItem:
        azure_id = self._id(item, where)
        removed = item.get("@removed")
        if removed is not None:
            reason = removed.get("reason") if isinstance(removed, dict) else None
            if reason not in REMOVED_REASONS:
                raise GraphResponseError(
                    f"Graph answered {where} with @removed={removed!r}: "
                    "the reason is neither 'changed' nor 'deleted'"
                )
            return DeltaRemoval(azure_id, reason)
        values = {
            column: self._value(item, prop, where)
            for prop, column in USER_PROPERTIES[1:]
            if prop in item
        }
        return DeltaUpdate(azure_id, values, _manager_from_delta(item, where))

    def delta_items(self, items: list[Any], where: str) -> list[DeltaItem]:
        return [self.delta_item(item, self._where(where, i)) for i, item in enumerate(items)]

    def sign_in(self, item: Any, where: str) -> SignInRecord:
        azure_id = self._id(item, where)
        activity = item.get("signInActivity")
        if activity is None:
            return SignInRecord(azure_id, None, None)
        if not isinstance(activity, dict):
            raise GraphResponseError(f"Graph answered {where} with signInActivity={activity!r}")
        return SignInRecord(
            azure_id,
            self._value(activity, "lastSignInDateTime", where),
            self._value(activity, "lastNonInteractiveSignInDateTime", where),
        )

    def sign_ins(self, items: list[Any], where: str) -> list[SignInRecord]:
        return [self.sign_in(item, self._where(where, i)) for i, item in enumerate(items)]


def _manager_from_delta(item: dict[str, Any], where: str) -> Any:
    """``manager@delta`` is a list of directory objects; an entry with ``@removed`` takes the
    manager away. No annotation means the manager did not change."""
    if "manager@delta" not in item:
        manager = item.get("manager")
        if isinstance(manager, dict) and isinstance(manager.get("id"), str):
            return manager["id"]
        return UNCHANGED
    entries = item["manager@delta"]
    if not isinstance(entries, list):
        raise GraphResponseError(f"Graph answered {where} with manager@delta={entries!r}")
    current: str | None = None
    for entry in entries:
        if not isinstance(entry, dict):
            raise GraphResponseError(f"Graph answered {where} with manager@delta={entries!r}")
        if "@removed" in entry:
            if entry.get("id") == current:
                current = None
            continue
        if isinstance(entry.get("id"), str):
            current = entry["id"]
    return current
