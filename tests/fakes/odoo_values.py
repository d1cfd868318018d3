"""Values in and out of the stub Odoo: how records read (display names, many2one pairs,
x2many id lists ordered like the comodel, computed fields, ``False`` for empty) and how
create/write store them (defaults, many2many commands, translated names, Odoo's constraint
errors), plus Odoo's pbkdf2-sha512 password hashes (passlib's format)."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import json
import os
from typing import TYPE_CHECKING, Any

from tests.fakes.odoo_catalog import Field, Model
from tests.fakes.odoo_domain import order_terms

if TYPE_CHECKING:
    from tests.fakes.odoo_orm import Env

ROUNDS = 600_000


# --- passwords (passlib's pbkdf2_sha512: $pbkdf2-sha512$rounds$salt$checksum, "ab64") -------


def _ab64_decode(text: str) -> bytes:
    text = text.replace(".", "+")
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _ab64_encode(data: bytes) -> str:
    return base64.b64encode(data).decode().rstrip("=").replace("+", ".")


def hash_password(password: str, rounds: int = ROUNDS) -> str:
    salt = os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return f"$pbkdf2-sha512${rounds}${_ab64_encode(salt)}${_ab64_encode(digest)}"


@functools.lru_cache(maxsize=256)  # 600,000 rounds: each check of the fixture's hashes once
def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("$pbkdf2-sha512$"):
        return False
    _, _, rounds, salt, checksum = stored.split("$")
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), _ab64_decode(salt), int(rounds))
    return hmac.compare_digest(digest, _ab64_decode(checksum))


# --- display names ----------------------------------------------------------------------------


def display_sql(env: Env, model: Model, alias: str) -> tuple[str, list[Any]]:
    """An SQL expression giving the display name of ``alias``'s row."""
    from tests.fakes import odoo_security

    security = odoo_security.display_sql(env, model, alias)  # groups, departments
    if security is not None:
        return security
    name = model.fields.get("name")
    if model.name == "res.partner":
        return f"COALESCE({alias}.{partner_full_name(model)}, {alias}.name)", []
    if model.name == "res.users":
        return f"(SELECT p.name FROM res_partner p WHERE p.id = {alias}.partner_id)", []
    if model.name == "mail.activity":
        return (
            f"COALESCE({alias}.summary, (SELECT COALESCE(y.name->>%s, y.name->>'en_US') "
            f"FROM mail_activity_type y WHERE y.id = {alias}.activity_type_id))",
            [env.lang],
        )
    if model.name == "ir.model.data":
        return f"{alias}.module || '.' || {alias}.name", []
    if name is not None and name.column:
        if name.translate:
            return f"COALESCE({alias}.name->>%s, {alias}.name->>'en_US')", [env.lang]
        return f"{alias}.name", []
    return f"'{model.name},' || {alias}.id", []


def partner_full_name(model: Model) -> str:
    """The stored "Company, Contact" column: complete_name (17+) or display_name (16)."""
    return "complete_name" if "complete_name" in model.fields else "display_name"


def display_names(env: Env, comodel: str, ids: set[int]) -> dict[int, str]:
    if not ids or comodel not in env.catalog:
        return {}
    model = env.catalog[comodel]
    expression, params = display_sql(env, model, "t")
    rows = env.sql(
        f"SELECT t.id, {expression} FROM {model.table} t WHERE t.id = ANY(%s)",
        [*params, list(ids)],
    )
    return {row[0]: row[1] or "" for row in rows}


# --- reading ----------------------------------------------------------------------------------


def _empty(f: Field) -> Any:
    if f.type == "integer":
        return 0
    if f.type in {"float", "monetary"}:
        return 0.0
    return False


def read_values(env: Env, model: Model, ids: list[int], names: list[str]) -> list[dict[str, Any]]:
    from tests.fakes.odoo_orm import plain

    stored = [n for n in names if model.fields[n].column]
    columns = "".join(f', t."{n}"' for n in stored)
    rows = env.sql(f"SELECT t.id{columns} FROM {model.table} t WHERE t.id = ANY(%s)", (ids,))
    by_id = {row[0]: dict(zip(stored, row[1:], strict=True)) for row in rows}
    present = [i for i in dict.fromkeys(ids) if i in by_id]
    records = {i: {"id": i} for i in present}
    for name in names:
        f = model.fields[name]
        values = _field_values(env, model, f, present, by_id)
        for i in present:
            value = values.get(i)
            if f.translate and isinstance(value, dict):
                value = (
                    value.get(env.lang) or value.get("en_US") or next(iter(value.values()), None)
                )
            value = plain(value)
            records[i][name] = _empty(f) if value is None else value
    return [records[i] for i in present]


