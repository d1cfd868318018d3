"""Fixtures for notification tests: a real SMTP server, a webhook receiver that checks the
HMAC, Slack and Teams behind an HTTPS proxy — all on 127.0.0.1 — and the JSON that configures
channels on them (``ODOOBRIDGE_NOTIFY_CHANNELS``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.chat_services import SLACK_URL, TEAMS_URL, FakeChatServices
from tests.fakes.mail_and_hooks import SmtpServer, WebhookReceiver

HOOK_SECRET = "whsec-Test-7f3a9c1e5b2d4f60"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(HOOK_SECRET) as hook:
        yield hook


@pytest.fixture
def chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeChatServices]:
    fake = FakeChatServices(tmp_path / "chat-tls").start()
    fake.route_through(monkeypatch)
    yield fake
    fake.close()


def mail_channel(smtp: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {"kind": "email", "host": "127.0.0.1", "port": smtp.port, "security": "none",
            "sender": "alerts@odoobridge.test", "to": ["ops@example.com"], **extra}  # fmt: skip


def hook_channel(receiver: WebhookReceiver, secret: str = HOOK_SECRET) -> dict[str, Any]:
    return {"kind": "webhook", "url": receiver.url, "secret": secret}


def channels_json(**channels: dict[str, Any]) -> str:
    return json.dumps(channels)


SLACK = {"kind": "slack", "url": SLACK_URL}
TEAMS = {"kind": "teams", "url": TEAMS_URL}
