"""The SQL a DBA runs (in psql, as a superuser) to create OdooBridge's read-only login.

Without a version the script fits any Odoo from 16 to 19: the grants common to every version
are plain ``GRANT`` statements; those that differ (Odoo 19 files groups under
``res_groups.privilege_id`` → ``res_groups_privilege``, 16–18 under ``res_groups.category_id``)
sit in a ``DO`` block that picks the branch whose tables and columns this database has; optional
tables (hr, external ids) are granted where they exist and skipped with a NOTICE where they do
not. With a version (``--odoo-version``) the version's own grants are plain statements. Either
way the script ends by checking that the new login can read no column holding credentials
(:mod:`odoobridge.sources.odoo_secrets`), and says so with a WARNING if it can.
"""

from __future__ import annotations

from odoobridge.errors import ConfigError
from odoobridge.sources.odoo_schema import (
    Catalog,
    JsonbAdapter,
    LegacyAdapter,
    PrivilegeAdapter,
    SchemaAdapter,
    TableNeed,
    quote_ident,
)
from odoobridge.sources.odoo_secrets import KNOWN_SECRETS, secret_columns_sql


def adapter_for_version(major: int, lang: str = "en_US") -> SchemaAdapter:
    """The schema adapter of an Odoo major version (for SQL written before connecting)."""
    if major >= 19:
        return PrivilegeAdapter(Catalog(), lang)
    if major >= 16:
        return JsonbAdapter(Catalog(), lang)
    return LegacyAdapter(Catalog(), lang)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _exists(need: TableNeed, indent: str) -> str:
    """A SQL condition: the table exists with every column the need reads."""
    if not need.columns:
        return f"to_regclass({_literal(need.table)}) IS NOT NULL"
    names = ", ".join(_literal(c) for c in need.columns)
    return (
        f"(SELECT count(*) FROM pg_catalog.pg_attribute\n"
        f"{indent}    WHERE attrelid = to_regclass({_literal(need.table)}) AND NOT attisdropped\n"
        f"{indent}      AND attname IN ({names})) = {len(need.columns)}"
    )


def _guarded(need: TableNeed, role: str, indent: str) -> list[str]:
    module = f"the {need.module} module is not installed" if need.module else "not in this Odoo"
    skipped = f"{need.table} not granted: {module} ({need.why})"
    return [
        f"{indent}IF {_exists(need, indent)} THEN",
        f"{indent}  {need.grant(role)}",
        f"{indent}ELSE",
        f"{indent}  RAISE NOTICE {_literal(skipped)};",
        f"{indent}END IF;",
    ]


def _do(body: list[str], tag: str = "grants") -> list[str]:
    return [f"DO ${tag}$", "BEGIN", *body, "END", f"${tag}$;"]


def _secrets_comment(read: set[str]) -> list[str]:
    """Why the grants name columns, and which credential tables are never granted."""
    tables = sorted({table for table, _, _ in KNOWN_SECRETS} - read)
    lines = [
        "-- Only link tables (ids alone) are granted whole. Odoo keeps credentials in ordinary",
        "-- columns: res_users.password (hashes) and .totp_secret (two-factor secrets),",
        "-- res_users_apikeys and auth_totp_device (key hashes), ir_config_parameter",
        "-- (database.secret signs sessions and password-reset links), mail server passwords,",
        "-- connector and payment provider keys, portal access_token columns. Whoever held this",
        "-- login's password could read them. So res_users and res_partner are granted column",
        "-- by column, and none of these tables is granted at all:",
    ]
    line = "--  "
    for table in tables:
        if len(line) + len(table) + 2 > 92:
            lines.append(line.rstrip())
            line = "--  "
        line += f" {table},"
    lines.append(line.rstrip(",") + ".")
    lines += [
        "-- The check at the end of this script, and `odoobridge check odoo`, warn about any",
        "-- credential column the login can read (e.g. through a grant to PUBLIC).",
    ]
    return lines


