"""The Entra account matched to an Odoo user, for the user page's Entra tab: whether it is
enabled, disabled or gone, its last sign-ins, department, manager and how it was matched — from
the latest directory run, the same matching as Merge & Compare (kept per pair of runs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from odoobridge.access.compare import Matching, match_accounts
from odoobridge.access.comparisons import identity_map
from odoobridge.access.views.runview import RunView
from odoobridge.directory.state import EntraUser, entra_users, latest_directory_run
from odoobridge.runcache import RunCache
from odoobridge.settings import Settings

STATES = {
    None: "present",
    "changed": "soft-deleted in Entra (restorable for 30 days)",
    "deleted": "deleted from Entra",
    "missing": "missing from the last full listing",
}


@dataclass(frozen=True)
class EntraCard:
    directory_run: int | None  # None: no directory sync yet
    person: EntraUser | None = None
    how: str | None = None  # how the accounts were matched (mail, UPN, login, mapping …)
    manager: str | None = None
    ambiguous: bool = False  # several Entra users claim the user's address

    @property
    def state(self) -> str:
        if self.person is None:
            return "no Entra account"
        if not self.person.present:
            return STATES.get(self.person.removed_reason, "removed from Entra")
        return "disabled" if self.person.account_enabled is False else "enabled"

    @property
    def last_sign_in(self) -> datetime | None:
        if self.person is None:
            return None
        moments = [self.person.last_sign_in, self.person.last_non_interactive_sign_in]
        present = [m for m in moments if m is not None]
        return max(present) if present else None


@dataclass(frozen=True)
class _Matched:
    matching: Matching
    by_id: dict[str, EntraUser]


_MATCHINGS: RunCache[tuple[str, str, int, int], _Matched] = RunCache(size=4)


def entra_card(session: Session, settings: Settings, view: RunView, user_id: int) -> EntraCard:
    run = latest_directory_run(session)
    if run is None:
        return EntraCard(None)

    def match() -> _Matched:
        people = entra_users(session, run.id)
        matching = match_accounts(view.index.snap.users, people, identity_map(settings))
        return _Matched(matching, {p.azure_id: p for p in people})

    key = (str(session.get_bind().engine.url), view.environment.value, view.run_id, run.id)
    matched = _MATCHINGS.get(key, match)
    person = matched.matching.by_odoo.get(user_id)
    login = view.index.snap.users[user_id].login if user_id in view.index.snap.users else ""
    if person is None:
        ambiguous = any(login.lower() in a.lower() for a in matched.matching.ambiguous)
        return EntraCard(run.id, ambiguous=ambiguous)
    manager = matched.by_id.get(person.manager_id) if person.manager_id else None
    return EntraCard(
        run.id,
        person,
        matched.matching.how.get(user_id),
        (manager.display_name or manager.user_principal_name) if manager else None,
    )
