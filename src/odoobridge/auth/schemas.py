"""Request and answer shapes of the auth API (pydantic)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from odoobridge.auth.roles import Role


class Me(BaseModel):
    kind: str
    actor: str
    name: str
    role: Role
    scopes: list[str]
    csrf_token: str | None = Field(
        default=None, description="For scripts in a signed-in page: send as X-CSRF-Token."
    )


class AccountOut(BaseModel):
    id: int
    email: str
    name: str
    source: str
    job_title: str | None
    department: str | None
    role: Role
    status: str
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    approved_at: datetime | None
    approved_by: str | None
    last_login_at: datetime | None


class AccountCreate(BaseModel):
    email: str = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    role: Role = Role.VIEWER


class AccountApprove(BaseModel):
    role: Role = Role.VIEWER


class AccountChange(BaseModel):
    role: Role | None = None
    status: str | None = Field(default=None, pattern="^(active|disabled)$")


class ApiKeyOut(BaseModel):
    id: int
    prefix: str
    name: str
    role: Role
    scopes: list[str]
    state: str
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None
    created_at: datetime
    created_by: str


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = Role.VIEWER
    scopes: list[str] = Field(default_factory=list)
    expires_in_days: int | None = Field(default=90, ge=1, le=3650)


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The key itself: shown this once, store it now.")


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]
    ip: str | None
    user_agent: str | None
