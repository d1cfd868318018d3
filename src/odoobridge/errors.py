"""Errors a user can cause, each with the HTTP status it maps to and a message that says what to do.

    AppError                    base: ``status`` (HTTP) and ``exit_code`` (CLI)
    ├── ConfigError             a setting is missing or malformed (400)
    ├── Unauthorized            not signed in, or a bad API key / password (401)
    ├── Forbidden               signed in, but the role or scope does not allow it (403)
    ├── TooManyRequests         a rate limit (e.g. sign-in throttling) was hit (429)
    ├── NotFound                a run, user, group … does not exist (404)
    ├── Unprocessable           well-formed, but names what does not exist or cannot be (422)
    ├── Conflict                the request clashes with the current state (409)
    │   └── RunAlreadyRunning   a sync of the same type and environment is running
    └── SourceError             an outside system failed; ``sources/`` subclass it (502)

The web app turns an ``AppError`` into ``{"detail": message}`` with ``status``; the CLI prints the
message on one line and exits with ``exit_code``. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class AppError(Exception):
    status: int = 400
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(AppError):
    status = 400


class Unauthorized(AppError):
    status = 401


class Forbidden(AppError):
    status = 403


class TooManyRequests(AppError):
    status = 429

    def __init__(self, message: str, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(AppError):
    status = 404


class Unprocessable(AppError):
    """The request parses, but a value cannot be used: say which field and what to send."""

    status = 422


class Conflict(AppError):
    status = 409


class RunAlreadyRunning(Conflict):
    def __init__(self, run_id: int, sync_type: str, environment: str | None) -> None:
        where = f" for {environment}" if environment else ""
        super().__init__(f"the {sync_type} sync{where} is already running (run {run_id})")
        self.run_id = run_id


class SourceError(AppError):
    """An outside system (Odoo, Microsoft Graph, Superset) failed or refused."""

    status = 502


def describe_invalid(errors: Iterable[Mapping[str, Any]]) -> str:
    """Pydantic's validation errors on one line, each naming its field:
    ``environment: Field required; limit: Input should be less than or equal to 500`` (the
    API's 422 answers and the MCP tools' errors say it the same way)."""
    parts: list[str] = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(location) or "request body"
        parts.append(f"{field}: {error.get('msg', 'is invalid')}")
    return "; ".join(parts)
