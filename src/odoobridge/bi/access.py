"""Who may see which company's figures: ``user_company_access`` in the store.

A row gives one user (by e-mail, compared in lower case) a level for one Odoo company: ``full``
or ``read`` (both see the company's rows) or ``none`` (an explicit no). Rows are set by a person
(``source = manual``) or derived from Odoo: an active internal user's default company gives
``full``, their other allowed companies ``read`` (``source = odoo``), under the user's e-mail —
or, for a person whose account is linked to an Odoo user (:mod:`odoobridge.sales.linking`),
under the account's e-mail from that same user. Derivation never touches
manual rows, so a person's ``none`` stays a no. Every change is appended to
``user_company_access_changes``. Services take a session and never commit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.access.analysis.state import resolve_run
from odoobridge.access.models import FACT_TABLES
from odoobridge.bi.models import AccessChange, AccessLevel, AccessSource, UserCompanyAccess
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError, NotFound, Unprocessable
from odoobridge.sales.linking import linked_users
from odoobridge.store.base import utcnow
from odoobridge.store.temporal import alive_at

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# Characters a SQL re-formatter or a template engine may read as syntax (quotes, escapes, Jinja's
# {{ {% {# and printf's %): an address holding one is refused for analytics (issue 18).
REFUSED_CHARACTERS = frozenset("\\'{}#%")
VISIBLE = (AccessLevel.FULL.value, AccessLevel.READ.value)


def refused_characters(address: str) -> str:
    """The characters of ``address`` that analytics refuses, in order ('' when none)."""
    return "".join(dict.fromkeys(c for c in address if c in REFUSED_CHARACTERS))


def normalise_email(email: str) -> str:
    """Trim and lower-case; refuse anything that is not one address, or one holding a character
    of ``REFUSED_CHARACTERS`` (used by CLI and API)."""
    cleaned = email.strip().lower()
    if not _EMAIL.match(cleaned) or len(cleaned) > 255:
        raise ConfigError(f"{email!r} is not an e-mail address: give one like name@example.com")
    if bad := refused_characters(cleaned):
        raise ConfigError(
            f"{email!r} cannot be used for analytics: addresses holding {' '.join(bad)} are "
            "refused (\\ ' { } # % could rewrite a Superset filter); use the person's plain address"
        )
    return cleaned


def parse_level(level: str) -> AccessLevel:
    try:
        return AccessLevel(level.strip().lower())
    except ValueError:
        raise ConfigError(f"access level {level!r} is unknown: use full, read or none") from None


def visible_companies(session: Session, email: str) -> list[int]:
    """The companies whose rows ``email`` may see (full or read), in id order."""
    rows = session.scalars(
        select(UserCompanyAccess.company_id)
        .where(
            UserCompanyAccess.user_email == email.strip().lower(),
            UserCompanyAccess.access_level.in_(VISIBLE),
        )
        .order_by(UserCompanyAccess.company_id)
    )
    return list(rows)


def list_access(session: Session, email: str | None = None) -> list[UserCompanyAccess]:
    query = select(UserCompanyAccess).order_by(
        UserCompanyAccess.user_email, UserCompanyAccess.company_id
    )
    if email is not None:
        query = query.where(UserCompanyAccess.user_email == normalise_email(email))
    return list(session.scalars(query))


def _log(
    session: Session,
    by: str,
    email: str,
    company_id: int,
    old: str | None,
    new: str | None,
    source: str,
) -> None:
    session.add(
        AccessChange(
            changed_at=utcnow(),
            changed_by=by,
            user_email=email,
            company_id=company_id,
            old_level=old,
            new_level=new,
            source=source,
        )
    )


def _row(session: Session, email: str, company_id: int) -> UserCompanyAccess | None:
    return session.scalar(
        select(UserCompanyAccess).where(
            UserCompanyAccess.user_email == email, UserCompanyAccess.company_id == company_id
        )
    )


def set_access(
    session: Session,
    email: str,
    company_id: int,
    level: AccessLevel,
    *,
    by: str,
    source: AccessSource = AccessSource.MANUAL,
    odoo_companies: Mapping[int, str] | None = None,
) -> UserCompanyAccess:
    """Create or change one row; returns it. No-op (and no log line) when nothing changes.
    ``odoo_companies`` (id → name, read from Odoo's ``res_company``) refuses any other id."""
    email = normalise_email(email)
    if company_id < 1:
        raise ConfigError(f"company id {company_id} is not an Odoo company id (1, 2, …)")
    if odoo_companies is not None and company_id not in odoo_companies:
        known = ", ".join(f"{cid} ({name})" for cid, name in sorted(odoo_companies.items()))
        raise Unprocessable(
            f"Odoo has no company {company_id}: give one of its companies' ids: {known or 'none'}"
        )
    row = _row(session, email, company_id)
    if row is None:
        row = UserCompanyAccess(
            user_email=email,
            company_id=company_id,
            access_level=level.value,
            source=source.value,
            updated_at=utcnow(),
            updated_by=by,
        )
        session.add(row)
        _log(session, by, email, company_id, None, level.value, source.value)
    elif row.access_level != level.value or row.source != source.value:
        _log(session, by, email, company_id, row.access_level, level.value, source.value)
        row.access_level, row.source = level.value, source.value
        row.updated_at, row.updated_by = utcnow(), by
    session.flush()
    return row


def remove_access(session: Session, email: str, company_id: int | None, *, by: str) -> int:
    """Remove one row (or all of a user's); returns how many. NotFound when there is none."""
    email = normalise_email(email)
    query = select(UserCompanyAccess).where(UserCompanyAccess.user_email == email)
    if company_id is not None:
        query = query.where(UserCompanyAccess.company_id == company_id)
    rows = list(session.scalars(query))
    if not rows:
        where = f" for company {company_id}" if company_id is not None else ""
        raise NotFound(f"{email} has no company access{where}: `odoobridge bi access list`")
    for row in rows:
        _log(session, by, email, row.company_id, row.access_level, None, row.source)
        session.delete(row)
    session.flush()
    return len(rows)


@dataclass
class Derivation:
    run_id: int
    added: list[tuple[str, int, str]] = field(default_factory=list)
    changed: list[tuple[str, int, str]] = field(default_factory=list)
    removed: list[tuple[str, int]] = field(default_factory=list)
    kept_manual: list[tuple[str, int]] = field(default_factory=list)
    without_email: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "added": [list(r) for r in self.added],
            "changed": [list(r) for r in self.changed],
            "removed": [list(r) for r in self.removed],
            "kept_manual": [list(r) for r in self.kept_manual],
            "without_email": self.without_email,
            "refused": self.refused,
        }