def reader_setup_sql(
    role: str, database: str, *, lang: str = "en_US", odoo_version: int | None = None
) -> str:
    """The script that creates ``role`` with SELECT on what the sync reads (see the module
    docstring); ``odoo_version`` None writes the one that fits Odoo 16 to 19."""
    variants: list[SchemaAdapter] = (
        [adapter_for_version(odoo_version, lang)]
        if odoo_version is not None
        else [PrivilegeAdapter(Catalog(), lang), JsonbAdapter(Catalog(), lang)]
    )
    needs = [a.needs() for a in variants]
    common = [n for n in needs[0] if all(n in other for other in needs[1:])]
    generations = variants[0].generations if odoo_version is not None else "16–19"
    if "$" in role:
        raise ConfigError(f"choose a login name without $ (not {role})")
    r, db = quote_ident(role), quote_ident(database)
    lines = [
        f"-- OdooBridge read-only login for Odoo {generations}, database {database}.",
        "-- Run in psql as a superuser, connected to that database:",
        f"--   psql -v ON_ERROR_STOP=1 -d {database} -f odoobridge-reader.sql",
        "-- It asks for the new login's password; to run it unattended, pass it instead:",
        "--   psql -v reader_password=… -v ON_ERROR_STOP=1 …",
    ]
    if odoo_version is None:
        lines += [
            "-- The grants that differ between Odoo versions are chosen below from the tables and",
            "-- columns this database has, so the same script fits Odoo 16, 17, 18 and 19 (for 15",
            "-- and older: odoobridge setup-sql --odoo-version 15).",
        ]
    lines += [
        "\\if :{?reader_password}",
        "\\else",
        f"\\prompt 'Password for {role}: ' reader_password",
        "\\endif",
        f"CREATE ROLE {r} LOGIN PASSWORD :'reader_password'",
        "    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;",
        f"ALTER ROLE {r} SET default_transaction_read_only = on;",
        f"ALTER ROLE {r} SET statement_timeout = '5min';",
        f"ALTER ROLE {r} SET idle_in_transaction_session_timeout = '10min';",
        "",
        "-- A login given only SELECT could still create tables: Odoo grants CREATE on schema",
        "-- public (and TEMPORARY on the database) to PUBLIC when it creates a database.",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"REVOKE TEMPORARY ON DATABASE {db} FROM PUBLIC;",
        "",
        f"GRANT CONNECT ON DATABASE {db} TO {r};",
        f"GRANT USAGE ON SCHEMA public TO {r};",
        "",
        *_secrets_comment({n.table for variant in needs for n in variant}),
        "",
        "-- SELECT on exactly what the sync reads.",
    ]
    lines += [f"{n.grant(role)}  -- {n.why}" for n in common if not n.optional]
    lines += _version_grants(variants, needs, common, role)
    optional = [n for n in common if n.optional]
    if optional:
        lines += ["", "-- Optional, where the module is installed (else skipped with a NOTICE):"]
        body: list[str] = []
        for need in optional:
            body += _guarded(need, role, "  ")
        lines += _do(body)
    lines += ["", *_secret_check(role)]
    return "\n".join(lines) + "\n"


def _version_grants(
    variants: list[SchemaAdapter],
    needs: list[list[TableNeed]],
    common: list[TableNeed],
    role: str,
) -> list[str]:
    """The grants only some versions need: in one branch per version, taken where the branch's
    tables and columns exist."""
    if len(variants) == 1:  # one version: all its grants are common, written plainly
        return []
    own = [[n for n in variant_needs if n not in common] for variant_needs in needs]
    lines = [
        "",
        "-- Groups: Odoo 19 files a group under a privilege (res_groups.privilege_id →",
        "-- res_groups_privilege); 16–18 under an application (res_groups.category_id).",
    ]
    body: list[str] = []
    for index, (variant, variant_needs) in enumerate(zip(variants, own, strict=True)):
        required = [n for n in variant_needs if not n.optional]
        condition = "\n     AND ".join(_exists(n, "  ") for n in required) or "true"
        body.append(f"  {'IF' if index == 0 else 'ELSIF'} {condition} THEN")
        body.append(f"    -- Odoo {variant.generations}")
        body += [f"    {n.grant(role)}" for n in required]
        for need in variant_needs:
            if need.optional:
                body += _guarded(need, role, "    ")
    tables = sorted({n.table for variant_needs in own for n in variant_needs})
    failure = (
        f"neither the Odoo 16–18 nor the Odoo 19 form of {', '.join(tables)} is here: "
        "is this an Odoo database of version 16 to 19?"
    )
    body += ["  ELSE", f"    RAISE EXCEPTION {_literal(failure)};", "  END IF;"]
    return lines + _do(body)


def _secret_check(role: str) -> list[str]:
    """A DO block that warns when ``role`` can read any column holding credentials."""
    query = secret_columns_sql(_literal(role)).strip().replace("\n", "\n    ")
    body = [
        "  FOR found IN",
        f"    SELECT t.relname || '.' || t.attname FROM ({query}) AS t(relname, attname)",
        "  LOOP",
        "    RAISE WARNING '% can read %, which holds credentials: revoke it (odoobridge check "
        f"odoo names the statement)', {_literal(role)}, found;",
        "  END LOOP;",
    ]
    return [
        "-- Check: the login can read no column that holds credentials (a WARNING names any).",
        "DO $check$",
        "DECLARE",
        "  found text;",
        "BEGIN",
        *body,
        "END",
        "$check$;",
    ]
