"""Credentials checked in the last few seconds, so a busy script or page does not cost a store
round trip per request just to learn who it is.

Entries live ``ttl`` seconds (5). The process that revokes a key or changes an account clears
the cache at once; another app process notices within ``ttl``. A key's own expiry is checked on
every use. Keys are cached under their SHA-256, never in plain text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from datetime import datetime
from typing import TYPE_CHECKING

from odoobridge.store.base import utcnow

if TYPE_CHECKING:
    from odoobridge.web.deps import Principal


class AuthCache:
    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._items: dict[Hashable, tuple[float, Principal, datetime | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Principal | None:
        with self._lock:
            item = self._items.get(key)
        if item is None:
            return None
        stored, principal, expires_at = item
        if time.monotonic() - stored > self.ttl or (expires_at and expires_at <= utcnow()):
            with self._lock:
                self._items.pop(key, None)
            return None
        return principal

    def put(self, key: Hashable, principal: Principal, expires_at: datetime | None = None) -> None:
        with self._lock:
            if len(self._items) >= self.size:
                self._items.clear()
            self._items[key] = (time.monotonic(), principal, expires_at)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
