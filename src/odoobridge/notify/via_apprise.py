"""E-mail (SMTP), Microsoft Teams and Slack through apprise: each channel becomes one apprise
URL, sent on its own so that each channel has its own result and its own reason for failing.

- e-mail: ``mailto://`` (plain) or ``mailtos://`` (``starttls`` or ``ssl``) with the SMTP server,
  sender and recipients as apprise's parameters;
- Teams: the URL of a Teams *workflow* ("Post to a channel when a webhook request is received",
  Power Automate), which apprise recognises and sends an Adaptive Card to (Microsoft retired the
  Office 365 connectors' incoming webhooks);
- Slack: the URL of an incoming webhook (``https://hooks.slack.com/services/…``).

Apprise speaks HTTP through ``requests``, so the usual ``HTTPS_PROXY`` / ``REQUESTS_CA_BUNDLE``
variables apply to Teams and Slack.
"""

from __future__ import annotations

import threading
from urllib.parse import quote, urlencode

import apprise

from odoobridge.errors import ConfigError
from odoobridge.notify.channels import EmailChannel, SlackChannel, TeamsChannel
from odoobridge.notify.message import Message, Severity

_NOTIFY_TYPE: dict[Severity, str] = {
    "critical": apprise.NotifyType.FAILURE,
    "error": apprise.NotifyType.FAILURE,
    "warning": apprise.NotifyType.WARNING,
    "info": apprise.NotifyType.INFO,
    "success": apprise.NotifyType.SUCCESS,
}
_SMTP_MODE = {"starttls": "starttls", "ssl": "ssl", "none": "insecure"}
# Apprise's plugins share class-level state (throttling); one send at a time keeps it simple.
_sending = threading.Lock()

_ASSET = apprise.AppriseAsset(
    app_id="OdooBridge", app_desc="OdooBridge notifications", app_url="https://odoobridge.invalid"
)
ViaApprise = EmailChannel | TeamsChannel | SlackChannel


def apprise_url(channel: ViaApprise, timeout: float) -> str:
    """The apprise URL for ``channel`` (it holds the channel's secrets: never show it)."""
    wait = {"cto": f"{timeout:g}", "rto": f"{timeout:g}"}
    if isinstance(channel, EmailChannel):
        scheme = "mailto" if channel.security == "none" else "mailtos"
        auth = ""
        if channel.username:
            auth = quote(channel.username, safe="")
            if channel.password is not None:
                auth += ":" + quote(channel.password.get_secret_value(), safe="")
            auth += "@"
        port = f":{channel.port}" if channel.port else ""
        query = {
            "smtp": channel.host,
            "from": channel.sender,
            "to": ",".join(channel.to),
            "mode": _SMTP_MODE[channel.security],
            "format": "text",
            "cto": wait["cto"],
        }
        return f"{scheme}://{auth}{channel.host}{port}/?{urlencode(query)}"
    url = channel.url.get_secret_value()
    # No apprise footer or icon (an image URL on GitHub): the message is OdooBridge's own; the
    # Teams card gets the text as it is (as Markdown, apprise would escape the links' dots).
    own = {"footer": "no"} if channel.kind == "slack" else {"format": "text"}
    extra = {"image": "no", **own, **wait}
    return url + ("&" if "?" in url else "?") + urlencode(extra)


def _service(channel: ViaApprise, timeout: float) -> apprise.Apprise:
    service = apprise.Apprise(asset=_ASSET)
    if not service.add(apprise_url(channel, timeout)):
        what = {
            "email": "the SMTP settings",
            "teams": "the URL of a Teams workflow (…logic.azure.com…/workflows/…/invoke?…)",
            "slack": "the URL of a Slack incoming webhook (https://hooks.slack.com/services/…)",
        }[channel.kind]
        raise ConfigError(f"notification channel {channel.name!r}: apprise refuses {what}")
    return service


def check_channel(channel: ViaApprise) -> None:
    """Raise ConfigError when apprise cannot use the channel's settings."""
    _service(channel, 10.0)


def send_via_apprise(channel: ViaApprise, message: Message, *, timeout: float) -> str | None:
    """Send ``message``; None when the service accepted it, else apprise's reasons."""
    service = _service(channel, timeout)
    with _sending:
        result = service.notify(
            body=message.text(),
            title=message.title,
            notify_type=_NOTIFY_TYPE[message.severity],
            body_format=apprise.NotifyFormat.TEXT,
        )
        if result:
            return None
        reasons = [entry.message for entry in result.logs() if entry.level in {"WARNING", "ERROR"}]
    return "; ".join(dict.fromkeys(reasons)) or "apprise could not deliver the message"
