"""Entra users read from a JSON file instead of Microsoft Graph (``ALLOW_SYNC_MOCKS=1`` and
``AZURE_USER_SYNC_MOCK_FILE``). The bundled Entra demo data is such a file.

The file has the shape of Graph's ``GET /users`` answer::

    {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(…)",
     "value": [{"id": "…", "displayName": "Marc Demo", "mail": "Mark.Brown23@example.com",
                "userPrincipalName": "marc.demo@contoso.example", "department": "Sales",
                "jobTitle": "…", "employeeId": "E-0042", "accountEnabled": true,
                "lastPasswordChangeDateTime": "2026-10-01T08:00:00Z", "userType": "Member",
                "manager": {"id": "…"},
                "signInActivity": {"lastSignInDateTime": "…",
                                   "lastNonInteractiveSignInDateTime": "…"}}]}

Only ``id`` is required. Unknown properties are refused (a typo would silently drop data); keys
starting with ``@odata.`` are ignored. The error names the bad field (``value[3].accountEnabled``).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from odoobridge.errors import ConfigError
from odoobridge.sources.graph_records import EntraUserRecord, SignInRecord, parse_timestamp

SETTING = "AZURE_USER_SYNC_MOCK_FILE"


def _strip_odata(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not str(k).startswith("@odata.")}
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)

    @model_validator(mode="before")
    @classmethod
    def _ignore_odata(cls, value: Any) -> Any:
        return _strip_odata(value)


class _Manager(_Strict):
    id: str = Field(min_length=1)


class _SignInActivity(_Strict):
    lastSignInDateTime: str | None = None
    lastNonInteractiveSignInDateTime: str | None = None
    lastSuccessfulSignInDateTime: str | None = None


class _MockUser(_Strict):
    id: str = Field(min_length=1)
    displayName: str | None = None
    mail: str | None = None
    userPrincipalName: str | None = None
    department: str | None = None
    jobTitle: str | None = None
    employeeId: str | None = None
    accountEnabled: bool | None = None
    lastPasswordChangeDateTime: str | None = None
    userType: str | None = None
    manager: _Manager | None = None
    signInActivity: _SignInActivity | None = None


class _MockFile(_Strict):
    value: list[_MockUser]


def _describe(error: dict[str, Any]) -> str:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{path}: {error['msg']}"


def _timestamp(where: str, field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        raise ConfigError(
            f"{where} is malformed: {field}: {value!r} is not an ISO 8601 timestamp"
        ) from None


class GraphMockFile:
    """The users (and sign-in activity) of a mock file, validated."""

    def __init__(self, path: Path) -> None:
        self.path = path
        where = f"{SETTING} {path}"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{where} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{where} cannot be read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}"
            ) from None
        if not isinstance(raw, dict):
            raise ConfigError(f"{where} must hold a JSON object with a 'value' list of users")
        try:
            parsed = _MockFile.model_validate(raw)
        except ValidationError as exc:
            errors = exc.errors()
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise ConfigError(f"{where} is malformed: {_describe(dict(errors[0]))}{more}") from None
        self.users: list[EntraUserRecord] = []
        self.sign_ins: list[SignInRecord] = []
        seen: set[str] = set()
        for index, user in enumerate(parsed.value):
            at = f"value[{index}]"
            if user.id in seen:
                raise ConfigError(f"{where} is malformed: {at}.id: duplicate id {user.id!r}")
            seen.add(user.id)
            self.users.append(
                EntraUserRecord(
                    azure_id=user.id,
                    display_name=user.displayName,
                    mail=user.mail,
                    user_principal_name=user.userPrincipalName,
                    department=user.department,
                    job_title=user.jobTitle,
                    employee_id=user.employeeId,
                    account_enabled=user.accountEnabled,
                    last_password_change=_timestamp(
                        where, f"{at}.lastPasswordChangeDateTime", user.lastPasswordChangeDateTime
                    ),
                    user_type=user.userType,
                    manager_id=user.manager.id if user.manager else None,
                )
            )
            activity = user.signInActivity
            if activity is not None:
                self.sign_ins.append(
                    SignInRecord(
                        user.id,
                        _timestamp(
                            where,
                            f"{at}.signInActivity.lastSignInDateTime",
                            activity.lastSignInDateTime,
                        ),
                        _timestamp(
                            where,
                            f"{at}.signInActivity.lastNonInteractiveSignInDateTime",
                            activity.lastNonInteractiveSignInDateTime,
                        ),
                    )
                )
