"""Columns of an Odoo database that hold credentials, and which of them a login may read.

OdooBridge's reader needs none of them: ``setup-sql`` grants column lists that leave them out.
A login that was given more (``GRANT SELECT ON ALL TABLES``, a superuser, a table-wide grant on
``res_users``) can read password hashes, two-factor secrets, API key hashes and
``database.secret`` — enough to forge sessions or take over accounts if the login leaks.
``check odoo`` reports each such column it can read.

Two lists decide what counts: :data:`KNOWN_SECRETS`, the credential columns of Odoo 16–19
(core and common modules), each with what it holds; and :data:`SECRET_NAME`, a name pattern for
the many provider-specific ones (payment providers, mail and calendar connectors, portal
``access_token`` columns) on text or binary columns. Everything is read from ``pg_catalog`` and
``has_column_privilege``, which need no grant, in one round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg

from odoobridge.sources.odoo_schema import quote_ident

if TYPE_CHECKING:
    from odoobridge.sources.odoo_grants import GrantReport

# (table, column, what it holds)
KNOWN_SECRETS: tuple[tuple[str, str, str], ...] = (
    ("res_users", "password", "password hashes"),
    ("res_users", "totp_secret", "two-factor (TOTP) secrets"),
    ("res_users", "oauth_access_token", "OAuth access tokens"),
    ("res_users_apikeys", "key", "API key hashes"),
    ("auth_totp_device", "key", "trusted-device keys that skip two-factor"),
    ("res_partner", "signup_token", "sign-up and password-reset tokens"),
    (
        "ir_config_parameter",
        "value",
        "system parameters: database.secret signs sessions and reset links, others hold "
        "connector keys",
    ),
    ("ir_mail_server", "smtp_pass", "outgoing mail server passwords"),
    ("ir_mail_server", "smtp_ssl_private_key", "outgoing mail TLS private keys"),
    ("fetchmail_server", "password", "incoming mail server passwords"),
    ("iap_account", "account_token", "in-app purchase (IAP) account tokens"),
    ("res_users_settings", "google_calendar_rtoken", "Google Calendar refresh tokens"),
    ("res_users_settings", "microsoft_calendar_rtoken", "Outlook Calendar refresh tokens"),
    ("certificate_key", "pem_key", "private keys of e-invoicing certificates"),
    ("certificate_certificate", "pkcs12_password", "passwords of e-invoicing certificates"),
)

# Any other text or binary column named like a credential (PostgreSQL regular expression).
SECRET_NAME = r"(password|passwd|secret|token|private_key|api_key|apikey|hmac|(^|_)pass$)"

_NAMED = {
    "access_token": "portal access tokens (open the document without signing in)",
    "token": "tokens",
    "password": "passwords",
    "passwd": "passwords",
    "secret": "secrets",
    "key": "keys",
    "hmac": "signing keys",
    "pass": "passwords",
}


def secret_condition(table: str = "c", column: str = "a", type_: str = "t") -> str:
    """A SQL condition over ``pg_class`` / ``pg_attribute`` / ``pg_type`` aliases that is true
    for the columns this module calls secret (shared by the check and setup-sql's own check)."""
    pairs = [f"('{t}', '{c}')" for t, c, _ in KNOWN_SECRETS]
    rows = ",\n      ".join(", ".join(pairs[i : i + 3]) for i in range(0, len(pairs), 3))
    return (
        f"(({table}.relname::text, {column}.attname::text) IN (\n      {rows})\n"
        f"   OR ({column}.attname ~ '{SECRET_NAME}'\n"
        f"       AND ({type_}.typcategory = 'S' OR {type_}.typname = 'bytea')))"
    )


def secret_columns_sql(role_expr: str) -> str:
    """The secret columns of the current schema ``role_expr`` may read, with table-wide and
    PUBLIC flags: ``SELECT table, column, table_wide, public``."""
    return f"""
SELECT c.relname::text, a.attname::text,
       has_table_privilege({role_expr}, c.oid, 'SELECT'),
       has_column_privilege('public', c.oid, a.attnum, 'SELECT')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND a.attnum > 0 AND NOT a.attisdropped AND {secret_condition()}
  AND has_column_privilege({role_expr}, c.oid, a.attnum, 'SELECT')
ORDER BY 1, 2"""


@dataclass(frozen=True)
class ReadableSecret:
    """A credential column the login may read."""

    table: str
    column: str
    table_wide: bool  # through SELECT on the whole table (not a column grant)
    public: bool  # granted to PUBLIC: every login may read it

    @property
    def holds(self) -> str:
        for table, column, holds in KNOWN_SECRETS:
            if (table, column) == (self.table, self.column):
                return holds
        for word, holds in _NAMED.items():
            if word in self.column:
                return holds
        return "credentials"

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "column": self.column,
            "holds": self.holds,
            "table_wide": self.table_wide,
            "public": self.public,
        }


def readable_secrets(conn: psycopg.Connection[Any]) -> list[ReadableSecret]:
    """The credential columns the current login may read, in table and column order."""
    with conn.cursor() as cur:
        cur.execute(secret_columns_sql("current_user"))
        rows = cur.fetchall()
    return [ReadableSecret(str(t), str(c), bool(wide), bool(pub)) for t, c, wide, pub in rows]


def secret_warnings(secrets: list[ReadableSecret], grants: GrantReport) -> list[str]:
    """One warning per table, naming each column and the statements that take it back."""
    if not secrets:
        return []
    role = quote_ident(grants.role)
    if grants.superuser:
        names = ", ".join(f"{s.table}.{s.column}" for s in secrets)
        return [
            f"{grants.role} reads every secret as a superuser ({names}): give OdooBridge the "
            "login odoobridge setup-sql creates"
        ]
    by_table: dict[str, list[ReadableSecret]] = {}
    for secret in secrets:
        by_table.setdefault(secret.table, []).append(secret)
    needs = {s.need.table: s.need for s in grants.statuses}
    warnings = []
    for table, columns in by_table.items():
        listed = ", ".join(f"{s.column} ({s.holds})" for s in columns)
        grantee = "PUBLIC" if all(s.public for s in columns) else role
        if any(s.table_wide for s in columns):
            fix = f"REVOKE SELECT ON {table} FROM {grantee};"
            need = needs.get(table)
            if need is not None and need.columns:
                fix += " " + need.grant(grants.role)
        else:
            names = ", ".join(s.column for s in columns)
            fix = f"REVOKE SELECT ({names}) ON {table} FROM {grantee};"
        warnings.append(f"{grants.role} can read secrets in {table}: {listed} — run: {fix}")
    return warnings
