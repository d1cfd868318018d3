"""The credentials cache: one re-check per due entry, the rest answered meanwhile."""

from __future__ import annotations

import threading
from datetime import timedelta

from odoobridge.auth.principal import Principal
from odoobridge.auth.roles import Role
from odoobridge.store.base import utcnow
from odoobridge.web.authcache import AuthCache

AUDITOR = Principal("api_key", 7, "apikey:obk_abc", "nightly export", Role.AUDITOR)


def test_a_fresh_entry_is_answered_from_memory() -> None:
    cache = AuthCache(ttl=60)
    assert cache.get("k") is None
    cache.put("k", AUDITOR)
    assert cache.get("k") is AUDITOR


def test_a_due_entry_is_rechecked_by_one_request_while_the_others_keep_it() -> None:
    cache = AuthCache(ttl=0, grace=60)
    cache.put("k", AUDITOR)
    assert cache.get("k") is None  # the first to see it due re-checks the credential
    assert cache.get("k") is AUDITOR  # others meanwhile keep the cached answer
    cache.put("k", AUDITOR)  # re-checked: fresh again, and the next one due re-checks anew
    assert cache.get("k") is None


def test_many_threads_cause_one_recheck() -> None:
    cache = AuthCache(ttl=0, grace=60)
    cache.put("k", AUDITOR)
    answers: list[Principal | None] = []
    start = threading.Barrier(20)

    def ask() -> None:
        start.wait()
        answers.append(cache.get("k"))

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count(None) == 1 and answers.count(AUDITOR) == 19


def test_after_the_grace_another_request_rechecks() -> None:
    cache = AuthCache(ttl=0, grace=0)
    cache.put("k", AUDITOR)
    assert cache.get("k") is None
    assert cache.get("k") is None  # the first re-check never reported back: try again


def test_a_credential_that_no_longer_holds_is_dropped() -> None:
    cache = AuthCache(ttl=0, grace=60)
    cache.put("k", AUDITOR)
    assert cache.get("k") is None
    cache.discard("k")  # the re-check failed (revoked key, ended session)
    assert cache.get("k") is None and cache.get("k") is None


def test_a_keys_own_expiry_is_checked_on_every_use() -> None:
    cache = AuthCache(ttl=60, grace=60)
    cache.put("k", AUDITOR, utcnow() - timedelta(seconds=1))
    assert cache.get("k") is None and cache.get("k") is None
