"""The read half of the CRM sync: everything comes from Odoo's API before the store is touched.

Per entity (:mod:`odoobridge.sales.entities`):

- its model is not installed → ``absent`` (said so; its facts are closed when it once was);
- the integration user may not read it → ``skipped`` (its facts stay as they were);
- no cursor yet, or ``--full`` → every record (``full``);
- otherwise the records written since the previous run's latest ``write_date`` minus the overlap
  window, plus every id Odoo still has (ids only), so deletions are found without tombstones
  (``incremental``).

The cursor is Odoo's own ``write_date`` (its clock, not ours), so clock skew between the two
machines cannot lose a write; the overlap window covers writes in the same second and
transactions that committed after a later one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from odoobridge.sales.entities import Entity, company_pairs
from odoobridge.sources.odoo_models import OdooModelReader
from odoobridge.sources.odoo_rpc import OdooAccessError
from odoobridge.sync.runs import Progress

ODOO_DATETIME = "%Y-%m-%d %H:%M:%S"


@dataclass
class EntityRead:
    entity: Entity
    mode: str  # full | incremental | absent | skipped
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    ids: set[int] | None = None  # incremental: every id Odoo has
    cursor: str | None = None
    reason: str | None = None  # absent or skipped: why
    pairs: list[tuple[int, int]] = field(default_factory=list)  # users: (user, company)


@dataclass
class CrmSnapshot:
    server_version: str
    entities: list[EntityRead] = field(default_factory=list)
    calls: int = 0


def since(cursor: str, overlap_seconds: int) -> str:
    """The ``write_date`` an incremental read starts from."""
    start = datetime.strptime(cursor[:19], ODOO_DATETIME) - timedelta(seconds=overlap_seconds)
    return start.strftime(ODOO_DATETIME)


def read_crm(
    reader: OdooModelReader,
    entities: tuple[Entity, ...],
    cursors: dict[str, str],
    *,
    full: bool,
    overlap_seconds: int,
    progress: Progress,
) -> CrmSnapshot:
    """Read ``entities`` from Odoo (see the module docstring)."""
    progress.phase("connecting")
    snapshot = CrmSnapshot(server_version=reader.server_version())
    installed = reader.installed(e.model for e in entities)
    for entity in entities:
        if entity.model not in installed:
            reason = f"{entity.model} is not installed in Odoo (module {entity.module})"
            snapshot.entities.append(EntityRead(entity, "absent", reason=reason))
            continue
        cursor = None if full else cursors.get(entity.name)
        try:
            snapshot.entities.append(
                _read_entity(reader, entity, cursor, overlap_seconds, progress)
            )
        except OdooAccessError as exc:
            reason = f"the Odoo user may not read {entity.model}: {exc.odoo_message or exc}"
            snapshot.entities.append(EntityRead(entity, "skipped", reason=reason[:300]))
    snapshot.calls = reader.calls
    return snapshot


def _read_entity(
    reader: OdooModelReader,
    entity: Entity,
    cursor: str | None,
    overlap_seconds: int,
    progress: Progress,
) -> EntityRead:
    available = reader.field_names(entity.model)
    fields = entity.odoo_fields(available)
    if entity.name == "users" and "company_ids" in available:
        fields.append("company_ids")
    domain: list[Any] = [tuple(term) for term in entity.domain]
    incremental = cursor is not None
    if cursor is not None:
        domain.append(("write_date", ">=", since(cursor, overlap_seconds)))
    progress.phase(f"reading {entity.model}")
    read = EntityRead(entity, "incremental" if incremental else "full", cursor=cursor)
    for batch in reader.batches(entity.model, domain, fields, archived=entity.archived):
        for record in batch:
            read.rows.append(entity.row(record))
            if entity.name == "users":
                read.pairs.extend(company_pairs(record))
            written = record.get("write_date")
            if written and (read.cursor is None or str(written) > read.cursor):
                read.cursor = str(written)
        progress.advance(len(batch))
    if incremental:
        progress.phase(f"reading {entity.model} ids")
        base = [tuple(term) for term in entity.domain]
        read.ids = set()
        for ids in reader.ids(entity.model, base, archived=entity.archived):
            read.ids.update(ids)
            progress.advance(len(ids))
        # A record deleted between the two reads is gone: do not write it back.
        read.rows = [row for row in read.rows if row[0] in read.ids]
        read.pairs = [pair for pair in read.pairs if pair[0] in read.ids]
    return read
