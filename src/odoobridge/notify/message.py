"""What a notification says: a title, a body of plain text, its links and a severity.

The same message goes to every kind of channel; each renders it its own way (the e-mail and chat
channels as text with the links on lines of their own, the webhook as JSON with the links as a
list). Nothing here knows who sends a message or why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["critical", "error", "warning", "info", "success"]
SEVERITIES: tuple[Severity, ...] = ("critical", "error", "warning", "info", "success")


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    severity: Severity = "info"
    links: tuple[Link, ...] = field(default_factory=tuple)

    def text(self) -> str:
        """The body followed by one ``label: url`` line per link (what chat and mail show)."""
        lines = [self.body.rstrip()] if self.body.strip() else []
        if self.links:
            if lines:
                lines.append("")
            lines.extend(f"{link.label}: {link.url}" for link in self.links)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "body": self.body,
            "severity": self.severity,
            "links": [{"label": link.label, "url": link.url} for link in self.links],
        }
