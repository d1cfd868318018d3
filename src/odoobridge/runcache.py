"""``RunCache[K, V]``: values built once per key and kept, for everything the app computes from
data that does not change under it — a successful run's snapshot, index, pages and figures (a
run never changes once it succeeded), and, with a time to live, the latest runs and checked
credentials.

The contract, the same for every instance:

- **Bounded**: at most ``size`` entries; the least recently used goes first.
- **One build per key**: when a key is missing, the first caller builds it while later callers
  of the same key wait for that build and share its value (other keys are not held up). A build
  that raises is not kept: its caller gets the error, a waiting caller builds again.
- **Time to live** (``ttl`` seconds, optional): an older entry is *due*. The first caller to see a
  due entry rebuilds it; callers arriving during that rebuild keep the previous value for at most
  ``grace`` seconds instead of all rebuilding at once (a due entry costs one build, not one per
  waiting request). A failed rebuild drops the entry and raises to its caller.
- **Expiry** (optional ``expires(value)``, an aware datetime): a value past its own expiry is
  never returned (an API key's expiry is checked on every use).

Builds run outside the cache's lock; nothing here does I/O itself.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class _Entry(Generic[V]):
    value: V
    stored: float  # time.monotonic() when built
    rebuilding_since: float | None = None


class RunCache(Generic[K, V]):
    def __init__(
        self,
        size: int,
        *,
        ttl: float | None = None,
        grace: float = 1.0,
        expires: Callable[[V], datetime | None] | None = None,
    ) -> None:
        if size < 1:
            raise ValueError("a RunCache keeps at least one entry")
        self.size = size
        self.ttl = ttl
        self.grace = grace
        self._expires = expires
        self._entries: OrderedDict[K, _Entry[V]] = OrderedDict()
        self._building: dict[K, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The value of ``key``, built by ``build()`` when missing or due (see the module)."""
        while True:
            now = time.monotonic()
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and self._expired(entry.value):
                    del self._entries[key]
                    entry = None
                due = False
                if entry is not None:
                    self._entries.move_to_end(key)
                    if self.ttl is None or now - entry.stored <= self.ttl:
                        return entry.value
                    began = entry.rebuilding_since
                    if began is not None and now - began < self.grace:
                        return entry.value  # another caller is rebuilding it right now
                    entry.rebuilding_since = now
                    due = True
                else:
                    building = self._building.setdefault(key, threading.Lock())
            if due:
                return self._build(key, build)
            with building:  # one caller builds a missing key; the others wait for it
                with self._lock:
                    entry = self._entries.get(key)
                    fresh = entry is not None and not self._expired(entry.value)
                if fresh:
                    continue  # built while this caller waited: take it (or rebuild if due)
                try:
                    return self._build(key, build)
                finally:
                    with self._lock:
                        if self._building.get(key) is building:
                            del self._building[key]

    def _build(self, key: K, build: Callable[[], V]) -> V:
        try:
            value = build()
        except BaseException:
            self.discard(key)
            raise
        with self._lock:
            self._entries[key] = _Entry(value, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def _expired(self, value: V) -> bool:
        if self._expires is None:
            return False
        moment = self._expires(value)
        return moment is not None and moment <= datetime.now(UTC)

    def peek(self, key: K) -> V | None:
        """The kept value of ``key`` (even if due), or None; builds nothing."""
        with self._lock:
            entry = self._entries.get(key)
            return None if entry is None or self._expired(entry.value) else entry.value

    def discard(self, key: K) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
