"""The stub Odoo's ORM: the model methods an integration calls, answered from a copy of a fixture
database the way Odoo 16–19 answer them.

- search / search_read / search_count / read: Odoo domains (``&``, ``|``, ``!``; ``=``, ``!=``,
  ``in``, ``not in``, ``like``, ``ilike``, ``not like``, ``not ilike``, ``=like``, ``=ilike``,
  ``<``, ``>``, ``<=``, ``>=``; dotted many2one paths; many2many ids) turned into SQL; archived
  records left out unless the domain names ``active`` or the context says ``active_test: False``;
  the model's default order from ``ir_model.order``; values as Odoo serialises them (many2one
  ``[id, display_name]``, empty ``False``, dates as strings, translated names in the context's
  language).
- create / write / unlink with Odoo's defaults, many2many commands and its errors
  (MissingError, the constraint messages of ValidationError).
- fields_get, check_access_rights, has_access, res.users.context_get and has_group.
- Access rights from ``ir_model_access`` for the user's groups (implied groups included), with
  Odoo's AccessError text. Record rules are not applied.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import psycopg

from tests.fakes.odoo_catalog import DEFAULTS, SELECTIONS, Field, Model
from tests.fakes.odoo_domain import Query, compile_domain, order_by

READ_OPS = {"search", "search_read", "search_count", "read", "name_search", "fields_get"}
VERBS = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}


class OdooFault(Exception):
    """An exception as Odoo raises it: ``kind`` is the class name (UserError, MissingError,
    ValidationError, AccessError, AccessDenied, ValueError …)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def missing(model: str, ids: list[int], uid: int) -> OdooFault:
    shown = f"({ids[0]},)" if len(ids) == 1 else "(" + ", ".join(map(str, ids)) + ")"
    return OdooFault(
        "MissingError",
        f"Record does not exist or has been deleted.\n(Record: {model}{shown}, User: {uid})",
    )


