"""What every sales answer shares: the rows of an entity a person sees, names for ids, paging,
sorting and searching — all as of the CRM state the :class:`~.visibility.Visibility` reads."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, DateTime, Table, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import UnaryExpression

from odoobridge.errors import Unprocessable
from odoobridge.sales.fieldmaps import MODEL_OF, alive
from odoobridge.sales.models import FACT_TABLES
from odoobridge.sales.visibility import Visibility, cached
from odoobridge.store.base import UTCDateTime

MAX_LIMIT = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT or self.offset < 0:
            raise Unprocessable(f"limit: 1 to {MAX_LIMIT}; offset: 0 or more")


def table(entity: str) -> Table:
    return FACT_TABLES[entity]


def rows(vis: Visibility, entity: str) -> ColumnElement[bool]:
    """The rows of ``entity`` in the state ``vis`` reads (not filtered for the person)."""
    return alive(table(entity), vis.environment, vis.run_id)


def seen(vis: Visibility, entity: str) -> ColumnElement[bool]:
    """The rows of ``entity`` the person may read."""
    return and_(rows(vis, entity), vis.where(MODEL_OF[entity]))


def names(
    session: Session, vis: Visibility, entity: str, ids: Iterable[int | None], column: str = "name"
) -> dict[int, Any]:
    """``odoo_id → column`` for the given ids (reference data: names of stages, users …)."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    t = table(entity)
    found: dict[int, Any] = {}
    for start in range(0, len(wanted), 1000):
        query = select(t.c.odoo_id, t.c[column]).where(
            rows(vis, entity), t.c.odoo_id.in_(wanted[start : start + 1000])
        )
        found.update({row[0]: row[1] for row in session.execute(query)})
    return found


def ref(odoo_id: int | None, found: dict[int, Any]) -> dict[str, Any] | None:
    return None if odoo_id is None else {"id": odoo_id, "name": found.get(odoo_id)}


def won_stages(session: Session, vis: Visibility) -> list[int]:
    t = table("stages")
    query = select(t.c.odoo_id).where(rows(vis, "stages"), t.c.is_won.is_(True))
    return sorted(session.scalars(query))


def order_by(t: Table, sort: str, allowed: Sequence[str]) -> list[UnaryExpression[Any]]:
    """``name`` / ``-expected_revenue`` → ORDER BY (ties broken by id). Empty values sort as the
    engine puts them (PostgreSQL: last ascending, first descending), so an index on the alive
    rows serves the order both ways."""
    descending = sort.startswith("-")
    name = sort.lstrip("-+")
    if name not in allowed:
        raise Unprocessable(f"sort: use one of {', '.join(allowed)} (prefix - for descending)")
    column = t.c[name]
    if descending:
        return [column.desc(), t.c.odoo_id.desc()]
    return [column.asc(), t.c.odoo_id.asc()]


def contains(columns: Sequence[Any], text: str) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text``, ignoring case (LIKE wildcards taken literally)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(func.lower(c).like(pattern, escape="\\") for c in columns))


def today() -> date:
    return datetime.now(UTC).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def within(column: Any, start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    """``column`` (a date or datetime) between two days, both included."""
    conditions: list[ColumnElement[bool]] = []
    is_datetime = isinstance(column.type, UTCDateTime | DateTime)
    if start is not None:
        conditions.append(column >= (day_start(start) if is_datetime else start))
    if end is not None:
        if is_datetime:
            conditions.append(column < day_start(end + timedelta(days=1)))
        else:
            conditions.append(column <= end)
    return conditions


def iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def count(session: Session, query: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def remembered(vis: Visibility, what: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per person's view and ``what`` (the answer cannot change until a new
    sync run: the view's key names the runs it reads)."""
    if vis.key is None:
        return build()
    return cached((what, vis.key), build)
