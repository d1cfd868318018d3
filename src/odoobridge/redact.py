"""Keep secrets out of text that leaves the process (logs, errors, pages, API answers)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@/\s]+)@")
_KEY_VALUE_PASSWORD = re.compile(r"(?i)\b(password|passwd|pwd|secret|token)=([^\s&;]+)")
MASK = "***"


def url_password(text: str) -> str | None:
    """The password of the first ``scheme://user:password@`` in ``text``, if any."""
    match = _URL_PASSWORD.search(text)
    return match["pw"] if match else None


_PLACEHOLDERS = {"password", "pass", "pw", MASK}


def redact_url(url: str) -> str:
    """``postgresql://u:pw@h/db`` → ``postgresql://u:***@h/db`` (anything else unchanged; the
    placeholder word ``password`` in an example URL is left alone)."""
    return _URL_PASSWORD.sub(
        lambda m: m[0] if m["pw"].lower() in _PLACEHOLDERS else f"{m['scheme']}{m['user']}:{MASK}@",
        url,
    )


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove URL passwords, ``password=…`` pairs and every known secret value from ``text``."""
    cleaned = redact_url(text)
    cleaned = _KEY_VALUE_PASSWORD.sub(lambda m: f"{m[1]}={MASK}", cleaned)
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        cleaned = cleaned.replace(secret, MASK)
    return cleaned
