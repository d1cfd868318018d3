"""Send one message to named channels; one result per channel, failures logged (redacted).

A channel that fails never stops the others. The reason a delivery failed is kept in its result
and logged with the channel's name and kind — never with a password, a webhook secret or a
Teams/Slack/webhook URL (they are scrubbed from the reason before it goes anywhere).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from odoobridge.errors import ConfigError
from odoobridge.logs import get_logger, kv
from odoobridge.notify.channels import AnyChannel, WebhookChannel, channels_named, load_channels
from odoobridge.notify.message import Message
from odoobridge.notify.via_apprise import send_via_apprise
from odoobridge.notify.webhook import send_webhook
from odoobridge.redact import redact
from odoobridge.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    channel: str
    kind: str
    ok: bool
    error: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _send_one(channel: AnyChannel, message: Message, *, timeout: float) -> str | None:
    if isinstance(channel, WebhookChannel):
        return send_webhook(channel, message, timeout=timeout)
    return send_via_apprise(channel, message, timeout=timeout)


def deliver(
    channels: Sequence[AnyChannel],
    message: Message,
    *,
    timeout: float = 10.0,
    secrets: Sequence[str] = (),
) -> list[Delivery]:
    """Send ``message`` to each channel in turn; a failure is logged and reported, not raised."""
    results: list[Delivery] = []
    for channel in channels:
        started = time.monotonic()
        try:
            error = _send_one(channel, message, timeout=timeout)
        except ConfigError as exc:
            error = exc.message
        except Exception as exc:  # a library's bug must not stop the other channels
            error = f"internal error: {type(exc).__name__}: {exc}"
        seconds = round(time.monotonic() - started, 3)
        if error is not None:
            error = redact(error, [*channel.secrets(), *secrets])
            log.warning(
                "notification failed",
                extra=kv(channel=channel.name, kind=channel.kind, error=error, title=message.title),
            )
        else:
            log.info("notification sent", extra=kv(channel=channel.name, kind=channel.kind))
        results.append(Delivery(channel.name, channel.kind, error is None, error, seconds))
    return results


def send(
    settings: Settings,
    names: Sequence[str],
    message: Message,
    *,
    channels: Mapping[str, AnyChannel] | None = None,
) -> list[Delivery]:
    """Send ``message`` to the channels called ``names`` as configured in ``settings``
    (an unknown name raises ConfigError before anything is sent)."""
    known = channels if channels is not None else load_channels(settings)
    chosen = channels_named(known, list(names))
    return deliver(
        chosen,
        message,
        timeout=settings.notify_timeout,
        secrets=settings.secret_values(),
    )