def _field_values(
    env: Env, model: Model, f: Field, ids: list[int], rows: dict[int, dict[str, Any]]
) -> dict[int, Any]:
    if f.column and f.type == "many2one":
        targets = {rows[i][f.name] for i in ids if rows[i][f.name]}
        names = display_names(env, f.relation or "", targets)
        return {
            i: [rows[i][f.name], names.get(rows[i][f.name], "")] if rows[i][f.name] else False
            for i in ids
        }
    if f.column:
        return {i: rows[i][f.name] for i in ids}
    if f.m2m or f.o2m:
        return _x2many(env, f, ids)
    return _computed(env, model, f, ids)


def _x2many(env: Env, f: Field, ids: list[int]) -> dict[int, Any]:
    found: dict[int, list[int]] = {i: [] for i in ids}
    comodel = env.catalog.get(f.relation or "")
    if comodel is None or (f.m2m and not f.m2m[1]):
        return found
    order = ", ".join(f"{e} {d}" for e, d in order_terms(env, comodel, comodel.order, "c"))
    # archived ones are left out, unless the call's context says active_test: False (Odoo's
    # x2many fields read them all and filter on the context when the value is read)
    keep_all = env.context.get("active_test", True) is False
    active = " AND c.active" if comodel.has_active and not keep_all else ""
    if f.m2m:
        _c, table, own, other = f.m2m
        sql = (f"SELECT r.{own}, c.id FROM {table} r JOIN {comodel.table} c ON c.id = r.{other} "
               f"WHERE r.{own} = ANY(%s){active} ORDER BY {order}, c.id")  # fmt: skip
    else:
        assert f.o2m
        sql = (f"SELECT c.{f.o2m[1]}, c.id FROM {comodel.table} c WHERE c.{f.o2m[1]} = ANY(%s)"
               f"{active} ORDER BY {order}")  # fmt: skip
    for owner, target in env.sql(sql, (ids,)):
        found[owner].append(target)
    return found


def _computed(env: Env, model: Model, f: Field, ids: list[int]) -> dict[int, Any]:
    from tests.fakes import odoo_security

    key = (model.name, f.name)
    if key in odoo_security.SECURITY_COMPUTED:
        return odoo_security.computed(env, model, f, ids)
    if f.name == "display_name":
        return display_names(env, model.name, set(ids))
    if key in {("res.users", "name"), ("res.users", "email")}:
        rows = env.sql(
            f"SELECT u.id, p.{f.name} FROM res_users u JOIN res_partner p ON p.id = u.partner_id "
            "WHERE u.id = ANY(%s)",
            (ids,),
        )
        return {row[0]: row[1] for row in rows}
    if key == ("res.users", "login_date"):
        rows = env.sql(
            "SELECT create_uid, max(create_date) FROM res_users_log WHERE create_uid = ANY(%s) "
            "GROUP BY create_uid",
            (ids,),
        )
        return {row[0]: row[1] for row in rows}
    if key == ("project.project", "task_count"):
        shown = ("display_in_project" if "display_in_project" in env.catalog["project.task"].fields
                 else "parent_id IS NULL")  # fmt: skip
        rows = env.sql(
            f"SELECT project_id, count(*) FROM project_task WHERE active AND {shown} "
            "AND project_id = ANY(%s) GROUP BY project_id",
            (ids,),
        )
        counts = {row[0]: row[1] for row in rows}
        return {i: counts.get(i, 0) for i in ids}
    if key == ("mail.activity", "state"):
        rows = env.sql(
            "SELECT id, date_deadline, active FROM mail_activity WHERE id = ANY(%s)", (ids,)
        )
        states = {}
        for i, deadline, active in rows:
            days = (deadline - env.today).days
            states[i] = "done" if active is False else (
                "overdue" if days < 0 else "today" if days == 0 else "planned")  # fmt: skip
        return states
    return {}


