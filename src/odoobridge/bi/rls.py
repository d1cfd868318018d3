"""Row-level security clauses: the SQL filter that limits a user to their companies' rows.

Two forms, both filtering on the ``company_id`` every analytics view carries:

- ``inline`` (default): the user's companies as integer literals from the store, e.g.
  ``company_id IN (1, 2)``; ``1 = 0`` when the user may see no company. Nothing the user typed
  reaches the SQL, and it needs no table in Odoo's database.
- ``lookup``: the seed's subquery, which reads ``analytics.user_company_access`` (published to
  Odoo's database by ``bi access publish``) at query time::

      company_id IN (SELECT company_id FROM analytics.user_company_access
                     WHERE user_email = convert_from(decode('75736572…', 'hex'), 'UTF8')
                     AND access_level IN ('full', 'read'))

  The e-mail is written as its UTF-8 bytes in hex, never as a string literal. Superset rewrites
  a clause before running it (sqlglot re-formats it; with ``ENABLE_TEMPLATE_PROCESSING`` Jinja
  renders it), and a quoted literal holding ``\\``, ``'``, ``{{``/``{#`` could be reinterpreted
  by either (issue 18): hex digits mean nothing to any of them, so whatever the e-mail holds, the
  clause stays one comparison. Addresses with such characters are refused for BI anyway
  (:func:`odoobridge.bi.access.normalise_email`).

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


def text_expression(value: str) -> str:
    """``value`` as a PostgreSQL expression made of hex digits and keywords only:
    ``convert_from(decode('<utf-8 hex>', 'hex'), 'UTF8')``, which no SQL re-formatter or template
    engine can read as anything but the text it stands for."""
    if "\x00" in value:
        raise ConfigError("a text with a NUL character cannot be used in a filter")
    return f"convert_from(decode('{value.encode('utf-8').hex()}', 'hex'), 'UTF8')"


def inline_clause(company_ids: Iterable[int]) -> str:
    ids = sorted({int(c) for c in company_ids})
    if not ids:
        return NO_ROWS
    return f"company_id IN ({', '.join(str(i) for i in ids)})"


def lookup_clause(email: str, table: str = ACCESS_TABLE) -> str:
    return (
        f"company_id IN (SELECT company_id FROM {table} "
        f"WHERE user_email = {text_expression(email.strip().lower())} "
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
