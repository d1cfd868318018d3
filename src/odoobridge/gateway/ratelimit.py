"""Rate limits of the gateway, per caller (an API key, or a signed-in person): reads
(``ODOOBRIDGE_GATEWAY_READ_LIMIT``, 30/minute), proposals (``…_PROPOSE_LIMIT``, 10/minute) and
executions (``…_EXECUTE_LIMIT``, 10/minute), over a moving window. Counters live where the
sign-in throttle keeps its own (:func:`odoobridge.web.throttle.limits_storage`): this process's
memory, or Redis (``REDIS_URL``) so that every process of the app counts together.

A call over the limit is refused with 429 and ``Retry-After`` (the seconds until one more call
fits in the window); refused calls do not count.
"""

from __future__ import annotations

from typing import Literal

from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

from odoobridge.errors import TooManyRequests
from odoobridge.settings import Settings
from odoobridge.web.throttle import limits_storage, seconds_until_reset

Bucket = Literal["read", "propose", "execute"]
_NOUNS = {"read": "reads", "propose": "proposals", "execute": "executions"}


class GatewayLimits:
    def __init__(self, settings: Settings) -> None:
        self.items: dict[Bucket, RateLimitItem] = {
            "read": parse(settings.gateway_read_limit),
            "propose": parse(settings.gateway_propose_limit),
            "execute": parse(settings.gateway_execute_limit),
        }
        self.limiter = MovingWindowRateLimiter(limits_storage(settings))
        # Counting in Redis is a network round trip; in memory it is not.
        self.blocking = settings.redis_url is not None

    def hit(self, bucket: Bucket, caller: str) -> None:
        """Count one call of ``caller`` (e.g. ``apikey:obk_…``), or refuse it with 429."""
        item = self.items[bucket]
        if not self.limiter.hit(item, "gateway", bucket, caller):
            wait = seconds_until_reset(self.limiter, item, "gateway", bucket, caller)
            raise TooManyRequests(
                f"too many gateway {_NOUNS[bucket]} from this caller (at most "
                f"{item.amount} per {item.multiples} {item.GRANULARITY.name}): "
                f"wait {wait} seconds and try again",
                retry_after=wait,
            )
