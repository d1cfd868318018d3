"""Which Odoo user each OdooBridge account is (``sales_links``), from the CRM sync's users.

An account's e-mail is compared, in lower case, with every synced Odoo user's login and e-mail:

- one active user has it → ``matched`` (with the user's team, department and company);
- several active users have it → ``ambiguous``: no access until a super admin picks one;
- only archived users have it → ``archived``: access ends with the sync that saw the archiving;
- nobody has it → ``not_found``.

Matching runs when an account is approved (or first asks for sales data) and again after every
CRM sync (:func:`refresh_links`). A super admin may link an account to a user by hand or remove
its link (:func:`set_link`, :func:`remove_link`, both audited): a manual link keeps its user
(turning ``archived`` while that user is), a removed link stays removed, until someone hands the
account back to automatic matching (:func:`reset_link`). Services take a session, never commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from odoobridge.auth.audit import Origin, record
from odoobridge.auth.models import Account, AccountStatus
from odoobridge.errors import Conflict, NotFound
from odoobridge.sales.models import FACT_TABLES, LinkStatus, SalesLink
from odoobridge.store.base import utcnow
from odoobridge.store.temporal import alive_now


@dataclass(frozen=True)
class OdooPerson:
    odoo_id: int
    login: str | None
    name: str | None
    email: str | None
    active: bool
    company_id: int | None
    team_id: int | None


@dataclass
class OdooPeople:
    """The synced Odoo users of one environment, indexed by address, with names around them."""

    users: dict[int, OdooPerson] = field(default_factory=dict)
    by_address: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    teams: dict[int, str | None] = field(default_factory=dict)
    memberships: dict[int, int] = field(default_factory=dict)  # user → first active team
    companies: dict[int, str | None] = field(default_factory=dict)
    departments: dict[int, tuple[int, str | None]] = field(default_factory=dict)  # by user

    def candidates(self, email: str) -> list[int]:
        return sorted(set(self.by_address.get(email.strip().lower(), [])))


def load_people(session: Session, environment: str) -> OdooPeople:
    users = FACT_TABLES["users"]
    people = OdooPeople()
    query = select(
        users.c.odoo_id,
        users.c.login,
        users.c.name,
        users.c.email,
        users.c.active,
        users.c.company_id,
        users.c.team_id,
    ).where(alive_now(users, environment))
    for row in session.execute(query):
        person = OdooPerson(*row)
        people.users[person.odoo_id] = person
        for address in {a.strip().lower() for a in (person.login, person.email) if a}:
            people.by_address[address].append(person.odoo_id)
    people.teams = _names(session, "teams", environment)
    people.companies = _names(session, "companies", environment)
    members = FACT_TABLES["team_members"]
    for user_id, team_id in session.execute(
        select(members.c.user_id, members.c.team_id)
        .where(alive_now(members, environment), members.c.active.is_(True))
        .order_by(members.c.odoo_id)
    ):
        if user_id is not None and team_id is not None:
            people.memberships.setdefault(user_id, team_id)
    departments = _names(session, "departments", environment)
    employees = FACT_TABLES["employees"]
    for user_id, department_id in session.execute(
        select(employees.c.user_id, employees.c.department_id)
        .where(alive_now(employees, environment), employees.c.active.is_(True))
        .order_by(employees.c.odoo_id)
    ):
        if user_id is not None and department_id is not None:
            people.departments.setdefault(user_id, (department_id, departments.get(department_id)))
    return people


def _names(session: Session, entity: str, environment: str) -> dict[int, str | None]:
    table = FACT_TABLES[entity]
    query = select(table.c.odoo_id, table.c.name).where(alive_now(table, environment))
    return {row[0]: row[1] for row in session.execute(query)}


def _describe(link: SalesLink, people: OdooPeople, user_id: int | None) -> None:
    """Fill the link's Odoo details from ``user_id`` (or clear them)."""
    person = people.users.get(user_id) if user_id is not None else None
    link.odoo_user_id = user_id
    link.salesperson_name = person.name if person else None
    team_id = (person.team_id or people.memberships.get(person.odoo_id)) if person else None
    link.team_id = team_id
    link.team_name = people.teams.get(team_id) if team_id is not None else None
    department = people.departments.get(user_id) if user_id is not None else None
    link.department_id, link.department_name = department if department else (None, None)
    link.company_id = person.company_id if person else None
    link.company_name = (
        people.companies.get(person.company_id) if person and person.company_id else None
    )


