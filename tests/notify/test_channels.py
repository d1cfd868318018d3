"""Channels by name from ODOOBRIDGE_NOTIFY_FILE and ODOOBRIDGE_NOTIFY_CHANNELS: parsing,
${VAR} references, one-line errors that say what to fix, and secrets that never show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from odoobridge.errors import ConfigError
from odoobridge.notify import channels_named, load_channels
from odoobridge.notify.channels import EmailChannel, SlackChannel, WebhookChannel
from odoobridge.settings import Settings
from tests.fakes.chat_services import SLACK_URL

YAML = """
channels:
  ops-mail:
    kind: email
    host: smtp.example.com
    port: 587
    username: alerts@example.com
    password: "${TEST_SMTP_PASSWORD}"
    sender: alerts@example.com
    to: [ops@example.com, security@example.com]
  ops-slack: {kind: slack, url: "${TEST_SLACK_URL}"}
"""


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def notify_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_SMTP_PASSWORD", "Smtp-Pass-9911")
    monkeypatch.setenv("TEST_SLACK_URL", SLACK_URL)
    path = tmp_path / "notify.yaml"
    path.write_text(YAML)
    return path


def test_channels_from_a_file_and_from_the_setting(notify_file: Path) -> None:
    inline = json.dumps({"siem": {"kind": "webhook", "url": "https://siem.example.com/h/1",
                                  "secret": "whsec-0123456789abcdef"}})  # fmt: skip
    found = load_channels(
        settings(ODOOBRIDGE_NOTIFY_FILE=notify_file, ODOOBRIDGE_NOTIFY_CHANNELS=inline)
    )
    assert sorted(found) == ["ops-mail", "ops-slack", "siem"]
    mail = found["ops-mail"]
    assert isinstance(mail, EmailChannel)
    assert (mail.host, mail.port, mail.security, mail.to) == (
        "smtp.example.com", 587, "starttls", ["ops@example.com", "security@example.com"])  # fmt: skip
    assert mail.password is not None and mail.password.get_secret_value() == "Smtp-Pass-9911"
    slack = found["ops-slack"]
    assert isinstance(slack, SlackChannel) and slack.url.get_secret_value() == SLACK_URL
    assert isinstance(found["siem"], WebhookChannel)
    assert [c.name for c in channels_named(found, ["siem", "ops-mail"])] == ["siem", "ops-mail"]


def test_nothing_shown_gives_a_secret_away(notify_file: Path) -> None:
    found = load_channels(settings(ODOOBRIDGE_NOTIFY_FILE=notify_file))
    shown = " ".join(f"{c.describe()} {c!r}" for c in found.values())
    assert "Smtp-Pass-9911" not in shown and "x7TestWebhookToken9fQ" not in shown
    assert found["ops-slack"].describe() == "Slack incoming webhook at hooks.slack.com"
    assert found["ops-mail"].describe() == (
        "e-mail via smtp.example.com to ops@example.com, security@example.com"
    )
    # what redaction scrubs: the whole URL and the tokens in its path
    assert {SLACK_URL, "x7TestWebhookToken9fQ", "T0TESTTEAM", "B0TESTHOOK"} <= set(
        found["ops-slack"].secrets()
    )


def test_no_channels_configured() -> None:
    assert load_channels(settings()) == {}
    with pytest.raises(ConfigError, match=r"no notification channel 'x' \(known: none is"):
        channels_named({}, ["x"])


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"a": {"kind": "pager", "url": "x"}}, "channel 'a': kind must be one of email, teams"),
        ({"a": {"kind": "email", "host": "h", "sender": "nobody", "to": ["o@x"]}},
         "channel 'a': sender: String should match pattern"),
        ({"a": {"kind": "email", "host": "h", "sender": "a@x", "to": []}},
         "channel 'a': to: List should have at least 1 item"),
        ({"a": {"kind": "webhook", "url": "https://x/h"}}, "channel 'a': secret: Field required"),
        ({"a": {"kind": "slack", "url": SLACK_URL, "colour": "red"}},
         "channel 'a': colour: Extra inputs are not permitted"),
        ({"bad name!": {"kind": "slack", "url": SLACK_URL}}, "use letters, digits"),
        ({"a": "slack"}, "give its settings as a mapping"),
        (["a"], "write the channels as a mapping"),
        ({"a": {"kind": "slack", "url": "${TEST_UNSET_VARIABLE}"}},
         r"uses \$\{TEST_UNSET_VARIABLE\}, which is not set: export TEST_UNSET_VARIABLE"),
    ],
)  # fmt: skip
def test_a_bad_channel_says_what_to_fix(document: object, message: str) -> None:
    with pytest.raises(ConfigError, match=f"^ODOOBRIDGE_NOTIFY_CHANNELS: .*{message}"):
        load_channels(settings(ODOOBRIDGE_NOTIFY_CHANNELS=json.dumps(document)))


def test_bad_files_and_values(tmp_path: Path, notify_file: Path) -> None:
    with pytest.raises(ConfigError, match=r"ODOOBRIDGE_NOTIFY_FILE .* cannot be read"):
        load_channels(settings(ODOOBRIDGE_NOTIFY_FILE=tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("channels:\n  a: [1,\n")
    with pytest.raises(ConfigError, match="is not valid YAML at line 3"):
        load_channels(settings(ODOOBRIDGE_NOTIFY_FILE=broken))
    with pytest.raises(ConfigError, match="ODOOBRIDGE_NOTIFY_CHANNELS is not valid JSON"):
        load_channels(settings(ODOOBRIDGE_NOTIFY_CHANNELS="{nope"))
    twice = json.dumps({"ops-slack": {"kind": "slack", "url": SLACK_URL}})
    with pytest.raises(ConfigError, match="'ops-slack' is defined in both"):
        load_channels(
            settings(ODOOBRIDGE_NOTIFY_FILE=notify_file, ODOOBRIDGE_NOTIFY_CHANNELS=twice)
        )