def derived_levels(
    session: Session, environment: Environment, run_id: int
) -> tuple[dict[tuple[str, int], AccessLevel], list[str], list[str]]:
    """(email, company) → level from Odoo as of ``run_id``, the logins without an e-mail and the
    addresses refused for analytics (``REFUSED_CHARACTERS``). A person linked to an Odoo user
    (sales links) gets that user's companies, whatever their own address matches."""
    users = FACT_TABLES["users"]
    links = FACT_TABLES["user_companies"]
    env = environment.value
    people = session.execute(
        select(users.c.odoo_id, users.c.login, users.c.email, users.c.company_id).where(
            alive_at(users, env, run_id), users.c.active.is_(True), users.c.share.is_(False)
        )
    ).all()
    allowed: dict[int, set[int]] = {}
    for user_id, company_id in session.execute(
        select(links.c.user_id, links.c.company_id).where(alive_at(links, env, run_id))
    ):
        allowed.setdefault(user_id, set()).add(company_id)
    levels: dict[tuple[str, int], AccessLevel] = {}
    without: list[str] = []
    refused: list[str] = []
    by_user: dict[int, list[tuple[int, AccessLevel]]] = {}
    for user_id, login, email, default_company in people:
        companies = sorted(allowed.get(user_id, set()) | ({default_company} - {None}))
        by_user[user_id] = [
            (c, AccessLevel.FULL if c == default_company else AccessLevel.READ) for c in companies
        ]
        address = next((a for a in (email, login) if a and _EMAIL.match(a.strip())), None)
        if address is None:
            without.append(login)
            continue
        address = address.strip().lower()
        if refused_characters(address):
            refused.append(address)
            continue
        _grant(levels, address, by_user[user_id])
    # a link that gives no access (ambiguous, removed) gives none here
    for address, user_id in linked_users(session, environment.value).items():
        for key in [k for k in levels if k[0] == address]:
            del levels[key]
        if refused_characters(address):
            refused.append(address)
            continue
        _grant(levels, address, by_user.get(user_id, []) if user_id is not None else [])
    return levels, sorted(without), sorted(set(refused))


def _grant(
    levels: dict[tuple[str, int], AccessLevel], address: str, grants: list[tuple[int, AccessLevel]]
) -> None:
    for company_id, level in grants:
        if levels.get((address, company_id)) != AccessLevel.FULL:
            levels[(address, company_id)] = level


def derive_access(
    session: Session, environment: Environment, *, by: str, run_id: int | None = None
) -> Derivation:
    """Make the ``odoo`` rows equal what Odoo's users and allowed companies give (see above)."""
    run = resolve_run(session, environment, run_id)
    levels, without, refused = derived_levels(session, environment, run.id)
    result = Derivation(run_id=run.id, without_email=without, refused=refused)
    current = {(r.user_email, r.company_id): r for r in session.scalars(select(UserCompanyAccess))}
    for (email, company_id), level in sorted(levels.items()):
        row = current.get((email, company_id))
        if row is not None and row.source == AccessSource.MANUAL:
            result.kept_manual.append((email, company_id))
            continue
        if row is None:
            result.added.append((email, company_id, level.value))
        elif row.access_level != level.value:
            result.changed.append((email, company_id, level.value))
        else:
            continue
        set_access(session, email, company_id, level, by=by, source=AccessSource.ODOO)
    for (email, company_id), row in sorted(current.items()):
        if row.source == AccessSource.ODOO and (email, company_id) not in levels:
            _log(session, by, email, company_id, row.access_level, None, row.source)
            session.delete(row)
            result.removed.append((email, company_id))
    session.flush()
    return result
