"""The stub Odoo's security models beyond plain columns, as Odoo 16–19 answer them (checked by
the replays of ``../shared/odoo-fixtures/rpc18-security/`` and ``rpc19/``):

- a group's display name is its full name: "Application / Name" after its category (16–18) or
  its privilege (19), the bare name without one — also what ``full_name`` reads;
- a department's display name is its stored ``complete_name`` ("Parent / Child");
- Odoo 19's computed ``all_group_ids`` (res.users), ``all_implied_ids`` (the group itself
  included) and ``all_user_ids`` (res.groups);
- ``res.users.has_group`` (a record method: the user is ``ids[0]``, else the caller), through the
  group's external id in ``ir_model_data``;
- the group names an AccessError lists: "Category/Name" (16–18), "Privilege/Name" or the bare
  name (19).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.odoo_catalog import Field, Model

if TYPE_CHECKING:
    from tests.fakes.odoo_orm import Env

CLOSURE = """WITH RECURSIVE g(uid, gid) AS (
                 SELECT uid, gid FROM res_groups_users_rel WHERE uid = ANY(%s)
                 UNION SELECT g.uid, r.hid FROM res_groups_implied_rel r JOIN g ON r.gid = g.gid)"""
SECURITY_COMPUTED = {("res.groups", "full_name"), ("res.users", "all_group_ids"),
                     ("res.groups", "all_implied_ids"), ("res.groups", "all_user_ids")}  # fmt: skip


def _application(env: Env, alias: str) -> str:
    """SQL for the group's application label followed by " / ", or ''."""
    groups = env.catalog["res.groups"]
    if "privilege_id" in groups.fields:
        table, column = "res_groups_privilege", "privilege_id"
    elif "category_id" in groups.fields:
        table, column = "ir_module_category", "category_id"
    else:
        return "''"
    return (
        f"COALESCE((SELECT COALESCE(a.name->>%(lang)s, a.name->>'en_US') || ' / ' FROM {table} a "
        f"WHERE a.id = {alias}.{column}), '')"
    )


def display_sql(env: Env, model: Model, alias: str) -> tuple[str, list[Any]] | None:
    """The display name of the security models that are not named by their ``name``."""
    if model.name == "res.groups":
        application = _application(env, alias).replace("%(lang)s", "%s")
        name = f"COALESCE({alias}.name->>%s, {alias}.name->>'en_US')"
        params = [env.lang] * (application.count("%s") + 1)
        return f"({application} || {name})", params
    if model.name == "hr.department" and "complete_name" in model.fields:
        return f"{alias}.complete_name", []
    return None


def computed(env: Env, model: Model, f: Field, ids: list[int]) -> dict[int, Any]:
    key = (model.name, f.name)
    if key == ("res.groups", "full_name"):
        expression, params = display_sql(env, model, "t") or ("t.id::text", [])
        rows = env.sql(f"SELECT t.id, {expression} FROM res_groups t WHERE t.id = ANY(%s)",
                       [*params, ids])  # fmt: skip
        return {row[0]: row[1] for row in rows}
    found: dict[int, list[int]] = {i: [] for i in ids}
    if key == ("res.users", "all_group_ids"):
        rows = env.sql(f"{CLOSURE} SELECT g.uid, g.gid FROM g ORDER BY g.gid", (ids,))
    elif key == ("res.groups", "all_implied_ids"):
        rows = env.sql(
            """WITH RECURSIVE c(root, gid) AS (SELECT id, id FROM res_groups WHERE id = ANY(%s)
               UNION SELECT c.root, r.hid FROM res_groups_implied_rel r JOIN c ON r.gid = c.gid)
               SELECT root, gid FROM c ORDER BY gid""",
            (ids,),
        )
    else:  # all_user_ids: users whose closure holds the group (archived ones on active_test)
        users = [row[0] for row in env.sql("SELECT id FROM res_users")]
        active = "" if env.context.get("active_test", True) is False else " AND u.active"
        rows = env.sql(
            f"{CLOSURE} SELECT g.gid, g.uid FROM g JOIN res_users u ON u.id = g.uid "
            f"WHERE g.gid = ANY(%s){active} ORDER BY g.uid",
            (users, ids),
        )
    for owner, target in rows:
        if target not in found[owner]:
            found[owner].append(target)
    return found


def has_group(env: Env, ids: Any, group_ext_id: str) -> bool:
    from tests.fakes.odoo_orm import OdooFault

    module, _, name = str(group_ext_id).partition(".")
    found = (
        env.sql(
            "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s "
            "AND model = 'res.groups'",
            (module, name),
        )
        if "ir.model.data" in env.catalog
        else []
    )
    if not found:
        raise OdooFault("ValueError", f"External ID not found in the system: {group_ext_id}")
    user_ids = [ids] if isinstance(ids, int) else list(ids or [])
    uid = user_ids[0] if user_ids else env.uid
    rows = env.sql(f"{CLOSURE} SELECT 1 FROM g WHERE g.gid = %s", ([uid], found[0][0]))
    return bool(rows)


def allowed_group_names(env: Env, model: Model, perm: str) -> list[str]:
    """The groups an AccessError names for ``perm`` on ``model``, as Odoo words them."""
    groups = env.catalog["res.groups"]
    if "privilege_id" in groups.fields:
        join = "LEFT JOIN res_groups_privilege c ON c.id = g.privilege_id"
    elif "category_id" in groups.fields:
        join = "LEFT JOIN ir_module_category c ON c.id = g.category_id"
    else:
        return []
    rows = env.sql(
        f"""SELECT g.name->>'en_US', c.name->>'en_US' FROM ir_model_access a
            JOIN ir_model m ON m.id = a.model_id JOIN res_groups g ON g.id = a.group_id {join}
            WHERE m.model = %s AND a.active AND a.{perm}""",
        (model.name,),
    )
    names = sorted(f"{category}/{name}" if category else name for name, category in rows if name)
    return list(dict.fromkeys(names))