def _matched(people: OdooPeople, email: str) -> tuple[str, int | None, list[int]]:
    """(status, user, candidates) for an address."""
    found = people.candidates(email)
    active = [u for u in found if people.users[u].active]
    if len(active) == 1:
        return LinkStatus.MATCHED, active[0], []
    if len(active) > 1:
        return LinkStatus.AMBIGUOUS, None, active
    if found:
        return LinkStatus.ARCHIVED, found[0] if len(found) == 1 else None, found
    return LinkStatus.NOT_FOUND, None, []


def _update(
    session: Session,
    link: SalesLink,
    account: Account,
    people: OdooPeople,
    *,
    by: str,
) -> bool:
    """Match ``link`` again; True when its status or user changed (then audited)."""
    before = (link.status, link.odoo_user_id)
    candidates: list[int] = []
    if link.manual and link.status == LinkStatus.UNLINKED:
        status, user_id = LinkStatus.UNLINKED, None
    elif link.manual:
        user_id = link.odoo_user_id
        person = people.users.get(user_id) if user_id is not None else None
        status = LinkStatus.MATCHED if person and person.active else LinkStatus.ARCHIVED
        status = status if person is not None else LinkStatus.NOT_FOUND
    else:
        status, user_id, candidates = _matched(people, account.email)
    link.status = status
    link.candidates = candidates
    _describe(link, people, user_id)
    link.checked_at = utcnow()
    changed = before != (link.status, link.odoo_user_id)
    if changed:
        link.changed_at, link.changed_by = link.checked_at, by
        record(
            session,
            actor=by,
            action="sales_link_updated",
            target=account.email,
            detail={"status": status, "odoo_user_id": user_id, "was": list(before)},
        )
    return changed


def _new_link(account: Account, environment: str, by: str) -> SalesLink:
    return SalesLink(
        account_id=account.id,
        environment=environment,
        status=LinkStatus.NOT_FOUND,
        manual=False,
        candidates=[],
        checked_at=utcnow(),
        changed_at=utcnow(),
        changed_by=by,
    )


def link_of(session: Session, account_id: int) -> SalesLink | None:
    return session.scalars(select(SalesLink).where(SalesLink.account_id == account_id)).first()


def link_account(
    session: Session,
    account: Account,
    environment: str,
    *,
    by: str,
    people: OdooPeople | None = None,
) -> SalesLink:
    """Match one account now (on approval, or its first sales question); returns its link."""
    people = people if people is not None else load_people(session, environment)
    link = link_of(session, account.id)
    if link is None:
        link = _new_link(account, environment, by)
        link.status = ""  # so the first match counts as a change and is audited
        session.add(link)
    elif link.environment != environment:
        link.environment, link.manual = environment, False  # another Odoo: match afresh
    _update(session, link, account, people, by=by)
    session.flush()
    return link


def refresh_links(session: Session, environment: str, *, by: str) -> dict[str, Any]:
    """Match every active account again (after a CRM sync); counts per status."""
    people = load_people(session, environment)
    accounts = session.scalars(select(Account).where(Account.status == AccountStatus.ACTIVE))
    counts: dict[str, int] = defaultdict(int)
    changed = 0
    for account in accounts:
        link = link_of(session, account.id)
        if link is None or link.environment != environment:
            link = link_account(session, account, environment, by=by, people=people)
            changed += 1
        elif _update(session, link, account, people, by=by):
            changed += 1
        counts[link.status] += 1
    session.flush()
    return {"changed": changed, **dict(sorted(counts.items()))}


def _account(session: Session, email: str) -> Account:
    account = session.scalars(select(Account).where(Account.email == email.strip().lower())).first()
    if account is None:
        raise NotFound(f"there is no account {email.strip()}: `odoobridge sales links` lists them")
    return account