# --- writing ----------------------------------------------------------------------------------


def _column_value(env: Env, model: Model, f: Field, value: Any, current: Any = None) -> Any:
    from tests.fakes.odoo_orm import OdooFault, selection_of

    if value is False and f.type not in {"boolean"}:
        return None
    if f.type == "many2one" and isinstance(value, list | tuple):
        value = value[0] if value else None
    choices = selection_of(model, f)
    if choices is not None and value is not None and value not in choices:
        raise OdooFault("ValueError", f"Wrong value for {model.name}.{f.name}: {value!r}")
    if f.translate:
        merged = dict(current or {})
        merged.setdefault("en_US", value)
        merged[env.lang] = value
        return json.dumps(merged)
    return value


def _set_x2many(env: Env, f: Field, record_id: int, value: Any) -> None:
    if not f.m2m or not f.m2m[1]:
        return
    _c, table, own, other = f.m2m
    commands = value if isinstance(value, list) else []
    if commands and all(isinstance(v, int) for v in commands):
        commands = [(6, 0, commands)]
    for command in commands:
        code = command[0]
        if code == 6:
            env.sql(f"DELETE FROM {table} WHERE {own} = %s", (record_id,))
            for target in command[2]:
                env.sql(f"INSERT INTO {table} ({own}, {other}) VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING", (record_id, target))  # fmt: skip
        elif code == 4:
            env.sql(f"INSERT INTO {table} ({own}, {other}) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                    (record_id, command[1]))  # fmt: skip
        elif code in (3, 2):
            env.sql(f"DELETE FROM {table} WHERE {own} = %s AND {other} = %s",
                    (record_id, command[1]))  # fmt: skip
        elif code == 5:
            env.sql(f"DELETE FROM {table} WHERE {own} = %s", (record_id,))


def _split(env: Env, model: Model, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    from tests.fakes.odoo_orm import OdooFault

    columns, relations = {}, {}
    for name, value in values.items():
        f = model.fields.get(name)
        if f is None:
            continue  # Odoo ignores unknown keys in create/write (it logs a warning)
        if f.m2m or f.o2m:
            relations[name] = value
        elif f.column and name != "id":
            columns[name] = value
        elif not f.column and name not in {"display_name"}:
            raise OdooFault("ValueError", f"Field {model.name}.{name} cannot be written here")
    return columns, relations


def create_record(env: Env, model: Model, values: dict[str, Any]) -> int:
    from tests.fakes.odoo_orm import OdooFault, defaults_of

    if model.name == "res.users":
        values = _user_values(env, values)
    if model.name == "mail.activity":
        values = _activity_values(env, values)
    merged = {**defaults_of(model), **values}
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    merged.update({"create_uid": env.uid, "write_uid": env.uid, "create_date": now,
                   "write_date": now})  # fmt: skip
    columns, relations = _split(env, model, merged)
    row = {n: _column_value(env, model, model.fields[n], v) for n, v in columns.items()
           if n in model.fields}  # fmt: skip
    if model.name == "res.partner":
        if not row.get("name") and row.get("type", "contact") == "contact":
            raise OdooFault(
                "ValidationError", "The operation cannot be completed: Contacts require a name"
            )
        row[partner_full_name(model)] = _partner_complete_name(env, row)
    for name, f in model.fields.items():
        if f.required and row.get(name) is None:
            raise OdooFault(
                "ValidationError",
                "The operation cannot be completed:\n- Create/update: a mandatory field is not "
                "set.\n- Delete: another model requires the record being deleted. If possible, "
                f"archive it instead.\n\nModel: {model.description} ({model.name})\nField: "
                f"{f.string} ({name})",
            )
    names = ", ".join(f'"{n}"' for n in row)
    marks = ", ".join("%s" for _ in row)
    new_id = int(env.sql(
        f"INSERT INTO {model.table} ({names}) VALUES ({marks}) RETURNING id", list(row.values())
    )[0][0])  # fmt: skip
    if model.name == "res.partner" and "commercial_partner_id" in model.fields:
        env.sql("UPDATE res_partner SET commercial_partner_id = COALESCE(parent_id, id) "
                "WHERE id = %s", (new_id,))  # fmt: skip
    for name, value in relations.items():
        _set_x2many(env, model.fields[name], new_id, value)
    if model.name == "res.users":
        _store_implied_groups(env, model, new_id)
    return new_id


def write_records(env: Env, model: Model, ids: list[int], values: dict[str, Any]) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    if "password" in values and model.name == "res.users":
        values["password"] = hash_password(str(values["password"]), rounds=1000)
    columns, relations = _split(env, model, {**values, "write_uid": env.uid, "write_date": now})
    for record_id in ids:
        current = {}
        translated = [n for n in columns if model.fields[n].translate]
        if translated:
            row = env.sql(f"SELECT {', '.join(translated)} FROM {model.table} WHERE id = %s",
                          (record_id,))[0]  # fmt: skip
            current = dict(zip(translated, row, strict=True))
        row = {n: _column_value(env, model, model.fields[n], v, current.get(n))
               for n, v in columns.items()}  # fmt: skip
        if row:
            sets = ", ".join(f'"{n}" = %s' for n in row)
            env.sql(f"UPDATE {model.table} SET {sets} WHERE id = %s", [*row.values(), record_id])
        if model.name == "res.partner" and ("name" in row or "parent_id" in row):
            full = env.sql("SELECT name, parent_id, is_company FROM res_partner WHERE id = %s",
                           (record_id,))[0]  # fmt: skip
            env.sql(f"UPDATE res_partner SET {partner_full_name(model)} = %s WHERE id = %s", (
                _partner_complete_name(env, dict(zip(("name", "parent_id", "is_company"), full, strict=True))),
                record_id))  # fmt: skip
        for name, value in relations.items():
            _set_x2many(env, model.fields[name], record_id, value)


def _partner_complete_name(env: Env, row: dict[str, Any]) -> str | None:
    name = row.get("name")
    if row.get("parent_id") and not row.get("is_company"):
        parent = env.sql("SELECT name FROM res_partner WHERE id = %s", (row["parent_id"],))
        if parent and parent[0][0]:
            return f"{parent[0][0]}, {name or ''}".strip()
    return name  # type: ignore[no-any-return]


def _user_values(env: Env, values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    if "partner_id" not in values:
        partner = env.catalog["res.partner"]
        values["partner_id"] = create_record(env, partner, {
            "name": values.get("name") or values.get("login"), "email": values.get("email"),
        })  # fmt: skip
    values.pop("name", None)
    values.pop("email", None)
    if "password" in values:
        values["password"] = hash_password(str(values["password"]), rounds=1000)
    values.setdefault("company_ids", [(6, 0, [values.get("company_id") or 1])])
    return values


def _store_implied_groups(env: Env, model: Model, user_id: int) -> None:
    """Odoo 16–18 store the groups implied by a user's groups too (19 stores only direct ones)."""
    if "groups_id" not in model.fields:
        return
    env.sql(
        """INSERT INTO res_groups_users_rel (uid, gid)
           WITH RECURSIVE g(id) AS (SELECT gid FROM res_groups_users_rel WHERE uid = %s
           UNION SELECT r.hid FROM res_groups_implied_rel r JOIN g ON r.gid = g.id)
           SELECT %s, id FROM g ON CONFLICT DO NOTHING""",
        (user_id, user_id),
    )


def _activity_values(env: Env, values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    res_model = values.get("res_model")
    if res_model and "res_model_id" not in values:
        found = env.sql("SELECT id FROM ir_model WHERE model = %s", (res_model,))
        values["res_model_id"] = found[0][0] if found else None
    elif not res_model and values.get("res_model_id"):
        # res_model is a stored field related to res_model_id.model: Odoo fills it in.
        found = env.sql("SELECT model FROM ir_model WHERE id = %s", (values["res_model_id"],))
        res_model = values["res_model"] = found[0][0] if found else None
    if res_model and values.get("res_id") and res_model in env.catalog and "res_name" not in values:
        names = display_names(env, res_model, {int(values["res_id"])})
        values["res_name"] = names.get(int(values["res_id"]))
    values.setdefault("user_id", env.uid)
    values.setdefault("date_deadline", env.today.isoformat())
    return values
