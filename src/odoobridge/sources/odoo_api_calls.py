"""The calls the API source makes, on the gateway's client (:mod:`.odoo_rpc`): reads only, each
with the context ``{"lang": <ODOOBRIDGE_ODOO_LANG>, "active_test": False}`` (labels in one
language whatever the API user's, archived records too), in id-ordered pages (``id > last``, so
a record created or deleted during the read never shifts a page), waiting out Odoo Online's
rate limit (HTTP 429, its Retry-After) as long as the read's deadline allows — a refused call
ran nothing, so sending a read again is safe. Faults become one line naming what was being read
and, for a missing right, the group Odoo says would grant it.

Errors (all :class:`odoobridge.errors.SourceError`), besides the client's own::

    OdooApiError                 502  base
    ├── OdooApiRightMissing      403  the API user may not read a model the sync needs
    ├── OdooApiThrottled         503  Odoo kept answering 429 until the read's deadline
    └── OdooApiUnsettled         503  Odoo kept changing during the read (bounded re-reads)
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from odoobridge.errors import SourceError
from odoobridge.sources.odoo_rpc import (
    OdooAccessError,
    OdooConnectionError,
    OdooRpcClient,
    OdooRpcError,
    OdooThrottled,
)

MAX_BACKOFF = 60.0  # seconds between two tries when a 429 names no Retry-After
RIGHTS_PAGE = "Settings → Users & Companies → Users → the user → Access Rights"


class OdooApiError(SourceError):
    pass


class OdooApiRightMissing(OdooApiError):
    status = 403

    def __init__(self, message: str, needs: str = "") -> None:
        super().__init__(message)
        self.needs = needs  # the group(s) that would grant the right, as Odoo names them


class OdooApiThrottled(OdooApiError):
    status = 503


class OdooApiUnsettled(OdooApiError):
    status = 503


@dataclass
class CallStats:
    calls: int = 0
    throttled: int = 0
    seconds_throttled: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "throttled": self.throttled,
            "seconds_throttled": round(self.seconds_throttled, 1),
        }


_GROUP_LINE = re.compile(r"^\s*-\s+(.+?)\s*$", re.MULTILINE)
_UNKNOWN_MODEL = re.compile(r"Object \S+ doesn't exist|model '[^']+' does not exist")


def groups_named_in(access_error: str) -> list[str]:
    """The groups an Odoo AccessError lists ("This operation is allowed for the following
    groups: - Administration/Access Rights"), as written there."""
    _, _, after = access_error.partition("following groups:")
    return _GROUP_LINE.findall(after.split("\n\n")[0]) if after else []


def is_unknown_model(error: OdooRpcError) -> bool:
    """Odoo says the model does not exist (its module is not installed)."""
    return bool(_UNKNOWN_MODEL.search(error.odoo_message or error.message))


@dataclass
class ApiCaller:
    """Reads through one client, with one context, paging, 429 waits and a deadline."""

    client: OdooRpcClient
    lang: str = "en_US"
    deadline: float = 3600.0  # seconds from now
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    stats: CallStats = field(default_factory=CallStats)

    def __post_init__(self) -> None:
        self._ends = self.clock() + self.deadline

    @property
    def context(self) -> dict[str, Any]:
        return {"lang": self.lang, "active_test": False}

    @property
    def username(self) -> str:
        return self.client.config.username

    def call(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """``model.method(*args, **kwargs)``, sent again after each 429 while the deadline
        allows; Odoo's refusals explained (see :meth:`explain`)."""
        attempt = 0
        while True:
            self.stats.calls += 1
            try:
                return self.client.execute(model, method, *args, context=self.context, **kwargs)
            except OdooThrottled as exc:
                self._wait(exc, attempt)
                attempt += 1
            except OdooRpcError as exc:
                raise self.explain(exc, model) from None

    def _wait(self, exc: OdooThrottled, attempt: int) -> None:
        seconds = exc.retry_after if exc.retry_after is not None else min(MAX_BACKOFF, 2.0**attempt)
        remaining = self._ends - self.clock()
        if seconds > remaining:
            raise OdooApiThrottled(
                f"{exc.message.removesuffix('; try again later')}; giving up: waiting "
                f"{seconds:.0f} s more would pass the read's deadline of {self.deadline:.0f} s "
                "(ODOOBRIDGE_ODOO_API_DEADLINE) — the store was not changed"
            )
        self.stats.throttled += 1
        self.stats.seconds_throttled += seconds
        self.sleep(seconds)

    def explain(self, exc: OdooRpcError, model: str) -> SourceError:
        """The client's error as one line saying what was being read and what to do."""
        if isinstance(exc, OdooAccessError):
            return self.right_missing(model, exc)
        if isinstance(exc, OdooConnectionError):
            timeout = self.client.config.timeout
            hint = (
                f", or raise ODOOBRIDGE_ODOO_RPC_TIMEOUT (now {timeout:g} s) if Odoo is slow"
                if "timed out" in exc.message
                else ""
            )
            what = exc.message.removesuffix("; nothing was changed, try again")
            return OdooConnectionError(
                f"reading {model}: {what}; the store was not changed — run the sync again{hint}"
            )
        return exc

    def right_missing(self, model: str, exc: OdooAccessError) -> OdooApiRightMissing:
        groups = groups_named_in(exc.odoo_message or exc.message)
        needs = " or ".join(groups) if groups else "Administration / Access Rights"
        return OdooApiRightMissing(
            f"the Odoo user {self.username!r} may not read {model}: give it {needs} "
            f"({RIGHTS_PAGE}) — the security sync reads access rights, record rules and every "
            "user's groups",
            needs,
        )

    # --- reading ----------------------------------------------------------------------------

    def pages(
        self, model: str, fields: list[str], page_size: int, domain: list[Any] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record of ``model`` matching ``domain``, in pages ordered by id."""
        last = 0
        while True:
            page: list[dict[str, Any]] = self.call(
                model,
                "search_read",
                [*(domain or []), ["id", ">", last]],
                fields=fields,
                limit=page_size,
                order="id",
            )
            if page:
                yield page
            if len(page) < page_size:
                return
            last = int(page[-1]["id"])

    def read(
        self, model: str, ids: list[int], fields: list[str], page_size: int
    ) -> list[dict[str, Any]]:
        """The records of ``ids`` that still exist (Odoo answers nothing for a deleted id)."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), page_size):
            found += self.call(model, "read", ids[start : start + page_size], fields=fields)
        return found

    def optional(self, model: str, work: Callable[[], Any]) -> tuple[Any, str | None]:
        """Run ``work``; when Odoo says the model does not exist or may not be read, answer
        ``(None, why)`` instead of failing."""
        try:
            return work(), None
        except OdooApiRightMissing as exc:
            return None, exc.message
        except OdooRpcError as exc:  # a UserError (XML-RPC, JSON-RPC) or JSON-2's 404
            if is_unknown_model(exc):
                return None, f"no {model} model"
            raise
