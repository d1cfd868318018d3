"""Read Odoo's security model through its external API, for Odoos whose database cannot be
reached: Odoo Online, Odoo.sh.

``with OdooApiReader(target) as reader:`` signs in (password or API key), asks the server's
version, picks the PostgreSQL adapter of that generation from ``res.groups``' fields, reads every
model in id-ordered pages (:mod:`.odoo_api_calls`), re-reads what changed meanwhile until a
round finds nothing (:mod:`.odoo_api_settle`), and only then hands out rows:
``reader.batches("groups")`` yields exactly what :class:`.odoo_db.OdooDbReader` yields for the
same Odoo (:mod:`.odoo_api_reads` maps the values), so the sync cannot tell the two apart.
Nothing is ever written: the client only sends reads.

The API user needs Administration / Access Rights (access rights, record rules, external ids,
every user's groups); employees are read where hr is installed and the user may read them
(Employees: Officer, or Settings), else skipped as the PostgreSQL source skips an ungranted
table. Errors: the client's (:mod:`.odoo_rpc`) and :mod:`.odoo_api_calls`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Protocol

import httpx

from odoobridge.redact import redact_url
from odoobridge.sources.odoo_api_calls import ApiCaller, OdooApiError
from odoobridge.sources.odoo_api_reads import ModelRead, Raw, ReadPlan, build_rows
from odoobridge.sources.odoo_api_settle import settle
from odoobridge.sources.odoo_db import SourceInfo, parse_major
from odoobridge.sources.odoo_records import ENTITIES
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig
from odoobridge.sources.odoo_schema import Catalog, SchemaAdapter, choose_adapter


class Progress(Protocol):
    """Where the read reports its phases (a sync run's progress)."""

    def phase(self, name: str, total: int | None = None) -> None: ...
    def advance(self, rows: int) -> None: ...


@dataclass(frozen=True)
class OdooApiTarget:
    """Where and how to read: the client's config (its ``names`` say which settings it came
    from, e.g. ``ODOO_PROD``), the labels' language, page size, deadline and re-read bound."""

    config: OdooRpcConfig
    lang: str = "en_US"
    page_size: int = 500
    deadline: float = 3600.0
    rereads: int = 3
    batch_size: int = 10_000

    @property
    def where(self) -> str:
        return f"{redact_url(self.config.url)} (database {self.config.db})"


def adapter_for(group_fields: dict[str, Any], major: int | None, lang: str) -> SchemaAdapter:
    """The PostgreSQL adapter of this Odoo's generation, chosen as the PostgreSQL source chooses
    it — from ``res.groups``' fields instead of its columns (translated names are jsonb from
    16 on)."""
    columns = {
        name: "jsonb" if name == "name" and (major or 0) >= 16 else str(info.get("type"))
        for name, info in group_fields.items()
    }
    return choose_adapter(Catalog({"res_groups": columns}), lang)


class OdooApiReader:
    """A :class:`~odoobridge.access.sync.SecuritySource` over Odoo's external API."""

    def __init__(
        self,
        target: OdooApiTarget,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.target = target
        self.info: SourceInfo | None = None
        self._transport = transport
        self._sleep = sleep
        self._progress: Progress | None = None
        self._client: OdooRpcClient | None = None
        self._rows: dict[str, list[tuple[Any, ...]]] = {}

    def attach_progress(self, progress: Progress) -> None:
        """Report the read's phases (it happens on entering, before any batch is asked for)."""
        self._progress = progress

    def __enter__(self) -> OdooApiReader:
        self._client = OdooRpcClient(self.target.config, transport=self._transport)
        try:
            caller = ApiCaller(self._client, self.target.lang, self.target.deadline)
            if self._sleep is not None:
                caller.sleep = self._sleep
            self._read(caller)
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def batches(self, entity: str) -> Iterator[list[tuple[Any, ...]]]:
        rows = self._rows.get(entity, [])
        for start in range(0, len(rows), self.target.batch_size):
            yield rows[start : start + self.target.batch_size]

    # --- the read ---------------------------------------------------------------------------

    def _phase(self, name: str, total: int | None = None) -> None:
        if self._progress is not None:
            self._progress.phase(name, total)

    def _advance(self, rows: int) -> None:
        if self._progress is not None:
            self._progress.advance(rows)

    def _read(self, caller: ApiCaller) -> None:
        client = caller.client
        self._phase("connecting")
        version = client.version()
        server_version = str(version.get("server_version") or "")
        major = parse_major(server_version)
        uid = client.authenticate()
        group_fields = caller.call("res.groups", "fields_get", attributes=["type"])
        adapter = adapter_for(group_fields, major, self.target.lang)
        plan = ReadPlan(adapter)
        raw: Raw = {}
        for read in plan.required():
            raw[read.model] = self._all(caller, read)
        skipped, absent = self._optional(caller, plan, raw)
        settled = settle(
            caller,
            plan,
            raw,
            page_size=self.target.page_size,
            rereads=self.target.rereads,
            phase=self._phase,
        )
        self._rows = build_rows(plan, raw)
        config = self.target.config
        self.info = SourceInfo(
            source="api",
            database=self.target.where,
            odoo_version=server_version or None,
            major=major,
            adapter=f"{adapter.name} ({adapter.generations})",
            entities=[spec.name for spec in ENTITIES if spec.name not in skipped],
            skipped=skipped,
            absent=absent,
            details={
                "protocol": config.protocol,
                "user": config.username,
                "uid": uid,
                **settled.as_dict(),
                **caller.stats.as_dict(),
            },
        )

    def _all(self, caller: ApiCaller, read: ModelRead) -> dict[int, dict[str, Any]]:
        self._phase(f"reading {read.model}")
        records: dict[int, dict[str, Any]] = {}
        domain = [list(term) for term in read.domain]
        for page in caller.pages(read.model, list(read.fields), self.target.page_size, domain):
            records.update((int(r["id"]), r) for r in page)
            self._advance(len(page))
        return records

    def _optional(
        self, caller: ApiCaller, plan: ReadPlan, raw: Raw
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Read the optional models; an entity one of whose models is missing is absent (read
        as empty), one whose model the user may not read is skipped (facts carried forward)."""
        skipped: dict[str, str] = {}
        absent: dict[str, str] = {}
        for read in plan.optional():
            if read.entity in skipped or read.entity in absent:
                continue
            records, why = caller.optional(read.model, partial(self._all, caller, read))
            if why is None:
                raw[read.model] = records
            elif why.startswith("no "):
                module = f" (the {read.module} module is not installed)" if read.module else ""
                absent[read.entity] = f"{why}{module}"
            else:
                skipped[read.entity] = f"not readable: {why}"
        for read in plan.optional():  # an entity needs all its models
            if read.entity in skipped or read.entity in absent:
                raw.pop(read.model, None)
        return skipped, absent


__all__ = ["OdooApiError", "OdooApiReader", "OdooApiTarget", "adapter_for"]
