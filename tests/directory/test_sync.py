"""The azure_users sync against the fake Graph, into stores on SQLite and PostgreSQL: full and
delta runs, removals kept as history, fallbacks, failed runs, sign-in activity."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from odoobridge.directory.models import SIGN_INS_TABLE, USERS_TABLE, EntraDeltaLink
from odoobridge.directory.state import EntraUser, entra_users
from odoobridge.directory.summary import directory_summary
from odoobridge.directory.sync import SYNC_TYPE, sync_azure
from odoobridge.errors import RunAlreadyRunning
from odoobridge.settings import Settings
from odoobridge.sources.graph import GraphClient, GraphConfig, GraphResponseError
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus, SyncRun
from odoobridge.sync.runs import start_run
from tests.fakes.identity import CLIENT_SECRET, FakeIdentityPlatform, Fault
from tests.fakes.identity_fixtures import (
    ADMIN,
    DEMO,
    DORIS,
    GUEST,
    KELLY,
    PAUL,
    FakeClock,
)

Settings_ = Callable[..., Settings]


def run_sync(store: Store, settings: Settings, clock: FakeClock, **kwargs: Any) -> SyncRun:
    client = GraphClient(GraphConfig.from_settings(settings), clock=clock)
    return sync_azure(store, settings, source=client, **kwargs)


def users_at(store: Store, run_id: int | None = None) -> dict[str, EntraUser]:
    with store.session() as session:
        return {u.azure_id: u for u in entra_users(session, run_id)}


def row_count(store: Store, table: Any = USERS_TABLE) -> int:
    with store.session() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


@pytest.fixture
def settings(live_settings: Settings_, store_url: str) -> Settings:
    return live_settings(DATABASE_URL=store_url)


def test_first_sync_lists_every_user(
    store: Store, settings: Settings, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    run = run_sync(store, settings, clock)
    assert run.status == RunStatus.SUCCESS and run.environment is None
    assert run.sync_type == SYNC_TYPE == "azure_users"
    stats = run.stats
    assert {k: stats[k] for k in ("mode", "source", "fetched", "added", "changed")} == {
        "mode": "full",
        "source": "graph",
        "fetched": 12,
        "added": 12,
        "changed": 0,
    }
    assert (stats["disabled"], stats["removed"], stats["users"]) == (2, 0, 12)
    assert (stats["pages"], stats["retries"], stats["seconds_throttled"]) == (2, 0, 0.0)
    assert stats["full_reason"] == "no delta link saved yet"
    assert stats["sign_ins"] == {"read": False, "warning": None}
    users = users_at(store)
    demo = users[DEMO]
    assert (demo.display_name, demo.mail, demo.user_principal_name) == (
        "Marc Demo",
        "Mark.Brown23@example.com",
        "marc.demo@yourcompany.example.com",
    )
    assert (demo.department, demo.job_title, demo.employee_id) == (
        "Research & Development",
        "Experienced Developer",
        "EMP-0003",
    )
    assert demo.account_enabled is False and demo.manager_id == ADMIN and demo.present
    assert demo.last_password_change is not None
    assert demo.last_password_change.isoformat() == "2026-02-11T09:30:00+00:00"
    assert demo.last_seen_in_azure_at == run.completed_at
    assert users[ADMIN].mail is None and users[ADMIN].manager_id is None
    assert users[GUEST].is_guest and users[GUEST].department is None
    assert sorted({u.department for u in users.values() if u.department}) == [
        "Administration",
        "Long Term Projects",
        "Management",
        "Professional Services",
        "R&D USA",
        "Research & Development",
        "Sales",
    ]
    # The delta link is kept for the next run, and only a fingerprint shows in the stats.
    with store.session() as session:
        link = session.get(EntraDeltaLink, run.id)
    assert link is not None and "$deltatoken=" in link.delta_link
    assert link.delta_link not in json.dumps(run.as_dict())
    assert len(stats["delta_link"]["fingerprint"]) == 12
    assert CLIENT_SECRET not in json.dumps(run.as_dict())


def test_second_sync_follows_the_delta_link_and_writes_nothing_new(
    store: Store, settings: Settings, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    first = run_sync(store, settings, clock)
    rows = row_count(store)
    second = run_sync(store, settings, clock)
    assert second.stats["mode"] == "delta" and second.stats["fetched"] == 0
    assert (second.stats["added"], second.stats["changed"], second.stats["removed"]) == (0, 0, 0)
    assert second.stats["users"] == 12 and second.stats["requests"] == 1
    assert row_count(store) == rows
    assert fake.calls("users")[-1].query["$top"] == "999"  # only the first run listed users
    assert "$deltatoken" in fake.calls("delta")[-1].query
    assert users_at(store, second.id)[DEMO].last_seen_in_azure_at == second.completed_at
    assert users_at(store, first.id)[DEMO].last_seen_in_azure_at == first.completed_at


def test_delta_applies_changes_and_keeps_removed_users(
    store: Store, settings: Settings, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    first = run_sync(store, settings, clock)
    directory = fake.directory
    directory.update(KELLY, department="Marketing", manager=None)
    directory.update(PAUL, accountEnabled=False)
    directory.remove(DEMO, "changed")
    directory.remove(DORIS, "deleted")
    directory.add({"id": "new-hire", "displayName": "Nora New", "mail": "Nora.New@Example.com",
                   "userPrincipalName": "nora.new@yourcompany.example.com",
                   "department": "Sales", "accountEnabled": True, "userType": "Member",
                   "manager": {"id": KELLY}})  # fmt: skip
    second = run_sync(store, settings, clock)
    stats = second.stats
    assert stats["mode"] == "delta" and stats["fetched"] == 5
    assert (stats["added"], stats["changed"], stats["disabled"]) == (1, 2, 1)
    assert stats["removed"] == 2 and stats["removed_by_reason"] == {"changed": 1, "deleted": 1}
    assert (stats["users"], stats["removed_total"]) == (11, 2)

    now = users_at(store)
    assert now[KELLY].department == "Marketing" and now[KELLY].manager_id is None
    assert now[KELLY].mail == "jeffrey.kelly72@example.com"
    assert now[PAUL].account_enabled is False
    assert now["new-hire"].manager_id == KELLY and now["new-hire"].job_title is None
    demo = now[DEMO]
    assert demo.removed_reason == "changed" and not demo.present
    assert demo.removed_at is not None and demo.removed_at <= utcnow()
    assert demo.display_name == "Marc Demo"  # kept, marked gone
    assert demo.last_seen_in_azure_at == first.completed_at
    assert now[DORIS].removed_reason == "deleted"
    # History: the first run still reads back as it was.
    then = users_at(store, first.id)
    assert then[KELLY].department == "Sales" and then[KELLY].manager_id == ADMIN
    assert then[DEMO].present and "new-hire" not in then

    directory.restore(DEMO)
    third = run_sync(store, settings, clock)
    assert (third.stats["restored"], third.stats["removed"]) == (1, 0)
    # The running figures (previous run ± this run's tally) agree with a count of the table.
    assert (third.stats["users"], third.stats["removed_total"]) == (12, 1)
    with store.session() as session:
        counts = directory_summary(session)["counts"]
    assert counts["users (in Entra)"] == 12 and counts["deleted for good"] == 1
    assert users_at(store)[DEMO].present and users_at(store)[DEMO].removed_at is None


def test_full_sync_marks_users_missing_from_the_listing(
    store: Store, settings: Settings, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    first = run_sync(store, settings, clock)
    gone = fake.directory.users.pop(PAUL)  # absent without a delta trace (e.g. out of a filter)
    second = run_sync(store, settings, clock, full=True)
    assert second.stats["full_reason"] == "requested (--full)"
    assert second.stats["removed_by_reason"] == {"missing": 1}
    paul = users_at(store)[PAUL]
    assert paul.removed_reason == "missing" and paul.last_seen_in_azure_at == first.completed_at
    fake.directory.users[PAUL] = gone
    third = run_sync(store, settings, clock, full=True)
    assert third.stats["restored"] == 1 and users_at(store)[PAUL].present


@pytest.mark.parametrize("answer", ["410", "syncStateNotFound"])
def test_an_expired_delta_link_falls_back_to_a_full_sync(
    sqlite_store_url: str,
    live_settings: Settings_,
    clock: FakeClock,
    fake: FakeIdentityPlatform,
    answer: str,
) -> None:
    store = Store(sqlite_store_url)
    settings = live_settings()
    run_sync(store, settings, clock)
    fake.directory.expire_delta_links(answer)
    fake.directory.update(KELLY, jobTitle="Head of Sales")
    run = run_sync(store, settings, clock)
    assert run.stats["mode"] == "full" and run.stats["changed"] == 1
    assert run.stats["full_reason"] == "the delta link could not be used"
    assert "no longer accepts the saved delta link" in run.stats["delta_fallback"]
    assert run_sync(store, settings, clock).stats["mode"] == "delta"  # a new link was saved


def test_a_delta_link_older_than_seven_days_is_not_used(
    sqlite_store_url: str, live_settings: Settings_, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    store = Store(sqlite_store_url)
    settings = live_settings()
    run_sync(store, settings, clock)
    with store.session() as session:
        session.execute(update(EntraDeltaLink).values(obtained_at=utcnow() - timedelta(days=8)))
        summary = directory_summary(session)
    assert "8 days old" in summary["delta_link"]["warning"]
    delta_calls = len(fake.calls("delta"))
    run = run_sync(store, settings, clock)
    assert run.stats["mode"] == "full"
    assert run.stats["delta_fallback"] == (
        "the saved delta link is 8 days old and Graph keeps them about 7 days"
    )
    # Only the new "latest" link was asked for: the stale one was never sent.
    assert [c.query.get("$deltatoken") for c in fake.calls("delta")[delta_calls:]] == ["latest"]


def test_a_failed_run_changes_nothing(
    store: Store, settings: Settings, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    first = run_sync(store, settings, clock)
    rows = row_count(store)
    with store.session() as session:
        link_before = session.get(EntraDeltaLink, first.id)
    fake.directory.update(KELLY, department="Marketing")
    fake.fail("delta", Fault(200, body=b"{not json"))
    with pytest.raises(GraphResponseError):
        run_sync(store, settings, clock)
    with store.session() as session:
        failed = session.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
        assert failed is not None and failed.status == RunStatus.FAILED
        assert failed.error is not None and "malformed JSON" in failed.error
        assert failed.lock_key is None
        assert session.get(EntraDeltaLink, first.id) is not None
    assert link_before is not None
    assert row_count(store) == rows
    assert users_at(store)[KELLY].department == "Sales"  # the last good state stays
    retry = run_sync(store, settings, clock)
    assert retry.stats["mode"] == "delta" and retry.stats["changed"] == 1


def test_sign_in_activity_is_kept_apart_from_the_user_rows(
    store: Store, live_settings: Settings_, store_url: str, clock: FakeClock,
    fake: FakeIdentityPlatform,
) -> None:  # fmt: skip
    fake.app_roles.add("AuditLog.Read.All")
    settings = live_settings(DATABASE_URL=store_url, ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY="1")
    first = run_sync(store, settings, clock)
    assert first.stats["sign_ins"] == {
        "read": True, "fetched": 12, "with_activity": 12, "added": 12, "changed": 0, "removed": 0,
    }  # fmt: skip
    paul = users_at(store)[PAUL]
    assert paul.last_sign_in is not None and paul.last_sign_in.isoformat() == (
        "2026-03-04T09:00:00+00:00"
    )
    user_rows = row_count(store)
    fake.directory.users[ADMIN]["signInActivity"] = {
        "lastSignInDateTime": "2026-11-23T09:30:00Z",
        "lastNonInteractiveSignInDateTime": "2026-11-23T09:31:00Z",
    }
    second = run_sync(store, settings, clock)
    assert second.stats["sign_ins"]["changed"] == 1
    assert row_count(store) == user_rows  # a sign-in is not a new version of the user
    assert row_count(store, SIGN_INS_TABLE) == 13
    admin = users_at(store)[ADMIN]
    assert admin.last_sign_in is not None and admin.last_sign_in.isoformat().startswith(
        "2026-11-23T09:30"
    )
    assert users_at(store, first.id)[ADMIN].last_sign_in != admin.last_sign_in


def test_without_the_sign_in_permission_the_sync_warns_and_succeeds(
    sqlite_store_url: str, live_settings: Settings_, clock: FakeClock
) -> None:
    store = Store(sqlite_store_url)
    run = run_sync(store, live_settings(ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY="1"), clock)
    assert run.status == RunStatus.SUCCESS and run.stats["users"] == 12
    assert run.stats["sign_ins"]["read"] is False
    assert "AuditLog.Read.All" in run.stats["sign_ins"]["warning"]
    assert users_at(store)[ADMIN].last_sign_in is None


def test_a_filter_lists_in_full_every_time(
    sqlite_store_url: str, live_settings: Settings_, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    store = Store(sqlite_store_url)
    settings = live_settings(ODOOBRIDGE_AZURE_USER_FILTER="userType eq 'Member'")
    first = run_sync(store, settings, clock)
    second = run_sync(store, settings, clock)
    for run in (first, second):
        assert run.stats["mode"] == "full" and run.stats["delta_link"] is None
        assert run.stats["users"] == 11
    assert "users/delta filters by id only" in second.stats["full_reason"]
    assert fake.calls("delta") == []
    assert GUEST not in users_at(store)


def test_one_azure_sync_at_a_time(
    sqlite_store_url: str, live_settings: Settings_, clock: FakeClock
) -> None:
    store = Store(sqlite_store_url)
    settings = live_settings()
    with start_run(store, SYNC_TYPE, None, settings=settings) as holder:
        with pytest.raises(RunAlreadyRunning, match="azure_users sync is already running"):
            run_sync(store, settings, clock)
        with store.session() as session:
            running = session.get(SyncRun, holder.id)
            assert running is not None and running.lock_key == "azure_users:-"
            holder.succeed(session, {}, {})
