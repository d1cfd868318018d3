"""Row-level security clauses: the SQL filter that limits a user to their companies' rows.

Two forms, both filtering on the ``company_id`` every analytics view carries:

- ``inline`` (default): the user's companies as integer literals from the store, e.g.
  ``company_id IN (1, 2)``; ``1 = 0`` when the user may see no company. Nothing the user typed
  reaches the SQL, and it needs no table in Odoo's database.
- ``lookup``: the seed's subquery, which reads ``analytics.user_company_access`` (published to
  Odoo's database by ``bi access publish``) at query time::

      company_id IN (SELECT company_id FROM analytics.user_company_access
                     WHERE user_email = 'user@example.com' AND access_level IN ('full', 'read'))

  The e-mail is quoted as a PostgreSQL string literal exactly as ``quote_literal()`` does
  (quotes doubled; with backslashes, an ``E''`` literal with them doubled), so no input can end
  the literal early: whatever the e-mail holds, the clause stays one comparison.

Native PostgreSQL policies per company role are in :mod:`odoobridge.bi.policies`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from odoobridge.bi.access import visible_companies
from odoobridge.bi.specs import SCHEMA
from odoobridge.errors import ConfigError

ACCESS_TABLE = f"{SCHEMA}.user_company_access"
NO_ROWS = "1 = 0"


def quote_literal(value: str) -> str:
    """``value`` as a PostgreSQL string literal (what ``quote_literal(text)`` returns)."""
    if "\x00" in value:
        raise ConfigError("a text with a NUL character cannot be used in a filter")
    quoted = value.replace("'", "''")
    if "\\" in value:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def inline_clause(company_ids: Iterable[int]) -> str:
    ids = sorted({int(c) for c in company_ids})
    if not ids:
        return NO_ROWS
    return f"company_id IN ({', '.join(str(i) for i in ids)})"


def lookup_clause(email: str, table: str = ACCESS_TABLE) -> str:
    return (
        f"company_id IN (SELECT company_id FROM {table} "
        f"WHERE user_email = {quote_literal(email.strip().lower())} "
        "AND access_level IN ('full', 'read'))"
    )


@dataclass(frozen=True)
class UserFilter:
    """What one user may see: their companies and the clause that says so."""

    email: str
    company_ids: list[int]
    clause: str


def user_filter(session: Session, email: str, mode: str = "inline") -> UserFilter:
    """The RLS clause for ``email`` in ``mode`` (``inline`` or ``lookup``)."""
    companies = visible_companies(session, email)
    if mode == "inline":
        clause = inline_clause(companies)
    elif mode == "lookup":
        clause = lookup_clause(email)
    else:
        raise ConfigError(f"RLS mode {mode!r} is unknown: use inline or lookup")
    return UserFilter(email=email.strip().lower(), company_ids=companies, clause=clause)


def rls_clause(session: Session, email: str, mode: str = "inline") -> str:
    return user_filter(session, email, mode).clause