class Env:
    """One call's environment: a connection inside the call's transaction, the user, context."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        catalog: dict[str, Model],
        uid: int,
        context: dict[str, Any] | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.conn = conn
        self.catalog = catalog
        self.uid = uid
        self.context = dict(context or {})
        self.lang = str(self.context.get("lang") or "en_US")
        self.today = today or dt.datetime.now(dt.UTC).date()

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        cur = self.conn.execute(query, params)  # type: ignore[call-overload]
        return cur.fetchall() if cur.description else []

    def model(self, name: str) -> Model:
        if name not in self.catalog:
            raise OdooFault("UserError", f"Object {name} doesn't exist")
        return self.catalog[name]

    # --- dispatch ---------------------------------------------------------------------------

    def call(self, model_name: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        model = self.model(model_name)
        kwargs = dict(kwargs)
        self.context.update(kwargs.pop("context", None) or {})
        self.lang = str(self.context.get("lang") or "en_US")
        handler = getattr(self, f"_m_{method}", None)
        if method.startswith("_") or handler is None:
            raise OdooFault("AttributeError", f"The method '{model_name}.{method}' does not exist")
        try:
            return handler(model, *args, **kwargs)
        except TypeError as exc:
            raise OdooFault("TypeError", f"{method}() {exc}") from None

    # --- access rights ------------------------------------------------------------------------

    def groups(self) -> set[int]:
        rows = self.sql(
            """WITH RECURSIVE g(id) AS (SELECT gid FROM res_groups_users_rel WHERE uid = %s
               UNION SELECT r.hid FROM res_groups_implied_rel r JOIN g ON r.gid = g.id)
               SELECT id FROM g""",
            (self.uid,),
        )
        return {row[0] for row in rows}

    def allowed(self, model: Model, operation: str) -> bool:
        if self.uid == 1:
            return True
        perm = f"perm_{operation}"
        rows = self.sql(
            f"""SELECT a.group_id FROM ir_model_access a JOIN ir_model m ON m.id = a.model_id
                WHERE m.model = %s AND a.active AND a.{perm}""",
            (model.name,),
        )
        mine = self.groups()
        return any(group is None or group in mine for (group,) in rows)

    def check(self, model: Model, operation: str) -> None:
        if self.allowed(model, operation):
            return
        from tests.fakes.odoo_security import allowed_group_names

        names = allowed_group_names(self, model, f"perm_{operation}")
        allowed = (
            "This operation is allowed for the following groups:\n"
            + "\n".join(f"\t- {name}" for name in dict.fromkeys(names))
            if names
            else "No group currently allows this operation."
        )
        raise OdooFault(
            "AccessError",
            f"You are not allowed to {VERBS[operation]} '{model.description}' ({model.name}) "
            f"records.\n\n{allowed}\n\nContact your administrator to request access if necessary.",
        )

    # --- reading ------------------------------------------------------------------------------

    def search_ids(
        self,
        model: Model,
        domain: list[Any] | None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[int]:
        query = self.query(model, domain)
        sql = f"SELECT t.id FROM {model.table} t WHERE {query.where}"
        sql += f" ORDER BY {order_by(self, model, order or model.order)}"
        if limit:
            sql += f" LIMIT {int(limit)}"
        if offset:
            sql += f" OFFSET {int(offset)}"
        return [row[0] for row in self.sql(sql, query.params)]

    def query(self, model: Model, domain: list[Any] | None) -> Query:
        return compile_domain(self, model, list(domain or []))

    def _m_search(self, model: Model, domain: list[Any] | None = None, offset: int = 0,
                  limit: int | None = None, order: str | None = None,
                  count: bool = False) -> Any:  # fmt: skip
        self.check(model, "read")
        if count:
            return self._m_search_count(model, domain)
        return self.search_ids(model, domain, offset, limit, order)

    def _m_search_count(self, model: Model, domain: list[Any] | None = None,
                        limit: int | None = None) -> int:  # fmt: skip
        self.check(model, "read")
        query = self.query(model, domain)
        rows = self.sql(f"SELECT count(*) FROM {model.table} t WHERE {query.where}", query.params)
        count = int(rows[0][0])
        return min(count, limit) if limit else count

    def _m_search_read(self, model: Model, domain: list[Any] | None = None,
                       fields: list[str] | None = None, offset: int = 0,
                       limit: int | None = None, order: str | None = None,
                       **_: Any) -> list[dict[str, Any]]:  # fmt: skip
        self.check(model, "read")
        ids = self.search_ids(model, domain, offset, limit, order)
        return self.read_records(model, ids, fields) if ids else []

    def _m_read(self, model: Model, ids: Any = None, fields: list[str] | None = None,
                load: str = "_classic_read") -> list[dict[str, Any]]:  # fmt: skip
        self.check(model, "read")
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        return self.read_records(model, ids, fields)

    def read_records(
        self, model: Model, ids: list[int], fields: list[str] | None
    ) -> list[dict[str, Any]]:
        from tests.fakes.odoo_values import read_values

        names = list(fields) if fields else [
            name for name, f in model.fields.items() if f.column or f.m2m
        ]  # fmt: skip
        for name in names:
            if name not in model.fields and name != "id":
                raise OdooFault("ValueError", f"Invalid field {name!r} on model {model.name!r}")
        return read_values(self, model, ids, [n for n in names if n != "id"])

    def _m_fields_get(self, model: Model, allfields: list[str] | None = None,
                      attributes: list[str] | None = None) -> dict[str, Any]:  # fmt: skip
        return {
            name: f.describe(attributes)
            for name, f in model.fields.items()
            if not allfields or name in allfields
        }

    def _m_check_access_rights(self, model: Model, operation: str,
                               raise_exception: bool = True) -> bool:  # fmt: skip
        if raise_exception:
            self.check(model, operation)
            return True
        return self.allowed(model, operation)

    def _m_has_access(self, model: Model, ids: Any = None, operation: str = "read") -> bool:
        return self.allowed(model, operation)

    def _m_has_group(self, model: Model, ids: Any = None, group_ext_id: str = "") -> bool:
        from tests.fakes.odoo_security import has_group

        return has_group(self, ids, group_ext_id)

    def _m_context_get(self, model: Model) -> dict[str, Any]:
        rows = self.sql(
            "SELECT p.lang, p.tz FROM res_users u JOIN res_partner p ON p.id = u.partner_id "
            "WHERE u.id = %s",
            (self.uid,),
        )
        lang, tz = rows[0] if rows else ("en_US", None)
        return {"lang": lang or "en_US", "tz": tz or False, "uid": self.uid}

    # --- writing ------------------------------------------------------------------------------

    def _m_create(self, model: Model, vals_list: Any = None, **kwargs: Any) -> Any:
        from tests.fakes.odoo_values import create_record

        self.check(model, "create")
        single = isinstance(vals_list, dict)
        values = [vals_list] if single else list(vals_list or [])
        ids = [create_record(self, model, dict(v)) for v in values]
        return ids[0] if single else ids

    def _m_write(self, model: Model, ids: Any = None, vals: dict[str, Any] | None = None) -> bool:
        from tests.fakes.odoo_values import write_records

        self.check(model, "write")
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        self.existing(model, ids)
        write_records(self, model, ids, dict(vals or {}))
        return True

    def _m_unlink(self, model: Model, ids: Any = None) -> bool:
        self.check(model, "unlink")
        ids = [ids] if isinstance(ids, int) else list(ids or [])
        self.existing(model, ids)
        for _comodel, table, own, _other in (f.m2m for f in model.fields.values() if f.m2m):
            if table:
                self.sql(f"DELETE FROM {table} WHERE {own} = ANY(%s)", (ids,))
        self.sql(f"DELETE FROM {model.table} WHERE id = ANY(%s)", (ids,))
        return True

    def existing(self, model: Model, ids: list[int]) -> None:
        found = {row[0] for row in self.sql(
            f"SELECT id FROM {model.table} WHERE id = ANY(%s)", (ids,))}  # fmt: skip
        gone = [i for i in ids if i not in found]
        if gone:
            raise missing(model.name, gone, self.uid)


def plain(value: Any) -> Any:
    """A database value as Odoo serialises it (before the many2one/empty rules)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def selection_of(model: Model, field: Field) -> list[str] | None:
    return field.selection or SELECTIONS.get((model.name, field.name))


def defaults_of(model: Model) -> dict[str, Any]:
    return dict(DEFAULTS.get(model.name, {}))
