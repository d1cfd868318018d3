"""Who sees which sales record: a person sees what their linked Odoo user may read in Odoo.

For one person (:func:`visibility_for`): the latest CRM sync of ``ODOOBRIDGE_SALES_ENVIRONMENT``,
the person's link (:mod:`.linking`), and the latest security sync of that environment, whose
access rights and record rules (:mod:`.rules`: the read ACL, global rules ANDed, group rules
ORed) become one SQL WHERE clause per served model over the sales tables
(:mod:`.fieldmaps`). A rule that cannot be evaluated denies. When anything is missing — no CRM
sync, no link, no security sync, an Odoo user the security sync does not know — the person sees
nothing and :attr:`Visibility.reason` says what to do.

Clauses are compiled once per (security run, CRM run, Odoo user) and kept in a small bounded
cache (:func:`cached`): runs never change once they succeeded, so a new run is a new key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from odoobridge.access.analysis.effective import index_for
from odoobridge.access.sync import SYNC_TYPE as SECURITY_SYNC
from odoobridge.auth.accounts import account_by_email
from odoobridge.auth.models import Account, ApiKey
from odoobridge.auth.principal import Principal
from odoobridge.environment import Environment
from odoobridge.runcache import RunCache
from odoobridge.sales.crm_sync import SYNC_TYPE as CRM_SYNC
from odoobridge.sales.fieldmaps import SERVED_MODELS, alive, field_maps
from odoobridge.sales.linking import link_account, link_of
from odoobridge.sales.models import FACT_TABLES, LinkStatus, SalesLink
from odoobridge.sales.rules import user_context, visible_where
from odoobridge.settings import Settings
from odoobridge.sync.models import SyncRun
from odoobridge.sync.runs import latest_success

VISIBLE = "visible"
T = TypeVar("T")

# --- the per-run cache ------------------------------------------------------------------------

# Compiled clauses, counts, pages and KPIs per (security run, CRM run, person …): runs never
# change once they succeed, so a key's answer never goes stale.
_CACHE: RunCache[Hashable, Any] = RunCache(size=512)


def cached(key: Hashable, build: Callable[[], T]) -> T:
    """``build()`` once per ``key`` (least recently used entries go first)."""
    value: T = _CACHE.get(key, build)
    return value


# --- what one person sees ---------------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    environment: str
    status: str  # "visible", or why not: a link status, not_a_person, no_crm_sync …
    reason: str | None = None
    email: str | None = None
    odoo_user_id: int | None = None
    salesperson: str | None = None
    crm_run_id: int | None = None
    crm_synced_at: datetime | None = None
    security_run_id: int | None = None
    as_of_run_id: int | None = None  # a past CRM run being read (None: the latest state)
    clauses: Mapping[str, ColumnElement[bool]] = field(default_factory=dict, hash=False)
    key: Hashable | None = None  # same key, same answers: runs never change once they succeed

    @property
    def visible(self) -> bool:
        return self.status == VISIBLE

    def where(self, model: str) -> ColumnElement[bool]:
        """The clause selecting the rows of ``model`` this person may read (FALSE: none)."""
        return self.clauses.get(model, false()) if self.visible else false()

    @property
    def run_id(self) -> int | None:
        """The CRM run whose state is read (None: the latest, alive rows)."""
        return self.as_of_run_id

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "environment": self.environment,
            "email": self.email,
            "odoo_user_id": self.odoo_user_id,
            "salesperson": self.salesperson,
            "crm_run_id": self.crm_run_id,
            "crm_synced_at": self.crm_synced_at.isoformat() if self.crm_synced_at else None,
            "security_run_id": self.security_run_id,
            "as_of_run_id": self.as_of_run_id,
        }


def _link_reason(link: SalesLink, email: str) -> str:
    fix = f"`odoobridge sales link {email} --odoo-user ID`"
    if link.status == LinkStatus.NOT_FOUND:
        return (
            f"no Odoo user has {email} as login or e-mail: a super admin can link your "
            f"account to one ({fix})"
        )
    if link.status == LinkStatus.AMBIGUOUS:
        ids = ", ".join(str(i) for i in link.candidates)
        return f"the Odoo users {ids} share {email}: a super admin must pick yours ({fix})"
    if link.status == LinkStatus.ARCHIVED:
        return (
            f"your Odoo user {link.odoo_user_id} is archived in Odoo: sales records are "
            "shown only while it is active"
        )
    return f"a super admin removed your account's link to Odoo ({fix} links it again)"


def visibility_for_principal(
    session: Session, settings: Settings, principal: Principal, *, as_of: datetime | None = None
) -> Visibility:
    """What the caller of a route or an MCP tool sees: a signed-in person's account, or, for an
    API key, the account of the person who made it (a key made from the command line belongs to
    nobody and sees nothing)."""
    environment = settings.sales_environment.value
    account = key_owner(session, principal) if principal.kind == "api_key" else None
    if principal.kind == "session":
        account = session.get(Account, principal.id)
    if account is None:
        return Visibility(
            environment,
            "not_a_person",
            "sales records are shown to people, each as their Odoo user sees them: sign in, or "
            "use an API key made by a person on the Admin page (a key made from the command "
            "line is nobody's)",
        )
    return visibility_for(session, settings, account, as_of=as_of)


def key_owner(session: Session, principal: Principal) -> Account | None:
    """The account whose API key this is (by the e-mail the key was made by)."""
    key = session.get(ApiKey, principal.id)
    return account_by_email(session, key.created_by) if key is not None else None


def crm_run_at(session: Session, environment: str, as_of: datetime | None) -> SyncRun | None:
    """The latest successful CRM run (completed at or before ``as_of`` when given)."""
    if as_of is None:
        return latest_success(session, CRM_SYNC, environment)
    query = (
        select(SyncRun)
        .where(
            SyncRun.sync_type == CRM_SYNC,
            SyncRun.environment == environment,
            SyncRun.status == "success",
            SyncRun.completed_at <= as_of,
        )
        .order_by(SyncRun.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def visibility_for(
    session: Session, settings: Settings, account: Account, *, as_of: datetime | None = None
) -> Visibility:
    """What ``account`` sees (see the module docstring); ``as_of`` reads a past CRM state."""
    env = settings.sales_environment
    environment = env.value
    base: dict[str, Any] = {"email": account.email}
    latest = latest_success(session, CRM_SYNC, environment)
    crm = crm_run_at(session, environment, as_of) if as_of is not None else latest
    if crm is None:
        when = f" before {as_of.isoformat()}" if as_of is not None and latest else ""
        reason = f"the CRM of {environment} has no successful sync{when}: an admin runs " + (
            "`odoobridge sync crm`" if not when else "it earlier, or pick a later date"
        )
        return Visibility(environment, "no_crm_sync", reason, **base)
    base.update(crm_run_id=crm.id, crm_synced_at=crm.completed_at)
    if as_of is not None and latest is not None and crm.id != latest.id:
        base["as_of_run_id"] = crm.id
    link = link_of(session, account.id)
    if link is None or link.environment != environment:
        link = link_account(session, account, environment, by="first-use")
    base.update(odoo_user_id=link.odoo_user_id, salesperson=link.salesperson_name)
    if link.status != LinkStatus.MATCHED or link.odoo_user_id is None:
        return Visibility(environment, link.status, _link_reason(link, account.email), **base)
    security = latest_success(session, SECURITY_SYNC, environment)
    if security is None:
        reason = (
            f"no security sync of {environment} yet: its access rights and record rules decide "
            f"what each person sees — run `odoobridge sync odoo --env {environment.lower()}`"
        )
        return Visibility(environment, "no_security_sync", reason, **base)
    base["security_run_id"] = security.id
    user_id = link.odoo_user_id
    key = (
        f"{session.get_bind().engine.url}#{security.started_at.isoformat()}",
        environment,
        security.id,
        crm.id,
        base.get("as_of_run_id"),
        user_id,
    )
    clauses = cached(key, lambda: _compile(session, env, security.id, crm.id, base, user_id))
    if clauses is None:
        reason = (
            f"the Odoo user {user_id} is not in the security sync run {security.id} of "
            f"{environment}: run `odoobridge sync odoo --env {environment.lower()}` again"
        )
        return Visibility(environment, "unknown_user", reason, **base)
    return Visibility(environment, VISIBLE, None, clauses=clauses, key=key, **base)


def _compile(
    session: Session,
    environment: Environment,
    security_run_id: int,
    crm_run_id: int,
    base: dict[str, Any],
    user_id: int,
) -> dict[str, ColumnElement[bool]] | None:
    index = index_for(session, environment, security_run_id)
    user = index.snap.users.get(user_id)
    if user is None:
        return None
    run_id = base.get("as_of_run_id")
    partners = FACT_TABLES["partners"]
    commercial = None
    if user.partner_id is not None:
        commercial = session.scalar(
            select(partners.c.commercial_partner_id).where(
                alive(partners, environment.value, run_id), partners.c.odoo_id == user.partner_id
            )
        )
    ctx = user_context(index, user_id, commercial_partner_id=commercial, now=datetime.now(UTC))
    maps = field_maps(environment.value, run_id)
    return {
        model: visible_where(index, user_id, model, maps[model], ctx) for model in SERVED_MODELS
    }
