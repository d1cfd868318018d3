"""Whole Odoo models read through the external API (:mod:`odoobridge.sources.odoo_rpc`), for syncs
that must work where Odoo's database is out of reach (Odoo Online, Odoo.sh).

- :meth:`OdooModelReader.installed` — which of some models exist (``ir.model``): a module that is
  not installed simply has no model there;
- :meth:`OdooModelReader.field_names` — the fields a model has on this Odoo (versions differ);
- :meth:`OdooModelReader.ids` — every id a domain matches (ids only: cheap, for finding what was
  deleted, as Odoo keeps no tombstones);
- :meth:`OdooModelReader.batches` — the records a domain matches, in pages ordered by id and
  fetched by id ranges (``id > last``), so a page costs the same at the end as at the start and a
  record written during the read is neither skipped nor read twice.

Records come back as Odoo sends them (many2one ``[id, name]`` or ``False``). Every failure is one
of the client's errors (``OdooConnectionError`` when Odoo drops the connection …).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcError

ARCHIVED_TOO = {"active_test": False}


class OdooModelReader:
    def __init__(self, client: OdooRpcClient, *, batch_size: int = 2000) -> None:
        self.client = client
        self.batch_size = batch_size
        self.calls = 0

    def server_version(self) -> str:
        answer = self.client.version()
        self.calls += 1
        return str(answer.get("server_version", ""))

    def installed(self, models: Iterable[str]) -> set[str]:
        """The subset of ``models`` this Odoo has."""
        wanted = sorted(set(models))
        found = self.client.search_read("ir.model", [("model", "in", wanted)], ["model"])
        self.calls += 1
        return {str(row["model"]) for row in found}

    def field_names(self, model: str) -> set[str]:
        answer = self.client.fields_get(model, ["type"])
        self.calls += 1
        if not isinstance(answer, dict):
            raise OdooRpcError(f"Odoo answered fields_get on {model} with {type(answer).__name__}")
        return set(answer)

    def ids(self, model: str, domain: list[Any], *, archived: bool = True) -> Iterator[list[int]]:
        """Every id ``domain`` matches, in pages, ascending."""
        context = ARCHIVED_TOO if archived else None
        last = 0
        page = self.batch_size * 10  # ids are small: fewer, larger pages
        while True:
            found = self.client.execute(
                model,
                "search",
                [*domain, ("id", ">", last)],
                context=context,
                limit=page,
                order="id",
            )
            self.calls += 1
            ids = [int(i) for i in found]
            if ids:
                yield ids
            if len(ids) < page:
                return
            last = ids[-1]

    def batches(
        self, model: str, domain: list[Any], fields: list[str], *, archived: bool = True
    ) -> Iterator[list[dict[str, Any]]]:
        """The records ``domain`` matches with ``fields`` (and ``id``), in pages by id."""
        context = ARCHIVED_TOO if archived else None
        last = 0
        while True:
            records = self.client.search_read(
                model,
                [*domain, ("id", ">", last)],
                fields,
                limit=self.batch_size,
                order="id",
                context=context,
            )
            self.calls += 1
            if records:
                yield records
            if len(records) < self.batch_size:
                return
            last = int(records[-1]["id"])
