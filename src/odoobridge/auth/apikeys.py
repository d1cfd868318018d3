"""API keys for scripts (header ``X-API-Key``).

A key reads ``obk_<prefix>_<secret>``. The store keeps the prefix (to find the row) and a SHA-256
of the whole key: the secret part has 256 bits of randomness, so a fast hash is safe and keeps
each request cheap (a slow password hash would cost tens of milliseconds per call). The key
itself is shown once, when it is made. Keys are revoked, never deleted. Making and revoking a
key write its audit record here, whichever entry point asked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from odoobridge.auth.audit import Origin, record
from odoobridge.auth.models import ApiKey
from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role, parse_scopes
from odoobridge.errors import ConfigError, Conflict, Forbidden, NotFound, Unauthorized
from odoobridge.logs import get_logger
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store

log = get_logger(__name__)

KEY_PREFIX = "obk_"
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
_RANDOM_PREFIX = 10
PREFIX_LENGTH = len(KEY_PREFIX) + _RANDOM_PREFIX
LAST_USED_RESOLUTION = timedelta(seconds=60)


def key_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _new_key() -> tuple[str, str]:
    prefix = KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_PREFIX))
    return prefix, f"{prefix}_{secrets.token_urlsafe(32)}"


def create_api_key(
    session: Session,
    *,
    name: str,
    role: Role,
    by: str,
    by_role: Role,
    origin: Origin,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its plain text (shown once, never recorded). Nobody makes a key stronger
    than themselves. Audited as made by ``by`` from ``origin``."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ConfigError("give the key a name that says what uses it")
    if not by_role.allows(role):
        raise Forbidden(f"a {by_role.value} cannot make a key with the role {role.value}")
    if expires_at is not None and expires_at <= utcnow():
        raise ConfigError("the expiry must be in the future")
    prefix, raw = _new_key()
    key = ApiKey(
        prefix=prefix,
        key_hash=key_digest(raw),
        name=cleaned[:200],
        role=role.value,
        scopes=parse_scopes(scopes or []),
        expires_at=expires_at,
        created_at=utcnow(),
        created_by=by,
    )
    session.add(key)
    session.flush()
    detail = {"name": key.name, "role": key.role, "scopes": key.scopes}
    record(session, actor=by, action="api_key_created", target=prefix, detail=detail, origin=origin)
    return key, raw


def authenticate_key(session: Session, raw: str) -> ApiKey:
    """The active key ``raw`` is; a clear reason when it is unknown, revoked or expired."""
    candidate = raw.strip()
    prefix, separator, secret = candidate[:PREFIX_LENGTH], candidate[PREFIX_LENGTH:][:1], ""
    if separator == "_":
        secret = candidate[PREFIX_LENGTH + 1 :]
    if not prefix.startswith(KEY_PREFIX) or not secret:
        raise Unauthorized("the X-API-Key header does not hold an OdooBridge API key")
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or not hmac.compare_digest(key.key_hash, key_digest(candidate)):
        raise Unauthorized("the API key is not valid")
    state = key.state()
    if state == "revoked":
        raise Unauthorized(f"the API key {key.prefix} was revoked: ask an admin for a new one")
    if state == "expired":
        assert key.expires_at is not None
        raise Unauthorized(
            f"the API key {key.prefix} expired on {key.expires_at:%Y-%m-%d %H:%M} UTC"
        )
    return key


def key_principal(key: ApiKey) -> Principal:
    """The principal an authenticated key acts as, for every entry point (the app's routes, the
    MCP server over HTTP and over stdio): the audit log names it ``apikey:<prefix>``."""
    return Principal(
        "api_key",
        key.id,
        f"apikey:{key.prefix}",
        key.name,
        Role(key.role),
        frozenset(key.scopes),
        key.expires_at,
    )


def needs_marking(key: ApiKey) -> bool:
    """Whether a use should be recorded: at most once a minute per key (so busy scripts don't
    write on every call)."""
    return key.last_used_at is None or utcnow() - key.last_used_at >= LAST_USED_RESOLUTION


def mark_used(session: Session, key_id: int) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


class KeyUseRecorder:
    """Records key use off the request: a request notes the key, a short thread of its own
    writes ``last_used_at``. A request thread never waits for a second store connection (under
    load that would exhaust the pool) and never holds SQLite's write lock for it."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._noted: dict[int, float] = {}
        self._lock = threading.Lock()

    def note(self, key_id: int) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._noted.get(key_id, -1e9) < LAST_USED_RESOLUTION.total_seconds():
                return
            self._noted[key_id] = now
        threading.Thread(target=self._write, args=(key_id,), daemon=True).start()

    def _write(self, key_id: int) -> None:
        try:
            with self.store.session() as session:
                mark_used(session, key_id)
        except Exception:  # a missed "last used" stamp must never break anything
            log.warning("could not record an API key's use", exc_info=True)


def get_api_key(session: Session, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"there is no API key {key_id}: `odoobridge apikey list` shows them")
    return key


def find_api_key(session: Session, ref: str) -> ApiKey:
    """A key by its id or its prefix (``obk_…``)."""
    if ref.isdigit():
        return get_api_key(session, int(ref))
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == ref.strip())).first()
    if key is None:
        raise NotFound(f"there is no API key {ref!r}: `odoobridge apikey list` shows them")
    return key


def revoke_api_key(
    session: Session, key: ApiKey, *, by: str, by_role: Role, origin: Origin
) -> ApiKey:
    """Revoke a key ``by`` may manage (:func:`ensure_may_manage`); audited."""
    ensure_may_manage(key, actor=by, role=by_role)
    if key.revoked_at is not None:
        raise Conflict(f"the API key {key.prefix} is already revoked")
    key.revoked_at = utcnow()
    key.revoked_by = by
    record(
        session,
        actor=by,
        action="api_key_revoked",
        target=key.prefix,
        detail={"name": key.name},
        origin=origin,
    )
    return key


def list_api_keys(session: Session, *, created_by: str | None = None) -> list[ApiKey]:
    query = select(ApiKey)
    if created_by is not None:
        query = query.where(ApiKey.created_by == created_by)
    return list(session.scalars(query.order_by(ApiKey.id.desc())))


def ensure_may_manage(key: ApiKey, *, actor: str, role: Role) -> None:
    """Super admins manage every key; others only the keys they made."""
    if role is not Role.SUPER_ADMIN and key.created_by != actor:
        raise Forbidden(f"the API key {key.prefix} belongs to {key.created_by}: ask a super admin")
