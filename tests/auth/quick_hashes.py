"""argon2 made cheap for tests: an autouse fixture that conftests (and test modules) import."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its production cost takes ~0.5 s a hash on the test machine; the web tests
    make and check many, so they use argon2 with a small cost (the hashes say their cost)."""
    from argon2 import PasswordHasher

    from odoobridge.auth import passwords

    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", lambda: quick)
