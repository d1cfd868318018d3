"""Findings that lead somewhere: Merge & Compare outcomes are findings, and every finding has a
lifecycle — found, acknowledged, accepted until a date (reopening when it passes), resolved by the
run that no longer has it and reopened when it returns — with an owner, comments and every change
audited. On the real Odoo 18 fixture, with Entra users synced through the mock path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from odoobridge.access.findings import lifecycle
from odoobridge.access.findings.listing import FindingFilter, finding_detail, listing
from odoobridge.access.findings.models import FindingEvent, FindingState
from odoobridge.access.findings.reports import reviewed_findings, run_findings
from odoobridge.auth.accounts import create_local_account
from odoobridge.auth.audit import Origin
from odoobridge.auth.models import AuditEvent
from odoobridge.auth.roles import Role
from odoobridge.environment import Environment
from odoobridge.errors import Conflict, NotFound, Unprocessable
from odoobridge.store.base import utcnow
from tests.access.conftest import Synced
from tests.access.test_compare import ADMIN, DEMO, PORTAL, Directory

PREPROD = Environment.PREPROD


@pytest.fixture
def directory(synced18: Synced, tmp_path: Path) -> Directory:
    return Directory(synced18, tmp_path)


def statuses(synced: Synced, settings: object = None) -> dict[str, str]:
    with synced.store.session() as session:
        _, found = reviewed_findings(session, settings or synced.settings, PREPROD)  # type: ignore[arg-type]
    return {r.finding.id: r.status for r in found}


def test_a_leaver_is_a_critical_finding(directory: Directory) -> None:
    directory.sync(ADMIN, {**DEMO, "accountEnabled": False}, PORTAL)
    with directory.synced.store.session() as session:
        found = run_findings(session, directory.settings, PREPROD).findings
    (leaver,) = [f for f in found if f.kind == "leaver"]
    assert (leaver.severity, leaver.subject["login"], leaver.evidence) == (
        "critical",
        "demo",
        ["disabled in Entra; still active in Odoo"],
    )
    assert found[0] == leaver  # most severe first
    # every other Merge & Compare category is a finding of its own kind, with Entra's people
    kinds = {f.kind for f in found}
    assert {"leaver"} <= kinds and "entra_only" not in kinds  # everyone here has an account
    directory.sync(ADMIN, PORTAL, {**DEMO, "accountEnabled": True})
    with directory.synced.store.session() as session:
        found = run_findings(session, directory.settings, PREPROD).findings
    assert not [f for f in found if f.kind == "leaver"]


def test_a_finding_is_found_then_resolved_then_reopened_by_the_runs(synced18: Synced) -> None:
    statuses(synced18)
    # Odoo gives a global ACL row (no group) a right: everyone may read crm.team.member
    synced18.db.execute("UPDATE ir_model_access SET perm_read = true WHERE id = 96")
    first = synced18.sync()
    with synced18.store.session() as session:
        found = run_findings(session, synced18.settings, PREPROD).findings
    global_acl = next(f for f in found if f.kind == "global_acl")
    assert global_acl.subject["acl_id"] == 96
    assert statuses(synced18)[global_acl.id] == "open"
    with synced18.store.session() as session:
        state = session.get(FindingState, global_acl.id)
        assert state is not None and (state.first_seen_run_id, state.status) == (first, "open")
    # Odoo takes the right back: the next run no longer has the finding, which resolves by itself
    synced18.db.execute("UPDATE ir_model_access SET perm_read = false WHERE id = 96")
    second = synced18.sync()
    assert global_acl.id not in statuses(synced18)
    with synced18.store.session() as session:
        resolved = listing(
            session, synced18.settings, PREPROD, None, FindingFilter(status="resolved")
        ).items
        assert global_acl.id in [r.finding.id for r in resolved]
        state = session.get(FindingState, global_acl.id)
        assert state is not None and state.status == "resolved" and state.resolved_at
    # it comes back: reopened, and its history says why each time
    synced18.db.execute("UPDATE ir_model_access SET perm_read = true WHERE id = 96")
    third = synced18.sync()
    assert statuses(synced18)[global_acl.id] == "open"
    with synced18.store.session() as session:
        history = [(e.actor, e.action, e.comment) for e in lifecycle.events(session, global_acl.id)]
    assert history == [
        ("system", "found", f"run {first}"),
        ("system", "resolved", f"no longer found in run {second}"),
        ("system", "reopened", f"found again in run {third}"),
    ]


def test_people_acknowledge_accept_reopen_assign_and_comment(synced18: Synced) -> None:
    statuses(synced18)  # the run is reconciled the first time its findings are asked for
    store = synced18.store
    with store.session() as session:
        found = run_findings(session, synced18.settings, PREPROD).findings
        target = next(f for f in found if f.kind == "admin_access").id
        create_local_account(
            session,
            email="owner@example.com",
            name="Owner",
            password="a-long-password-1",
            role=Role.AUDITOR,
            by="test",
            origin=Origin.cli(),
        )
    with store.session() as session:
        lifecycle.acknowledge(session, target, actor="auditor@example.com", comment="on it")
    with store.session() as session, pytest.raises(Conflict, match="only an open one"):
        lifecycle.acknowledge(session, target, actor="auditor@example.com")
    with store.session() as session:
        with pytest.raises(Unprocessable, match="reason: say why"):
            lifecycle.accept_risk(
                session, target, actor="a", reason="ok", until=utcnow() + timedelta(days=9)
            )
        with pytest.raises(Unprocessable, match="until: the acceptance must end in the future"):
            lifecycle.accept_risk(
                session,
                target,
                actor="a",
                reason="break-glass account for the auditors",
                until=utcnow() - timedelta(days=1),
            )
        with pytest.raises(Unprocessable, match="owner: no OdooBridge account"):
            lifecycle.assign(session, target, owner="stranger@example.com", actor="a")
        with pytest.raises(NotFound, match="no finding 'nope:1'"):
            lifecycle.acknowledge(session, "nope:1", actor="a")
    until = utcnow() + timedelta(days=30)
    with store.session() as session:
        lifecycle.accept_risk(
            session,
            target,
            actor="auditor@example.com",
            reason="break-glass account, reviewed quarterly",
            until=until,
        )
        lifecycle.assign(session, target, owner="OWNER@example.com", actor="auditor@example.com")
        lifecycle.comment(session, target, text="checked with IT", actor="auditor@example.com")
    assert statuses(synced18)[target] == "accepted_risk"
    with store.session() as session:
        detail = finding_detail(session, synced18.settings, target)
        assert (detail["status"], detail["owner"], detail["reason"]) == (
            "accepted_risk",
            "owner@example.com",
            "break-glass account, reviewed quarterly",
        )
        assert [e["action"] for e in detail["events"]] == [
            "found",
            "acknowledged",
            "accepted",
            "assigned",
            "commented",
        ]
        audited = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target == target).order_by(AuditEvent.id)
        ).all()
        assert audited == [
            "finding.acknowledged",
            "finding.accepted",
            "finding.assigned",
            "finding.commented",
        ]
    # the acceptance ends: the finding reads open at once and the next reconciliation says why
    with store.session() as session:
        session.execute(
            update(FindingState)
            .where(FindingState.finding_id == target)
            .values(accepted_until=utcnow() - timedelta(minutes=1))
        )
    assert statuses(synced18)[target] == "open"
    synced18.sync()
    statuses(synced18)
    with store.session() as session:
        state = session.get(FindingState, target)
        assert state is not None and state.status == "open"
        last = session.scalars(
            select(FindingEvent)
            .where(FindingEvent.finding_id == target)
            .order_by(FindingEvent.id.desc())
        ).first()
        assert last is not None and (last.action, last.comment) == (
            "reopened",
            "the accepted risk expired",
        )
    with store.session() as session:
        lifecycle.acknowledge(session, target, actor="a")
        lifecycle.reopen(session, target, actor="a", comment="not fixed after all")
    assert statuses(synced18)[target] == "open"
    with store.session() as session, pytest.raises(Conflict, match="only an acknowledged"):
        lifecycle.reopen(session, target, actor="a")


def test_a_run_is_reconciled_once(synced18: Synced) -> None:
    statuses(synced18)
    statuses(synced18)
    with synced18.store.session() as session:
        found = session.scalars(select(FindingEvent.action)).all()
    assert found.count("found") == len(set(statuses(synced18)))  # one "found" per finding


def test_filters_by_status_kind_user_and_text(synced18: Synced) -> None:
    statuses(synced18)
    with synced18.store.session() as session:
        every = listing(session, synced18.settings, PREPROD, None, FindingFilter())
        demo = listing(session, synced18.settings, PREPROD, None, FindingFilter(user_id=6))
        sod = listing(session, synced18.settings, PREPROD, None, FindingFilter(kind="sod_conflict"))
        text = listing(session, synced18.settings, PREPROD, None, FindingFilter(text="DEMO MAY"))
    assert every.status_counts["open"] == len(every.items) > 0
    assert demo.items and all(r.finding.subject.get("odoo_user_id") == 6 for r in demo.items)
    assert sod.items and {r.finding.kind for r in sod.items} == {"sod_conflict"}
    assert text.items and all("demo may" in r.finding.title.lower() for r in text.items)


def test_a_busy_store_delays_reconciling_but_never_the_reader(synced18: Synced) -> None:
    """SQLite's write lock held elsewhere: findings are answered (open) within the wait, and the
    next reader reconciles."""
    import sqlite3
    import time

    from odoobridge.access.findings.models import FindingReconciliation

    path = synced18.store.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        found = statuses(synced18)
        assert time.monotonic() - started < 10
        assert found and set(found.values()) == {"open"}
        with synced18.store.session() as session:
            assert session.scalars(select(FindingReconciliation)).first() is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    statuses(synced18)
    with synced18.store.session() as session:
        assert session.scalars(select(FindingReconciliation)).first() is not None


def test_the_entra_card_of_a_user(directory: Directory) -> None:
    from odoobridge.access.views.entra import entra_card
    from odoobridge.access.views.runview import build_view

    view = build_view(directory.synced.index())
    with directory.synced.store.session() as session:
        assert entra_card(session, directory.settings, view, 6).directory_run is None
    directory.sync(ADMIN, {**DEMO, "accountEnabled": False, "manager": {"id": ADMIN["id"]}}, PORTAL)
    with directory.synced.store.session() as session:
        card = entra_card(session, directory.settings, view, 6)
        nobody = entra_card(session, directory.settings, view, 2)  # admin: matched by UPN
    assert (card.state, card.how, card.person and card.person.display_name) == (
        "disabled",
        "email",
        "Marc Demo",
    )
    assert nobody.person is not None and nobody.state == "enabled"