def set_link(
    session: Session,
    email: str,
    odoo_user_id: int,
    environment: str,
    *,
    by: str,
    origin: Origin,
) -> SalesLink:
    """Link an account to an Odoo user by hand (a super admin's choice); audited."""
    account = _account(session, email)
    people = load_people(session, environment)
    person = people.users.get(odoo_user_id)
    if person is None:
        raise NotFound(
            f"no Odoo user {odoo_user_id} in the CRM data of {environment}: run "
            "`odoobridge sync crm`, or pick an id from `odoobridge sales links --candidates`"
        )
    if not person.active:
        raise Conflict(f"the Odoo user {odoo_user_id} ({person.login}) is archived: pick another")
    link = link_of(session, account.id) or _new_link(account, environment, by)
    session.add(link)
    link.environment, link.manual = environment, True
    link.status, link.candidates = LinkStatus.MATCHED, []
    _describe(link, people, odoo_user_id)
    link.checked_at = link.changed_at = utcnow()
    link.changed_by = by
    record(
        session,
        actor=by,
        action="sales_link_set",
        target=account.email,
        detail={"odoo_user_id": odoo_user_id, "login": person.login},
        origin=origin,
    )
    session.flush()
    return link


def remove_link(
    session: Session, email: str, environment: str, *, by: str, origin: Origin
) -> SalesLink:
    """Take an account's Odoo user away (it then sees no sales records); audited."""
    account = _account(session, email)
    link = link_of(session, account.id) or _new_link(account, environment, by)
    session.add(link)
    was = link.odoo_user_id
    link.environment, link.manual = environment, True
    link.status, link.candidates = LinkStatus.UNLINKED, []
    link.odoo_user_id = None
    link.salesperson_name = link.team_name = link.department_name = link.company_name = None
    link.team_id = link.department_id = link.company_id = None
    link.checked_at = link.changed_at = utcnow()
    link.changed_by = by
    record(
        session,
        actor=by,
        action="sales_link_removed",
        target=account.email,
        detail={"was": was},
        origin=origin,
    )
    session.flush()
    return link


def reset_link(
    session: Session, email: str, environment: str, *, by: str, origin: Origin
) -> SalesLink:
    """Hand an account back to automatic matching by e-mail; audited."""
    account = _account(session, email)
    link = link_of(session, account.id)
    if link is not None:
        link.manual = False
    record(session, actor=by, action="sales_link_reset", target=account.email, origin=origin)
    return link_account(session, account, environment, by=by)


def list_links(session: Session, environment: str) -> list[dict[str, Any]]:
    """Every account with its link (accounts never matched show as not checked)."""
    links = {link.account_id: link for link in session.scalars(select(SalesLink))}
    people = load_people(session, environment)
    shown: list[dict[str, Any]] = []
    for account in session.scalars(select(Account).order_by(Account.email)):
        link = links.get(account.id)
        entry: dict[str, Any] = {
            "account_id": account.id,
            "email": account.email,
            "name": account.name,
            "account_status": account.status,
            "link": link.as_dict() if link is not None else None,
            "candidates": [
                {
                    "odoo_user_id": u,
                    "login": people.users[u].login,
                    "active": people.users[u].active,
                }
                for u in people.candidates(account.email)
            ],
        }
        shown.append(entry)
    return shown


def linked_users(session: Session, environment: str) -> dict[str, int | None]:
    """E-mail → the Odoo user an account's link gives in ``environment``: the user when
    matched, None when the link gives no access (ambiguous, archived, removed by hand). Accounts
    whose e-mail found nobody are left out (nothing to say about them)."""
    query = (
        select(Account.email, SalesLink.status, SalesLink.odoo_user_id)
        .join(SalesLink, SalesLink.account_id == Account.id)
        .where(SalesLink.environment == environment)
    )
    found: dict[str, int | None] = {}
    for email, status, user_id in session.execute(query):
        if status == LinkStatus.MATCHED:
            found[email] = user_id
        elif status != LinkStatus.NOT_FOUND:
            found[email] = None
    return found
