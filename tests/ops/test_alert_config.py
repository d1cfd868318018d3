"""Alert rules as configured: the settings give every rule its channels and quiet hours, the
alerts file refines them per rule; mistakes stop with one line that says what to fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from odoobridge.errors import ConfigError
from odoobridge.ops.alert_config import QuietHours, alert_rules, alerting_configured
from odoobridge.settings import Settings
from tests.fakes.notify_fixtures import channels_json

Make = Callable[..., Settings]
CHANNELS = channels_json(
    a={"kind": "webhook", "url": "https://hooks.example.com/a", "secret": "whsec-aaaaaaaaaaaa"},
    b={"kind": "webhook", "url": "https://hooks.example.com/b", "secret": "whsec-bbbbbbbbbbbb"},
)


@pytest.fixture
def make_settings(tmp_path: Path) -> Make:
    """Settings alone (these tests need no store)."""

    def make(**values: object) -> Settings:
        return Settings(_env_file=None, ODOOBRIDGE_DATA_DIR=str(tmp_path), **values)  # type: ignore[arg-type]

    return make


def test_defaults_from_the_settings(make_settings: Make) -> None:
    settings = make_settings(
        ODOOBRIDGE_NOTIFY_CHANNELS=CHANNELS,
        ODOOBRIDGE_ALERTS_CHANNELS=" a , b ",
        ODOOBRIDGE_ALERTS_QUIET_HOURS="22:00 - 7:00",
        ODOOBRIDGE_STALE_HOURS="12",
    )
    rules = {rule.name: rule for rule in alert_rules(settings)}
    assert list(rules) == [
        "sync_failed", "stale_source", "new_findings", "delta_link", "stuck_proposals"]  # fmt: skip
    assert all(r.channels == ("a", "b") and r.sends for r in rules.values())
    assert str(rules["sync_failed"].quiet_hours) == "22:00-07:00 UTC"
    assert rules["stale_source"].options == {"hours": 12.0, "sources": {}}
    assert rules["new_findings"].options == {"severities": ["critical", "high"]}
    assert rules["delta_link"].options == {"warn_days": 1.0}
    assert rules["stuck_proposals"].options == {"minutes": 15}
    assert alerting_configured(settings)


def test_nothing_configured_nothing_sends(make_settings: Make) -> None:
    settings = make_settings()
    assert not any(rule.sends for rule in alert_rules(settings))
    assert not alerting_configured(settings)


def test_the_file_refines_each_rule(make_settings: Make, tmp_path: Path) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(
        "channels: {ignored: here}\n"  # the notification file's part: read by notify
        "rules:\n"
        "  sync_failed: {channels: [b], quiet_hours: ''}\n"
        "  stale_source: {hours: 6, sources: {azure_users: 48}}\n"
        "  new_findings: {severities: [critical], quiet_hours: '08:00-09:00'}\n"
        "  delta_link: {enabled: false}\n"
    )
    settings = make_settings(
        ODOOBRIDGE_NOTIFY_CHANNELS=CHANNELS, ODOOBRIDGE_ALERTS_FILE=path,
        ODOOBRIDGE_ALERTS_CHANNELS="a", ODOOBRIDGE_ALERTS_QUIET_HOURS="22:00-07:00",
        ODOOBRIDGE_ALERTS_TIMEZONE="Europe/Brussels",
    )  # fmt: skip
    rules = {rule.name: rule for rule in alert_rules(settings)}
    assert rules["sync_failed"].channels == ("b",) and rules["sync_failed"].quiet_hours is None
    assert rules["stale_source"].options == {"hours": 6.0, "sources": {"azure_users": 48.0}}
    assert str(rules["new_findings"].quiet_hours) == "08:00-09:00 Europe/Brussels"
    assert not rules["delta_link"].enabled and not rules["delta_link"].sends
    assert str(rules["stuck_proposals"].quiet_hours) == "22:00-07:00 Europe/Brussels"
    assert rules["stuck_proposals"].as_dict()["channels"] == ["a"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  pager_storm: {}\n", "unknown rule 'pager_storm': the rules are sync_failed"),
        ("rules:\n  stale_source: {hours: -1}\n", "rule stale_source: hours: Input should be greater than 0"),
        ("rules:\n  new_findings: {severities: [urgent]}\n", "rule new_findings: severities.0: Input should be"),
        ("rules:\n  delta_link: {warn_days: 9}\n", "rule delta_link: warn_days: Input should be less than 7"),
        ("rules:\n  sync_failed: {colour: red}\n", "rule sync_failed: colour: Extra inputs are not permitted"),
        ("rules:\n  sync_failed: {quiet_hours: 'at night'}\n", "quiet hours 'at night': use HH:MM-HH:MM"),
        ("rules:\n  sync_failed: {channels: [pager]}\n", "alert rules name the channel 'pager', which is not configured"),
        ("rules: [sync_failed]\n", "`rules:` maps rule names to their settings"),
        ("- a\n", "write a mapping with `rules:`"),
        ("rules: {\n", "is not valid YAML"),
    ],
)  # fmt: skip
def test_a_bad_alerts_file_says_what_to_fix(
    make_settings: Make, tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    settings = make_settings(ODOOBRIDGE_NOTIFY_CHANNELS=CHANNELS, ODOOBRIDGE_ALERTS_FILE=path)
    with pytest.raises(ConfigError, match=message):
        alert_rules(settings)


def test_a_missing_file_and_bad_settings(make_settings: Make, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ODOOBRIDGE_ALERTS_FILE .*missing.yaml cannot be read"):
        alert_rules(make_settings(ODOOBRIDGE_ALERTS_FILE=tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="the channel 'nope', which is not configured"):
        alert_rules(make_settings(ODOOBRIDGE_ALERTS_CHANNELS="nope"))
    for name, value, message in [
        ("ODOOBRIDGE_ALERTS_QUIET_HOURS", "late", "use HH:MM-HH:MM"),
        ("ODOOBRIDGE_ALERTS_TIMEZONE", "Mars/Olympus", "use an IANA time zone"),
        ("ODOOBRIDGE_PUBLIC_URL", "odoobridge.example.com", "use the address people open"),
        ("ODOOBRIDGE_BACKUP_SCHEDULE", "every night", "use a cron expression of five fields"),
    ]:
        with pytest.raises(ValidationError, match=message):
            make_settings(**{name: value})


def test_quiet_hours_in_a_time_zone() -> None:
    night = QuietHours.parse("22:00-07:00", "Europe/Brussels", "test")
    assert night is not None
    at = lambda h, m=0: datetime(2026, 7, 1, h, m, tzinfo=UTC)  # noqa: E731 (CEST = UTC+2)
    assert [night.contains(at(h)) for h in (19, 20, 21, 4, 5, 6)] == [
        False, True, True, True, False, False]  # fmt: skip
    day = QuietHours.parse("12:00-13:30", "UTC", "test")
    assert day is not None and day.contains(at(13, 29)) and not day.contains(at(13, 30))
    assert QuietHours.parse(" ", "UTC", "test") is None
    never = QuietHours.parse("08:00-08:00", "UTC", "test")
    assert never is not None and not never.contains(at(8))
