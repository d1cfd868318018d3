"""The signed generic webhook: an HTTP POST of the message as JSON, signed with HMAC-SHA256.

Apprise's JSON webhook can only send fixed headers, so it cannot sign each message with its own
time; this sender uses httpx instead (docs/decisions.md, 2026-12-02).

The scheme, for receivers::

    POST <url>
    Content-Type: application/json
    X-OdooBridge-Timestamp: 1764633600            seconds since 1970-01-01 UTC
    X-OdooBridge-Delivery: 6f1c…                  also inside the (signed) body, as "delivery"
    X-OdooBridge-Signature: v1=<hex>              HMAC-SHA256(secret, "<timestamp>." + raw body)

A receiver recomputes the HMAC over the timestamp header, a full stop and the raw body bytes
exactly as received, compares it in constant time, and refuses a timestamp more than five minutes
from its own clock (a captured request cannot be replayed later); remembering the delivery ids
of the last five minutes also refuses a replay inside that window.
:func:`verify_signature` does exactly this.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

import httpx

from odoobridge.notify.channels import WebhookChannel
from odoobridge.notify.message import Message

TIMESTAMP_HEADER = "X-OdooBridge-Timestamp"
SIGNATURE_HEADER = "X-OdooBridge-Signature"
DELIVERY_HEADER = "X-OdooBridge-Delivery"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>." + body`` keyed with ``secret``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify_signature(
    secret: str,
    *,
    timestamp: str,
    body: bytes,
    signature_header: str,
    now: datetime,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: a timestamp within ``tolerance`` seconds of ``now`` and the
    signature of that timestamp and these exact bytes."""
    if not timestamp.isdigit():
        return False
    sent = int(timestamp)
    if abs(now.timestamp() - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), signature_header.strip())


def payload(channel: WebhookChannel, message: Message, *, now: datetime, delivery: str) -> bytes:
    document = {
        **message.as_dict(),
        "channel": channel.name,
        "delivery": delivery,
        "sent_at": now.isoformat(timespec="seconds"),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def send_webhook(
    channel: WebhookChannel,
    message: Message,
    *,
    timeout: float,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> str | None:
    """POST the signed message; None when the receiver took it (2xx), else why not. The
    timestamp is the moment of sending (``now`` only for tests of the signature)."""
    now = now or datetime.now(UTC)
    delivery = uuid.uuid4().hex
    body = payload(channel, message, now=now, delivery=delivery)
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OdooBridge-notify",
        TIMESTAMP_HEADER: str(timestamp),
        DELIVERY_HEADER: delivery,
        SIGNATURE_HEADER: signature(channel.secret.get_secret_value(), timestamp, body),
    }
    try:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
            answer = client.post(channel.url.get_secret_value(), content=body, headers=headers)
    except httpx.TimeoutException:
        return f"the webhook did not answer within {timeout:g} s"
    except httpx.HTTPError as exc:
        return f"the webhook could not be reached ({type(exc).__name__}: {exc})"
    if not answer.is_success:
        return f"the webhook answered HTTP {answer.status_code}"
    return None
