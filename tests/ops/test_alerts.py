"""Alert rules on real situations built in the store (a failed sync, a stale source, new high
findings on the demo data, an old Entra delta link, a stuck gateway proposal), each silent
otherwise; de-duplication and the cleared message on a frozen clock (``now`` is passed in);
quiet hours; a failing channel logged and reported. Messages go to a real webhook receiver that
checks the HMAC and to a real SMTP server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from odoobridge.access.sync import sync_odoo
from odoobridge.auth.audit import Origin
from odoobridge.directory.sync import sync_azure
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.gateway.execute import claim
from odoobridge.gateway.models import Proposal
from odoobridge.gateway.proposals import Draft, store_proposal
from odoobridge.ops.alerts import send_test
from odoobridge.settings import Settings
from odoobridge.sources.graph import GraphClient, GraphConfig
from odoobridge.sources.odoo_mock import OdooMockReader
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store
from odoobridge.sync.models import SyncRun
from tests.fakes.identity import FakeIdentityPlatform
from tests.fakes.identity_fixtures import FakeClock
from tests.fakes.mail_and_hooks import SmtpServer, WebhookReceiver
from tests.ops.alerting import alert_settings, audit, evaluate, failed_prod_sync, only, states
from tests.ops.history import ODOO_PREPROD, fill_history, preprod_with_admin_demo, sync_preprod

Make = Callable[..., Settings]


def prod_demo_sync(store: Store, settings: Settings) -> SyncRun:
    from odoobridge.demo.variants import production_variant

    source = OdooMockReader(document=production_variant(ODOO_PREPROD))
    return sync_odoo(store, settings, Environment.PROD, source=source)


# --- sync_failed ----------------------------------------------------------------------------


def test_a_failed_sync_alerts_once_then_says_it_cleared(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "sync_failed")
    )
    prod_demo_sync(store, settings)
    now = utcnow()
    assert evaluate(store, settings, now).notifications == []  # all well: silent

    failed = failed_prod_sync(store, settings)
    report = evaluate(store, settings, now + timedelta(minutes=5))
    [note] = report.notifications
    assert (note.rule, note.key, note.event) == ("sync_failed", "odoo_postgres:PROD", "fired")
    assert [(d.channel, d.ok) for d in note.deliveries] == [("hook", True)]
    [hook] = receiver.hooks
    assert hook.verified, hook.reason
    assert hook.body["title"] == "Odoo (Production): sync failed"
    assert hook.body["severity"] == "error"
    assert hook.body["body"].startswith(f"Run {failed.id} of Odoo (Production) (started by cli)")
    assert failed.error is not None and failed.error in hook.body["body"]
    assert hook.body["links"] == [{"label": "Data & Integrations",
                                   "url": "https://odoobridge.example.com/integrations?env=PROD"}]  # fmt: skip

    # the same condition, again and again: nothing more
    assert evaluate(store, settings, now + timedelta(minutes=10)).notifications == []
    failed_prod_sync(store, settings)
    assert evaluate(store, settings, now + timedelta(minutes=15)).notifications == []
    assert len(receiver.hooks) == 1

    recovered = prod_demo_sync(store, settings)
    [note] = evaluate(store, settings, now + timedelta(minutes=20)).notifications
    assert (note.rule, note.event, note.title) == (
        "sync_failed", "cleared", "Odoo (Production): syncing again")  # fmt: skip
    cleared = receiver.hooks[-1].body
    assert cleared["severity"] == "success"
    assert cleared["body"].startswith(f"Run {recovered.id} of Odoo (Production) succeeded at ")
    assert evaluate(store, settings, now + timedelta(minutes=25)).notifications == []
    state = states(store, "sync_failed")["odoo_postgres:PROD"]
    assert (state.active, state.notified, state.clear_notified) == (False, ["hook"], ["hook"])
    assert [e.action for e in audit(store, "alert.sent") + audit(store, "alert.cleared")] == [
        "alert.sent", "alert.cleared"]  # fmt: skip

    # a cleared condition is forgotten after 30 days; failing again is told again
    evaluate(store, settings, now + timedelta(days=31))
    assert states(store, "sync_failed") == {}
    failed_prod_sync(store, settings)
    [note] = evaluate(store, settings, now + timedelta(days=31, minutes=5)).notifications
    assert (note.event, len(receiver.hooks)) == ("fired", 3)


# --- stale_source ---------------------------------------------------------------------------


def test_a_stale_source(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    # ODOOBRIDGE_STALE_HOURS: 24 by default
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "stale_source")
    )
    run = prod_demo_sync(store, settings)
    assert run.completed_at is not None
    done = run.completed_at
    assert evaluate(store, settings, done + timedelta(hours=23)).notifications == []
    [note] = evaluate(store, settings, done + timedelta(hours=25)).notifications
    assert (note.rule, note.key) == ("stale_source", "odoo_postgres:PROD")
    body = receiver.hooks[-1].body
    assert body["title"] == "Odoo (Production): no successful sync for 24 h"
    assert "(25.0 hours ago)" in body["body"]
    # Pre-Production and Entra have never run and are not configured: not watched
    assert set(states(store, "stale_source")) == {"odoo_postgres:PROD"}

    fresh = prod_demo_sync(store, settings)
    assert fresh.completed_at is not None
    [note] = evaluate(store, settings, fresh.completed_at + timedelta(hours=1)).notifications
    assert (note.event, note.title) == ("cleared", "Odoo (Production): fresh again")

    # per source, from the alerts file: PROD within 6 hours
    rules = only(tmp_path, "stale_source", '{sources: {"odoo_postgres:PROD": 6}}')
    strict = alert_settings(make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=rules)
    assert evaluate(store, strict, fresh.completed_at + timedelta(hours=5)).notifications == []
    [note] = evaluate(store, strict, fresh.completed_at + timedelta(hours=7)).notifications
    assert receiver.hooks[-1].body["title"] == "Odoo (Production): no successful sync for 6 h"


def test_a_source_that_never_succeeded(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    rules = only(tmp_path, "stale_source", "{sources: {azure_users: 48}}")
    settings = alert_settings(make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=rules)
    failed = failed_prod_sync(store, settings)
    # Entra is named in the rule and has never synced: stale at once
    [note] = evaluate(store, settings, failed.started_at + timedelta(hours=1)).notifications
    assert note.key == "azure_users:-"
    assert (
        receiver.hooks[-1]
        .body["body"]
        .startswith(
            "Microsoft Entra ID has had no successful sync within 48 hours: it has never synced "
            "successfully."
        )
    )
    # PROD has only failed: stale 24 hours after its first run
    [note] = evaluate(store, settings, failed.started_at + timedelta(hours=25)).notifications
    assert note.key == "odoo_postgres:PROD"
    assert "it has never synced successfully" in receiver.hooks[-1].body["body"]


# --- new_findings ---------------------------------------------------------------------------


def test_new_high_findings_in_one_message(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "new_findings")
    )
    first = sync_preprod(store, settings)
    assert evaluate(store, settings, utcnow()).notifications == []  # the first run: the baseline
    history = fill_history(store, settings, tmp_path)  # Marc Demo gets Settings in PREPROD
    report = evaluate(store, settings, utcnow())
    [note] = [n for n in report.notifications if n.rule == "new_findings"]
    assert note.key == f"PREPROD:run {history.preprod[1]}"
    [hook] = [h for h in receiver.hooks if h.body["title"].startswith("Odoo (Pre-Production)")]
    body = hook.body
    assert body["title"] == "Odoo (Pre-Production): 10 new critical/high findings"
    assert body["severity"] == "error"
    lines = body["body"].splitlines()
    assert lines[0] == (
        f"Run {history.preprod[1]} of Odoo (Pre-Production) brought 10 new critical/high "
        f"findings compared with run {history.preprod[0]}:"
    )
    assert "- [HIGH] demo holds Settings (full administration) — "\
           "https://odoobridge.example.com/users/6?env=PREPROD" in lines  # fmt: skip
    assert "- [HIGH] demo may write and unlink res.users — "\
           "https://odoobridge.example.com/users/6?env=PREPROD" in lines  # fmt: skip
    assert len(lines) == 11
    assert body["links"] == [{"label": "Analysis", "url":
        "https://odoobridge.example.com/analysis?env=PREPROD&severity=high#findings"}]  # fmt: skip
    assert first < history.preprod[0]
    # Production's second run removed a group: nothing new there
    assert not [n for n in report.notifications if n.key.startswith("PROD:")]

    # still there at the next evaluation: not sent again
    assert [n for n in evaluate(store, settings, utcnow()).notifications
            if n.rule == "new_findings"] == []  # fmt: skip
    sync_preprod(store, settings, preprod_with_admin_demo())  # a run without news
    assert [n for n in evaluate(store, settings, utcnow()).notifications
            if n.rule == "new_findings"] == []  # fmt: skip
    sync_preprod(store, settings)  # Settings taken away again: every listed finding is gone
    [note] = [n for n in evaluate(store, settings, utcnow()).notifications
              if n.rule == "new_findings"]  # fmt: skip
    assert (note.event, note.title) == (
        "cleared",
        "Odoo (Pre-Production): reported findings resolved",
    )
    assert receiver.hooks[-1].body["body"] == (
        f"None of the 10 findings reported for run {history.preprod[1]} of Odoo (Pre-Production) "
        "remains at its latest run."
    )


def test_only_the_chosen_severities(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    rules = only(tmp_path, "new_findings", "{severities: [critical]}")
    settings = alert_settings(make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=rules)
    fill_history(store, settings, tmp_path)  # brings high findings, no critical one
    report = evaluate(store, settings, utcnow())
    assert [n for n in report.notifications if n.rule == "new_findings"] == []


# --- delta_link -----------------------------------------------------------------------------


def test_an_entra_delta_link_near_its_expiry(
    store_url: str,
    live_settings: Make,
    clock: FakeClock,
    fake: FakeIdentityPlatform,
    receiver: WebhookReceiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.fakes.notify_fixtures import channels_json, hook_channel

    monkeypatch.delenv("SSL_CERT_FILE")  # the fake points it nowhere; the webhook's TLS reads it
    settings = live_settings(
        DATABASE_URL=store_url,
        ODOOBRIDGE_NOTIFY_CHANNELS=channels_json(hook=hook_channel(receiver)),
        ODOOBRIDGE_ALERTS_CHANNELS="hook",
        ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "delta_link"),
    )
    store = Store(store_url)
    try:

        def sync() -> None:
            client = GraphClient(GraphConfig.from_settings(settings), clock=clock)
            sync_azure(store, settings, source=client)

        sync()
        from odoobridge.directory.state import latest_directory_run
        from odoobridge.directory.sync import saved_delta_link

        with store.session() as session:
            saved = saved_delta_link(session, latest_directory_run(session))
        assert saved is not None
        obtained = saved.obtained_at
        assert evaluate(store, settings, obtained + timedelta(days=5)).notifications == []
        [note] = evaluate(store, settings, obtained + timedelta(days=6, hours=12)).notifications
        assert (note.rule, note.key) == ("delta_link", "azure_users")
        body = receiver.hooks[-1].body
        assert body["title"] == "Microsoft Entra ID: delta link about to expire"
        expires = (obtained + timedelta(days=7)).strftime("%Y-%m-%d %H:%M UTC")
        assert f"is 6 days old and expires about {expires}: sync before then" in body["body"]
        assert evaluate(store, settings, obtained + timedelta(days=7, hours=1)).notifications == []

        sync()  # a delta sync saves a new link
        with store.session() as session:
            renewed = saved_delta_link(session, latest_directory_run(session))
        assert renewed is not None and renewed.obtained_at > obtained
        [note] = evaluate(store, settings, renewed.obtained_at + timedelta(hours=1)).notifications
        assert (note.event, note.title) == ("cleared", "Microsoft Entra ID: delta link renewed")
    finally:
        store.dispose()


# --- stuck_proposals ------------------------------------------------------------------------


def test_a_proposal_stuck_in_executing(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "stuck_proposals")
    )
    draft = Draft("partner", "Create the contact Stuck Ltd", "case-42")
    draft.add("create", "res.partner", "create", {"name": "Stuck Ltd"})
    with store.session() as session:
        proposal_id = store_proposal(session, settings, draft, actor="agent@example.com").id
    claim(store, settings, proposal_id, actor="ops@example.com", origin=Origin.cli())
    # …and the process died before recording the outcome: the proposal stays executing
    claimed = utcnow()
    assert evaluate(store, settings, claimed + timedelta(minutes=10)).notifications == []
    [note] = evaluate(store, settings, claimed + timedelta(minutes=16)).notifications
    assert (note.rule, note.key) == ("stuck_proposals", f"proposal:{proposal_id}")
    body = receiver.hooks[-1].body
    assert body["title"] == f"Gateway proposal {proposal_id} stuck in executing"
    assert body["body"].startswith(
        f"Proposal {proposal_id} (Create the contact Stuck Ltd; case case-42, proposed by "
        "agent@example.com, confirmed by ops@example.com) has been executing since "
    )
    assert body["links"][0]["url"] == f"https://odoobridge.example.com/odoo/proposals/{proposal_id}"
    with store.session() as session:  # an operator settles it after checking Odoo
        session.execute(update(Proposal).where(Proposal.id == proposal_id).values(status="failed"))
    [note] = evaluate(store, settings, claimed + timedelta(minutes=20)).notifications
    assert (note.event, receiver.hooks[-1].body["body"]) == (
        "cleared", f"Proposal {proposal_id} is now failed.")  # fmt: skip


# --- quiet hours, failing channels, test messages -------------------------------------------


def test_quiet_hours_hold_messages_until_they_end(
    store: Store, make_settings: Make, receiver: WebhookReceiver, tmp_path: Path
) -> None:
    settings = alert_settings(
        make_settings, receiver, ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "sync_failed"),
        ODOOBRIDGE_ALERTS_QUIET_HOURS="22:00-07:00", ODOOBRIDGE_ALERTS_TIMEZONE="Europe/Brussels",
    )  # fmt: skip
    failed_prod_sync(store, settings)
    night = datetime(2026, 12, 2, 22, 30, tzinfo=UTC)  # 23:30 in Brussels
    [note] = evaluate(store, settings, night).notifications
    assert note.held and note.deliveries == () and receiver.hooks == []
    assert evaluate(store, settings, night + timedelta(hours=7)).notifications[0].held  # 06:30
    [note] = evaluate(store, settings, night + timedelta(hours=7, minutes=40)).notifications
    assert not note.held and len(receiver.hooks) == 1  # 07:10: sent

    # the clearing, in quiet hours, waits for the morning too
    prod_demo_sync(store, settings)
    assert evaluate(store, settings, night + timedelta(days=1)).notifications[0].held
    morning = evaluate(store, settings, night + timedelta(days=1, hours=8))
    assert [(n.event, n.held) for n in morning.notifications] == [("cleared", False)]
    assert receiver.hooks[-1].body["title"] == "Odoo (Production): syncing again"

    # a failure that starts and ends inside quiet hours is never sent at all
    failed_prod_sync(store, settings)
    assert evaluate(store, settings, night + timedelta(days=2)).notifications[0].held
    prod_demo_sync(store, settings)
    assert evaluate(store, settings, night + timedelta(days=2, hours=1)).notifications == []
    assert evaluate(store, settings, night + timedelta(days=2, hours=9)).notifications == []
    assert len(receiver.hooks) == 2


def test_a_failing_channel_is_logged_reported_and_retried(
    store: Store,
    make_settings: Make,
    receiver: WebhookReceiver,
    smtp: SmtpServer,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    settings = alert_settings(make_settings, receiver, smtp, channels="hook,mail",
                              ODOOBRIDGE_ALERTS_FILE=only(tmp_path, "sync_failed"))  # fmt: skip
    receiver.status = 500
    failed_prod_sync(store, settings)
    with caplog.at_level(logging.WARNING, logger="odoobridge"):
        report = evaluate(store, settings, utcnow())
    [(note, delivery)] = report.failures
    assert (note.rule, delivery.channel, delivery.error) == (
        "sync_failed", "hook", "the webhook answered HTTP 500")  # fmt: skip
    assert report.as_dict()["failed"] == 1 and report.sent == 1
    [mail] = smtp.mails
    assert mail.subject == "Odoo (Production): sync failed"
    [line] = [r for r in caplog.records if r.getMessage() == "notification failed"]
    assert "alert_rule=sync_failed" in caplog.text or line.kv["channel"] == "hook"  # type: ignore[attr-defined]
    state = states(store, "sync_failed")["odoo_postgres:PROD"]
    assert (state.notified, state.last_error) == (["mail"], "hook: the webhook answered HTTP 500")
    [event] = audit(store, "alert.delivery_failed")
    assert event.detail["error"] == "hook: the webhook answered HTTP 500"

    report = evaluate(store, settings, utcnow())  # tried again: the webhook only
    assert [d.channel for n in report.notifications for d in n.deliveries] == ["hook"]
    assert len(smtp.mails) == 1 and len(audit(store, "alert.delivery_failed")) == 1

    receiver.status = None
    report = evaluate(store, settings, utcnow())
    assert report.failures == [] and report.sent == 1
    state = states(store, "sync_failed")["odoo_postgres:PROD"]
    assert (sorted(state.notified), state.last_error) == (["hook", "mail"], None)


def test_send_a_test_message(
    make_settings: Make, receiver: WebhookReceiver, smtp: SmtpServer
) -> None:
    settings = alert_settings(make_settings, receiver, smtp)
    [only] = send_test(settings, "mail")
    assert only.ok and smtp.mails[0].subject == "OdooBridge test message"
    assert [(d.channel, d.ok) for d in send_test(settings)] == [("hook", True), ("mail", True)]
    assert receiver.hooks[0].body["title"] == "OdooBridge test message"
    with pytest.raises(ConfigError, match=r"no notification channel 'pager' \(known: hook, mail\)"):
        send_test(settings, "pager")
    with pytest.raises(ConfigError, match="no notification channel is configured"):
        send_test(make_settings())
