"""RunCache: bounded, one build per key, due entries rebuilt by one caller, own expiry honoured."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.runcache import RunCache
from odoobridge.store.base import utcnow

AUDITOR = Principal("api_key", 7, "apikey:obk_abc", "nightly export", Role.AUDITOR)


class Builds:
    """A build function that counts its calls and can be held or made to fail."""

    def __init__(self, value: object = "v") -> None:
        self.value = value
        self.calls = 0
        self.release = threading.Event()
        self.release.set()
        self.started = threading.Event()
        self.fail: Exception | None = None

    def __call__(self) -> object:
        self.calls += 1
        self.started.set()
        self.release.wait(5)
        if self.fail is not None:
            raise self.fail
        return self.value


def test_a_kept_value_is_answered_without_building_again() -> None:
    cache: RunCache[str, object] = RunCache(size=4)
    build = Builds()
    assert cache.get("k", build) == "v"
    assert cache.get("k", build) == "v"
    assert build.calls == 1


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: RunCache[int, int] = RunCache(size=2)
    cache.get(1, lambda: 1)
    cache.get(2, lambda: 2)
    cache.get(1, lambda: -1)  # 1 is now the most recent
    cache.get(3, lambda: 3)
    assert len(cache) == 2
    assert cache.peek(2) is None and cache.peek(1) == 1 and cache.peek(3) == 3


def test_many_threads_missing_one_key_cause_one_build() -> None:
    cache: RunCache[str, object] = RunCache(size=4)
    build = Builds()
    build.release.clear()
    answers: list[object] = []
    threads = [
        threading.Thread(target=lambda: answers.append(cache.get("k", build))) for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    assert build.started.wait(5)
    time.sleep(0.05)  # let the others reach the key's build lock
    build.release.set()
    for thread in threads:
        thread.join()
    assert build.calls == 1 and answers == ["v"] * 20


def test_other_keys_are_not_held_up_by_a_slow_build() -> None:
    cache: RunCache[str, object] = RunCache(size=4)
    slow = Builds()
    slow.release.clear()
    worker = threading.Thread(target=lambda: cache.get("slow", slow))
    worker.start()
    assert slow.started.wait(5)
    assert cache.get("fast", lambda: "quick") == "quick"
    slow.release.set()
    worker.join()


def test_a_failed_build_is_not_kept_and_the_next_caller_builds_again() -> None:
    cache: RunCache[str, object] = RunCache(size=4)
    build = Builds()
    build.fail = RuntimeError("store went away")
    with pytest.raises(RuntimeError):
        cache.get("k", build)
    build.fail = None
    assert cache.get("k", build) == "v" and build.calls == 2


def test_a_due_entry_is_rebuilt_by_one_caller_while_the_others_keep_it() -> None:
    cache: RunCache[str, object] = RunCache(size=4, ttl=0.0, grace=60)
    cache.get("k", lambda: "old")
    build = Builds("new")
    build.release.clear()
    rebuilding = threading.Thread(target=lambda: cache.get("k", build))
    rebuilding.start()
    assert build.started.wait(5)
    others = [cache.get("k", build) for _ in range(10)]
    build.release.set()
    rebuilding.join()
    assert others == ["old"] * 10 and build.calls == 1
    assert cache.peek("k") == "new"


def test_after_the_grace_another_caller_rebuilds() -> None:
    cache: RunCache[str, object] = RunCache(size=4, ttl=0.0, grace=0.0)
    cache.get("k", lambda: "old")
    calls: list[str] = []
    assert cache.get("k", lambda: calls.append("a") or "a") == "a"
    assert cache.get("k", lambda: calls.append("b") or "b") == "b"
    assert calls == ["a", "b"]


def test_a_failed_rebuild_drops_the_entry() -> None:
    cache: RunCache[str, Principal] = RunCache(size=4, ttl=0.0, grace=60)
    cache.get("k", lambda: AUDITOR)

    def revoked() -> Principal:
        raise PermissionError("revoked")

    with pytest.raises(PermissionError):
        cache.get("k", revoked)
    assert cache.peek("k") is None


def test_a_value_past_its_own_expiry_is_never_answered() -> None:
    cache: RunCache[str, Principal] = RunCache(size=4, ttl=60, expires=lambda p: p.expires_at)
    expired = Principal(
        "api_key", 8, "apikey:obk_x", "old", Role.VIEWER, expires_at=utcnow() - timedelta(seconds=1)
    )
    cache.get("k", lambda: expired)
    assert cache.peek("k") is None
    assert cache.get("k", lambda: AUDITOR) is AUDITOR


def test_a_cache_keeps_at_least_one_entry() -> None:
    with pytest.raises(ValueError):
        RunCache(size=0)
