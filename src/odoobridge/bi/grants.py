"""The read-only role for BI tools: SELECT on the analytics schema and nothing else.

``grant_readonly`` creates the login when absent (without a password unless one is configured),
sets ``statement_timeout``, ``idle_in_transaction_session_timeout`` and
``default_transaction_read_only`` on it, gives CONNECT on the database, USAGE on ``analytics`` and
SELECT on its views, and takes away the right every role has in a fresh Odoo database to create
tables in schema ``public`` (Odoo grants CREATE on it to PUBLIC). It then checks from the catalog
that the role reads nothing outside ``analytics`` and may create nothing, and says so.

Everything it changed is recorded, so ``bi install`` re-grants rebuilt views and ``bi uninstall``
puts back the role settings, the database and schema rights as they were (and drops the role if
``bi grant`` created it). ``grant_sql`` prints the same statements for a DBA to run in psql.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql
from pydantic import SecretStr

from odoobridge.bi import records
from odoobridge.bi.connection import BiPermissionError
from odoobridge.bi.records import Record, qualified
from odoobridge.bi.specs import SCHEMA
from odoobridge.errors import ConfigError, NotFound

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
ROLE_SETTINGS = (
    "statement_timeout",
    "idle_in_transaction_session_timeout",
    "default_transaction_read_only",
)


def check_role_name(role: str) -> str:
    if not _ROLE_NAME.match(role):
        raise ConfigError(
            f"role name {role!r} is not allowed: use lower-case letters, digits and _ "
            "(at most 63, not starting with a digit), e.g. superset_readonly"
        )
    return role


def role_settings(statement_timeout: int, idle_timeout: int) -> dict[str, str]:
    return {
        "statement_timeout": f"{statement_timeout}s",
        "idle_in_transaction_session_timeout": f"{idle_timeout}s",
        "default_transaction_read_only": "on",
    }


def select_statements(role: str) -> list[sql.Composed]:
    """USAGE on the schema, SELECT on every view in it, none on OdooBridge's own bookkeeping."""
    r = sql.Identifier(role)
    schema = sql.Identifier(SCHEMA)
    return [
        sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, r),
        sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, r),
        sql.SQL("REVOKE ALL ON {} FROM {}").format(qualified(records.TABLE), r),
    ]


def _setting_statements(role: str, settings: dict[str, str]) -> list[sql.Composed]:
    return [
        sql.SQL("ALTER ROLE {} SET {} = {}").format(
            sql.Identifier(role), sql.Identifier(key), sql.Literal(value)
        )
        for key, value in settings.items()
    ]


@dataclass
class GrantReport:
    role: str
    database: str
    created_role: bool
    settings: dict[str, str]
    revoked_public_create: bool
    reads_outside: list[str] = field(default_factory=list)
    may_create: list[str] = field(default_factory=list)
    has_password: bool | None = None

    @property
    def read_only(self) -> bool:
        return not self.reads_outside and not self.may_create

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "database": self.database,
            "created_role": self.created_role,
            "settings": self.settings,
            "revoked_public_create": self.revoked_public_create,
            "read_only": self.read_only,
            "reads_outside": self.reads_outside,
            "may_create": self.may_create,
            "has_password": self.has_password,
        }


