"""Sign-in throttling with the ``limits`` library: failed attempts per (account, address) at
``ODOOBRIDGE_LOGIN_THROTTLE``, and four times that per address alone (password spraying). Counts
live in memory, or in Redis when ``REDIS_URL`` is set so every process shares them.

:func:`limits_storage` and :func:`seconds_until_reset` are shared with every other rate limit of
the app (the gateway's, :mod:`odoobridge.gateway.ratelimit`): one storage choice, one place."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from odoobridge.errors import ConfigError, TooManyRequests
from odoobridge.settings import Settings


def limits_storage(settings: Settings) -> Storage:
    """Where rate-limit counters live: this process's memory, or Redis (``REDIS_URL``) so that
    every process of the app counts together."""
    url = "memory://"
    if settings.redis_url is not None:
        url = settings.redis_url.get_secret_value()
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError("REDIS_URL must look like redis://host:6379/0")
    storage = storage_from_string(url)
    assert isinstance(storage, Storage)  # the synchronous kind, for these schemes
    return storage


def seconds_until_reset(limiter: MovingWindowRateLimiter, item: RateLimitItem, *keys: str) -> int:
    """Whole seconds (at least 1) until ``item`` lets ``keys`` through again: the Retry-After."""
    reset_at, _remaining = limiter.get_window_stats(item, *keys)
    return max(1, math.ceil(reset_at - time.time()))


class LoginThrottle:
    def __init__(self, settings: Settings) -> None:
        self.per_account: RateLimitItem = parse(settings.login_throttle)
        self.per_address: RateLimitItem = type(self.per_account)(
            self.per_account.amount * 4, self.per_account.multiples, "sign-in-address"
        )
        self.limiter = MovingWindowRateLimiter(limits_storage(settings))

    def check(self, email: str, address: str) -> None:
        """Refuse (429) when too many sign-ins failed lately for this account or address.
        ``email`` is counted as given: pass it through ``accounts.sign_in_email`` first, as the
        sign-in does, so one account is one count however it is typed."""
        pairs = (
            (self.per_account, ("account", email, address)),
            (self.per_address, ("address", address)),
        )
        for item, keys in pairs:
            if not self.limiter.test(item, *keys):
                wait = seconds_until_reset(self.limiter, item, *keys)
                raise TooManyRequests(
                    f"too many failed sign-ins: wait {wait} seconds and try again",
                    retry_after=wait,
                )

    def failed(self, email: str, address: str) -> None:
        self.limiter.hit(self.per_account, "account", email, address)
        self.limiter.hit(self.per_address, "address", address)

    def reset(self) -> None:
        self.limiter.storage.reset()
