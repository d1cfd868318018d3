"""One notification layer for everything that tells people something (alert rules, review
reminders): channels configured by name — e-mail (SMTP), Microsoft Teams, Slack, a signed
webhook — and a message (title, body with links, severity) sent to some of them, with one
result per channel. Nothing here knows why a message is sent.

    from odoobridge.notify import Link, Message, send
    results = send(settings, ["ops-mail", "ops-teams"],
                   Message("Sync failed", "…", "error", (Link("Run 12", url),)))
"""

from odoobridge.notify.channels import AnyChannel, channels_named, load_channels
from odoobridge.notify.deliver import Delivery, deliver, send
from odoobridge.notify.message import SEVERITIES, Link, Message, Severity

__all__ = [
    "SEVERITIES",
    "AnyChannel",
    "Delivery",
    "Link",
    "Message",
    "Severity",
    "channels_named",
    "deliver",
    "load_channels",
    "send",
]