def grant_readonly(
    conn: psycopg.Connection[Any],
    database: str,
    role: str,
    *,
    statement_timeout: int,
    idle_timeout: int,
    password: SecretStr | None = None,
) -> GrantReport:
    check_role_name(role)
    records.lock(conn)
    known = records.load(conn)
    if not records.of_kind(known, "view"):
        raise NotFound("no analytics views are installed here: run `odoobridge bi install` first")
    row = conn.execute("SELECT oid, rolsuper FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    previous = known.get(("grant", role))
    detail: dict[str, Any] = dict(previous.detail) if previous else {}
    created = False
    if row is None:
        _create_role(conn, role, password)
        created = True
        detail.setdefault("created", True)
        has_password: bool | None = password is not None
    else:
        if row[1]:
            raise ConfigError(
                f"role {role} is a superuser: it would read everything. Use a dedicated role"
            )
        detail.setdefault("created", False)
        detail.setdefault("previous_settings", _current_settings(conn, int(row[0])))
        has_password = None  # pg_roles hides it
    settings = role_settings(statement_timeout, idle_timeout)
    for statement in _setting_statements(role, settings):
        conn.execute(statement)
    if "connect_granted" not in detail:
        detail["connect_granted"] = not _has_explicit_connect(conn, database, role)
    conn.execute(
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(database), sql.Identifier(role)
        )
    )
    public_create = conn.execute("SELECT has_schema_privilege('public', 'public', 'CREATE')")
    revoked = bool(public_create.fetchone()[0])  # type: ignore[index]
    if revoked:
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        detail["public_create_revoked"] = True
    for statement in select_statements(role):
        conn.execute(statement)
    records.save(conn, Record("grant", role, detail=detail))
    report = GrantReport(
        role=role,
        database=database,
        created_role=created,
        settings=settings,
        revoked_public_create=revoked,
        has_password=has_password,
    )
    report.reads_outside, report.may_create = check_read_only(conn, database, role)
    return report


def _create_role(conn: psycopg.Connection[Any], role: str, password: SecretStr | None) -> None:
    statement = sql.SQL(
        "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION"
    ).format(sql.Identifier(role))
    if password is not None:
        statement += sql.SQL(" PASSWORD {}").format(sql.Literal(password.get_secret_value()))
    try:
        conn.execute(statement)
    except pg_errors.InsufficientPrivilege:
        raise BiPermissionError(
            f"this login may not create role {role} (it needs CREATEROLE): create the role "
            "yourself, or print the SQL for a DBA with `odoobridge bi grant --print`"
        ) from None


def _current_settings(conn: psycopg.Connection[Any], role_oid: int) -> dict[str, str]:
    rows = conn.execute(
        "SELECT unnest(setconfig) FROM pg_db_role_setting WHERE setrole = %s AND setdatabase = 0",
        (role_oid,),
    ).fetchall()
    pairs = (str(value).partition("=") for (value,) in rows)
    return {key: value for key, _, value in pairs if key in ROLE_SETTINGS}


def _has_explicit_connect(conn: psycopg.Connection[Any], database: str, role: str) -> bool:
    row = conn.execute(
        """
        SELECT EXISTS (
            SELECT 1 FROM pg_database d, aclexplode(d.datacl) acl
            JOIN pg_roles r ON r.oid = acl.grantee
            WHERE d.datname = %s AND r.rolname = %s AND acl.privilege_type = 'CONNECT')
        """,
        (database, role),
    ).fetchone()
    return bool(row and row[0])


def check_read_only(
    conn: psycopg.Connection[Any], database: str, role: str
) -> tuple[list[str], list[str]]:
    """Tables outside ``analytics`` the role can read, and where it could create objects."""
    reads = conn.execute(
        """
        SELECT n.nspname || '.' || c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', %s)
          AND n.nspname NOT LIKE 'pg_toast%%' AND n.nspname NOT LIKE 'pg_temp%%'
          AND has_table_privilege(%s, c.oid, 'SELECT')
        ORDER BY 1
        """,
        (SCHEMA, role),
    ).fetchall()
    creates = conn.execute(
        """
        SELECT 'schema ' || nspname FROM pg_namespace
        WHERE nspname NOT LIKE 'pg_%%' AND nspname <> 'information_schema'
          AND has_schema_privilege(%s, oid, 'CREATE')
        UNION ALL
        SELECT 'database ' || %s WHERE has_database_privilege(%s, %s, 'CREATE')
        ORDER BY 1
        """,
        (role, database, role, database),
    ).fetchall()
    return [r[0] for r in reads], [c[0] for c in creates]


