"""Credentials checked in the last few seconds, so a busy script or page does not cost a store
round trip per request just to learn who it is.

Entries live ``ttl`` seconds (5). When one is due, the first request to see it re-checks the
credential in the store while the others keep the cached answer for at most ``grace`` seconds
(1) more: under load, a due entry costs one store round trip, not one per waiting request (which
used to exhaust the connection pool every five seconds). The process that revokes a key or
changes an account clears the cache at once; another app process notices within ``ttl`` +
``grace``. A key's own expiry is checked on every use. Keys are cached under their SHA-256,
never in plain text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from datetime import datetime

from odoobridge.auth.principal import Principal
from odoobridge.store.base import utcnow


class AuthCache:
    def __init__(self, ttl: float = 5.0, size: int = 10_000, grace: float = 1.0) -> None:
        self.ttl = ttl
        self.grace = grace
        self.size = size
        self._items: dict[Hashable, tuple[float, Principal, datetime | None]] = {}
        self._rechecking: dict[Hashable, float] = {}  # key → when a request began re-checking it
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Principal | None:
        """The cached principal, or None: then the caller checks the credential and calls
        :meth:`put` (or :meth:`discard` when it no longer holds)."""
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            stored, principal, expires_at = item
            if expires_at and expires_at <= utcnow():
                self._items.pop(key, None)
                return None
            if now - stored <= self.ttl:
                return principal
            began = self._rechecking.get(key)
            if began is not None and now - began < self.grace:
                return principal  # another request is re-checking it right now
            self._rechecking[key] = now
            return None

    def put(self, key: Hashable, principal: Principal, expires_at: datetime | None = None) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
                self._rechecking.clear()
            self._items[key] = (time.monotonic(), principal, expires_at)
            self._rechecking.pop(key, None)

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._items.pop(key, None)
            self._rechecking.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._rechecking.clear()
