"""Structured logging: ``key=value`` (or JSON) lines with the bound context (e.g. the sync run id).

Every value of a line (the message, each bound or extra value, the traceback) passes through
:func:`odoobridge.redact.redact` with the configured secrets before the line is written, so a
password that slips into a message is still masked and the line stays well-formed.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from odoobridge.redact import redact

_context: contextvars.ContextVar[Mapping[str, object] | None] = contextvars.ContextVar(
    "odoobridge_log_context", default=None
)


@contextmanager
def log_context(**values: object) -> Iterator[None]:
    """Bind ``values`` to every log line emitted inside the block (and its threads' copies)."""
    token = _context.set({**(_context.get() or {}), **values})
    try:
        yield
    finally:
        _context.reset(token)


def _quote(value: object) -> str:
    text = str(value)
    if not text or any(c in text for c in ' ="'):
        return json.dumps(text, ensure_ascii=False)
    return text


class _Formatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__()
        self._json = fmt == "json"
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            **(_context.get() or {}),
            **getattr(record, "kv", {}),
        }
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        fields = {key: self._clean(value) for key, value in fields.items()}
        if self._json:
            line = json.dumps(fields, default=str, ensure_ascii=False)
        else:
            line = " ".join(f"{k}={_quote(v)}" for k, v in fields.items())
        return line

    def _clean(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Mapping):
            return {str(k): self._clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._clean(v) for v in value]
        return redact(str(value), self._secrets)


def configure_logging(
    level: str = "INFO", fmt: str = "kv", secrets: list[str] | None = None
) -> None:
    """Send OdooBridge's log lines to stderr in the chosen format (idempotent)."""
    root = logging.getLogger("odoobridge")
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(fmt, secrets or []))
    root.addHandler(handler)
    root.setLevel(level.upper())
    root.propagate = False
    # httpx logs every request URL at INFO, and Graph's paging and delta tokens travel in URLs.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)


def kv(**values: object) -> dict[str, dict[str, object]]:
    """``log.info("synced", extra=kv(rows=10))`` adds ``rows=10`` to the line."""
    return {"kv": values}