def revoke_grant(
    conn: psycopg.Connection[Any], database: str, record: Record, kept: dict[str, str]
) -> list[str]:
    """Undo one ``bi grant`` (uninstall): rights, settings, and the role if grant created it."""
    role, detail = record.name, record.detail
    exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    if detail.get("public_create_revoked"):
        conn.execute("GRANT CREATE ON SCHEMA public TO PUBLIC")
    if exists is None or detail.get("printed"):
        if exists is not None:
            conn.execute(
                sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(
                    sql.Identifier(SCHEMA), sql.Identifier(role)
                )
            )
            kept[role] = "its grants were printed for a DBA: drop the role yourself if unused"
        return []
    r = sql.Identifier(role)
    conn.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(SCHEMA), r))
    if detail.get("connect_granted"):
        conn.execute(
            sql.SQL("REVOKE CONNECT ON DATABASE {} FROM {}").format(sql.Identifier(database), r)
        )
    if detail.get("created"):
        conn.execute("SAVEPOINT drop_role")
        try:
            conn.execute(sql.SQL("DROP ROLE {}").format(r))
            conn.execute("RELEASE SAVEPOINT drop_role")
            return [f"role {role}"]
        except pg_errors.DependentObjectsStillExist:
            conn.execute("ROLLBACK TO SAVEPOINT drop_role")
            kept[role] = "the role still has rights in another database"
    previous: dict[str, str] = detail.get("previous_settings", {})
    for key in ROLE_SETTINGS:
        if key in previous:
            conn.execute(
                sql.SQL("ALTER ROLE {} SET {} = {}").format(
                    r, sql.Identifier(key), sql.Literal(previous[key])
                )
            )
        else:
            conn.execute(sql.SQL("ALTER ROLE {} RESET {}").format(r, sql.Identifier(key)))
    return [f"grants of {role}"]


def grant_sql(role: str, database: str, *, statement_timeout: int, idle_timeout: int) -> str:
    """The statements of :func:`grant_readonly` for a DBA to run in psql (after bi install)."""
    check_role_name(role)
    r = sql.Identifier(role).as_string(None)
    lit = sql.Literal(role).as_string(None)
    db = sql.Identifier(database).as_string(None)
    lines = [
        f"-- OdooBridge BI: read-only role {role} for database {database}.",
        "-- Run in psql as a superuser (or a role with CREATEROLE that owns the database),",
        "-- connected to that database, after `odoobridge bi install`: psql -d <db> -f file.sql",
        f"\\prompt 'Password for {role} (new role only): ' bi_readonly_password",
        f"SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE "
        f"NOREPLICATION', {lit}, :'bi_readonly_password')",
        f"    WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {lit}) \\gexec",
    ]
    settings = role_settings(statement_timeout, idle_timeout)
    lines += [s.as_string(None) + ";" for s in _setting_statements(role, settings)]
    lines += [
        "",
        "-- Odoo grants CREATE on schema public to PUBLIC: without this revoke any role,",
        "-- this one included, could create tables there.",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"GRANT CONNECT ON DATABASE {db} TO {r};",
        "",
        "-- SELECT on the analytics views only (not on OdooBridge's bookkeeping table).",
    ]
    lines += [s.as_string(None) + ";" for s in select_statements(role)]
    lines += [
        "",
        "-- Recorded so `odoobridge bi install` grants rebuilt views to this role again.",
        sql.SQL(
            "INSERT INTO {} (kind, name, detail) VALUES ('grant', {}, '{{\"printed\": true}}') "
            "ON CONFLICT (kind, name) DO NOTHING;"
        )
        .format(qualified(records.TABLE), sql.Literal(role))
        .as_string(None),
    ]
    return "\n".join(lines) + "\n"


def regrant(conn: psycopg.Connection[Any], known: dict[tuple[str, str], Record]) -> list[str]:
    """Give every role recorded by ``bi grant`` SELECT on the (re)built objects again."""
    done: list[str] = []
    for record in records.of_kind(known, "grant"):
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (record.name,))
        if exists.fetchone() is None:
            continue
        for statement in select_statements(record.name):
            conn.execute(statement)
        done.append(record.name)
    return done
