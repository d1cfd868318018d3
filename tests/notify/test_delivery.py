"""Delivery over real protocols on 127.0.0.1: e-mail to an SMTP server (aiosmtpd), Slack and
Teams through apprise to their fakes, the signed webhook to a receiver that checks the HMAC the
way docs/operations.md tells receivers to. A failing channel is reported and logged, without
its secrets, and never stops the others."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from odoobridge.notify import Link, Message, deliver, send
from odoobridge.notify.channels import parse_channels
from odoobridge.notify.webhook import signature, verify_signature
from odoobridge.settings import Settings
from tests.fakes.certs import make_server_tls
from tests.fakes.chat_services import SLACK_HOST, TEAMS_HOST, FakeChatServices
from tests.fakes.mail_and_hooks import SmtpServer, WebhookReceiver
from tests.fakes.notify_fixtures import (
    HOOK_SECRET,
    SLACK,
    TEAMS,
    channels_json,
    hook_channel,
    mail_channel,
)
from tests.pg import free_port

MESSAGE = Message(
    "Odoo (Production): sync failed",
    "Run 12 failed at 2026-12-02 03:00 UTC:\nthe database refused the connection",
    "error",
    (Link("Data & Integrations", "https://odoobridge.example.com/integrations?env=PROD"),),
)


def settings(channels: str, **values: object) -> Settings:
    return Settings(_env_file=None, ODOOBRIDGE_NOTIFY_CHANNELS=channels, **values)  # type: ignore[arg-type]


def test_email_reaches_the_smtp_server(smtp: SmtpServer) -> None:
    [result] = send(settings(channels_json(mail=mail_channel(smtp))), ["mail"], MESSAGE)
    assert (result.channel, result.kind, result.ok, result.error) == ("mail", "email", True, None)
    [mail] = smtp.mails
    assert (mail.sender, mail.recipients) == ("alerts@odoobridge.test", ["ops@example.com"])
    assert mail.subject == "Odoo (Production): sync failed"
    assert mail.text.strip() == (
        "Run 12 failed at 2026-12-02 03:00 UTC:\nthe database refused the connection\n\n"
        "Data & Integrations: https://odoobridge.example.com/integrations?env=PROD"
    )


def test_email_over_starttls_with_a_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tls = make_server_tls(tmp_path / "smtp-tls", "fake-smtp")
    monkeypatch.setenv("SSL_CERT_FILE", str(tls.ca_pem))  # what the SMTP client's TLS trusts
    with SmtpServer(login=("alerts", "Smtp-Pass-4711"), tls=tls) as smtp:
        good = mail_channel(smtp, security="starttls", username="alerts", password="Smtp-Pass-4711")
        bad = mail_channel(smtp, security="starttls", username="alerts", password="Wrong-Pass-0000")
        config = settings(channels_json(good=good, bad=bad))
        with caplog.at_level(logging.WARNING, logger="odoobridge"):
            results = send(config, ["bad", "good"], MESSAGE)
    assert [(r.channel, r.ok) for r in results] == [("bad", False), ("good", True)]
    assert len(smtp.mails) == 1
    assert "Wrong-Pass-0000" not in (results[0].error or "") + caplog.text
    [line] = [r for r in caplog.records if r.getMessage() == "notification failed"]
    assert line.kv["channel"] == "bad" and line.kv["kind"] == "email"  # type: ignore[attr-defined]


def test_slack_and_teams_through_apprise(chat: FakeChatServices) -> None:
    results = send(settings(channels_json(slack=SLACK, teams=TEAMS)), ["slack", "teams"], MESSAGE)
    assert [(r.channel, r.ok) for r in results] == [("slack", True), ("teams", True)]
    [slack] = chat.of(SLACK_HOST)
    assert slack.path == "/services/T0TESTTEAM/B0TESTHOOK/x7TestWebhookToken9fQ"
    [attachment] = slack.body["attachments"]
    # Slack's text format escapes &, < and >
    assert attachment["title"] == MESSAGE.title
    assert attachment["text"] == MESSAGE.text().replace("&", "&amp;")
    [teams] = chat.of(TEAMS_HOST)
    assert teams.path.endswith(
        "/workflows/8a1e0f2b3c4d4e5f9a6b7c8d9e0f1a2b/triggers/manual/paths/invoke"
    )
    assert teams.query["sig"] == ["Xq7TestWorkflowSignature0123456789abcdef"]
    card = teams.body["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block.get("text") for block in card["content"]["body"]]
    assert MESSAGE.title in texts
    assert any("https://odoobridge.example.com/integrations?env=PROD" in (t or "") for t in texts)


def test_a_refusing_service_is_reported_without_its_url(
    chat: FakeChatServices, caplog: pytest.LogCaptureFixture
) -> None:
    chat.answers[SLACK_HOST] = (404, "no_service")
    chat.answers[TEAMS_HOST] = (400, "bad request")
    with caplog.at_level(logging.WARNING, logger="odoobridge"):
        results = send(
            settings(channels_json(slack=SLACK, teams=TEAMS)), ["slack", "teams"], MESSAGE
        )
    assert [r.ok for r in results] == [False, False]
    assert "error=404" in (results[0].error or "") and "error=400" in (results[1].error or "")
    text = caplog.text + " ".join(r.error or "" for r in results)
    for token in (
        "x7TestWebhookToken9fQ",
        "B0TESTHOOK",
        "Xq7TestWorkflowSignature0123456789abcdef",
    ):
        assert token not in text


def test_a_url_apprise_cannot_use_is_a_failed_delivery() -> None:
    bad_teams = {"kind": "teams", "url": "https://example.com/not-a-workflow/Sekret-Token-123"}
    [result] = send(settings(channels_json(teams=bad_teams)), ["teams"], MESSAGE)
    assert not result.ok
    assert result.error == (
        "notification channel 'teams': apprise refuses the URL of a Teams workflow "
        "(…logic.azure.com…/workflows/…/invoke?…)"
    )


def test_the_webhook_is_signed_over_timestamp_and_body(receiver: WebhookReceiver) -> None:
    [result] = send(settings(channels_json(hook=hook_channel(receiver))), ["hook"], MESSAGE)
    assert result.ok, result.error
    [hook] = receiver.hooks
    assert hook.verified, hook.reason
    body = hook.body
    assert {k: body[k] for k in ("title", "body", "severity", "links", "channel")} == {
        "title": MESSAGE.title,
        "body": MESSAGE.body,
        "severity": "error",
        "links": [{"label": "Data & Integrations",
                   "url": "https://odoobridge.example.com/integrations?env=PROD"}],
        "channel": "hook",
    }  # fmt: skip
    assert body["delivery"] == hook.headers["X-OdooBridge-Delivery"]
    timestamp = hook.headers["X-OdooBridge-Timestamp"]
    expected = hmac.new(HOOK_SECRET.encode(), f"{timestamp}.".encode() + hook.raw, hashlib.sha256)
    assert hook.headers["X-OdooBridge-Signature"] == "v1=" + expected.hexdigest()
    # the product's verify_signature agrees, and refuses what a receiver must refuse
    now = datetime.now(UTC)
    ok = {
        "timestamp": timestamp,
        "body": hook.raw,
        "signature_header": hook.headers["X-OdooBridge-Signature"],
    }
    assert verify_signature(HOOK_SECRET, now=now, **ok)
    assert not verify_signature("another-secret-value", now=now, **ok)
    assert not verify_signature(HOOK_SECRET, now=now + timedelta(minutes=6), **ok)
    assert not verify_signature(HOOK_SECRET, now=now, **{**ok, "body": hook.raw + b" "})
    assert not verify_signature(HOOK_SECRET, now=now, **{**ok, "timestamp": "soon"})


def test_a_replayed_or_forged_webhook_is_refused_by_the_receiver(receiver: WebhookReceiver) -> None:
    send(settings(channels_json(hook=hook_channel(receiver))), ["hook"], MESSAGE)
    [hook] = receiver.hooks
    replay = httpx.post(receiver.url, content=hook.raw, headers=hook.headers)
    assert replay.status_code == 401 and receiver.hooks[-1].reason == "replayed delivery"
    old = int(hook.headers["X-OdooBridge-Timestamp"]) - 600
    stale = {**hook.headers, "X-OdooBridge-Timestamp": str(old),
             "X-OdooBridge-Signature": signature(HOOK_SECRET, old, hook.raw)}  # fmt: skip
    assert httpx.post(receiver.url, content=hook.raw, headers=stale).status_code == 401
    assert receiver.hooks[-1].reason == "stale or missing timestamp"


def test_webhook_failures_and_one_failure_does_not_stop_the_others(
    receiver: WebhookReceiver, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    channels = parse_channels(
        {
            "wrong-secret": hook_channel(receiver, secret="whsec-Wrong-000000000000"),
            "nobody": {"kind": "webhook", "url": f"http://127.0.0.1:{free_port()}/h/Sekret-Path-77",
                       "secret": HOOK_SECRET},
            "mail": mail_channel(smtp),
        },
        "test",
    )  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="odoobridge"):
        results = deliver(list(channels.values()), MESSAGE, timeout=5)
    assert [(r.channel, r.ok) for r in results] == [
        ("wrong-secret", False), ("nobody", False), ("mail", True)]  # fmt: skip
    assert results[0].error == "the webhook answered HTTP 401"
    assert (results[1].error or "").startswith("the webhook could not be reached (ConnectError")
    assert len(smtp.mails) == 1
    logged = [r for r in caplog.records if r.getMessage() == "notification failed"]
    assert [r.kv["channel"] for r in logged] == ["wrong-secret", "nobody"]  # type: ignore[attr-defined]
    assert "Sekret-Path-77" not in caplog.text and "whsec-Wrong" not in caplog.text


def test_an_unreachable_smtp_server() -> None:
    port = free_port()
    config = {"kind": "email", "host": "127.0.0.1", "port": port, "security": "none",
              "sender": "a@odoobridge.test", "to": ["o@example.com"]}  # fmt: skip
    [result] = send(
        settings(channels_json(mail=config), ODOOBRIDGE_NOTIFY_TIMEOUT=3), ["mail"], MESSAGE
    )
    assert not result.ok and "127.0.0.1" in (result.error or "")
    assert json.dumps(result.as_dict())  # what the CLI prints
