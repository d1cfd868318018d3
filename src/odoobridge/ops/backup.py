"""``odoobridge backup FILE``: the whole store, consistent, in one portable file.

The file is a tar archive (``tar tf`` lists it) holding ``manifest.json`` first, then one
gzip'd JSON-lines member per table (``tables/0001_sync_runs.jsonl.gz`` …) in dependency order,
rows in primary-key order (:mod:`backup_codec` says how each value is written). The manifest
records the store's migration revisions, and per table its columns (name, kind), primary key,
row count and SHA-256 digest. Every table is read in one snapshot while syncs may write:
a ``REPEATABLE READ, READ ONLY`` transaction on PostgreSQL, one read transaction on SQLite (WAL
keeps it consistent). Rows stream from the database to temporary gzip files next to the target
(memory stays flat whatever the size), then the archive is written and renamed into place, so a
half-written backup never carries the final name.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, select, text

import odoobridge
from odoobridge.errors import ConfigError
from odoobridge.ops.backup_codec import ColumnSpec, column_kind, io_table, row_encoder
from odoobridge.store.base import utcnow

FORMAT = "odoobridge-backup"
VERSION = 1
MANIFEST = "manifest.json"
ALEMBIC_TABLE = "alembic_version"
BATCH = 5_000
Listener = Callable[[str, int], None]  # (table, rows so far)


@dataclass
class TableEntry:
    name: str
    member: str
    columns: list[ColumnSpec]
    primary_key: list[str]
    rows: int = 0
    sha256: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "member": self.member,
            "columns": [c.as_dict() for c in self.columns],
            "primary_key": self.primary_key,
            "rows": self.rows,
            "sha256": self.sha256,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TableEntry:
        columns = [ColumnSpec(c["name"], c["kind"], c.get("scale")) for c in raw["columns"]]
        return cls(
            str(raw["name"]),
            str(raw["member"]),
            columns,
            [str(p) for p in raw["primary_key"]],
            int(raw["rows"]),
            str(raw["sha256"]),
        )


@dataclass
class Manifest:
    created_at: str
    source: str  # the engine: sqlite or postgresql
    revisions: list[str]
    tables: list[TableEntry] = field(default_factory=list)
    excluded_runs: list[int] = field(default_factory=list)
    odoobridge_version: str = odoobridge.__version__

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "created_at": self.created_at,
            "odoobridge": self.odoobridge_version,
            "source": self.source,
            "revisions": self.revisions,
            "excluded_runs": self.excluded_runs,
            "tables": [t.as_dict() for t in self.tables],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Manifest:
        return cls(
            created_at=str(raw["created_at"]),
            source=str(raw["source"]),
            revisions=[str(r) for r in raw["revisions"]],
            tables=[TableEntry.from_dict(t) for t in raw["tables"]],
            excluded_runs=[int(r) for r in raw.get("excluded_runs", [])],
            odoobridge_version=str(raw.get("odoobridge", "?")),
        )


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection reading one consistent snapshot of the whole store, read-only."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")  # timestamptz read as UTC
        # SQLite: the engine's BEGIN (deferred) starts a read transaction; the first read fixes
        # its snapshot, which WAL keeps while writers commit.
        try:
            yield conn
        finally:
            conn.rollback()


def store_tables(conn: Connection) -> list[Table]:
    """The store's tables as they are in the database, parents before children."""
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return [t for t in metadata.sorted_tables if t.name != ALEMBIC_TABLE]


def revisions_of(conn: Connection) -> list[str]:
    from sqlalchemy import inspect

    if not inspect(conn).has_table(ALEMBIC_TABLE):
        return []
    found = conn.execute(text(f"SELECT version_num FROM {ALEMBIC_TABLE}")).scalars()
    return sorted(str(r) for r in found)


def _spec(table: Table, column: Any) -> ColumnSpec:
    kind = column_kind(column.type, f"column {table.name}.{column.name}")
    scale = getattr(column.type, "scale", None) if kind == "decimal" else None
    return ColumnSpec(column.name, kind, scale)


def table_entry(table: Table, position: int) -> TableEntry:
    columns = [_spec(table, column) for column in table.columns]
    primary_key = [c.name for c in table.primary_key.columns] or [c.name for c in table.columns]
    member = f"tables/{position:04d}_{table.name}.jsonl.gz"
    return TableEntry(table.name, member, columns, primary_key)


def table_lines(
    conn: Connection, entry: TableEntry, *, exclude_ids: list[int] | None = None
) -> Iterator[bytes]:
    """The table's rows as backup lines, in primary-key order, streamed in batches."""
    dialect = conn.dialect.name
    io = io_table(entry.name, entry.columns, dialect)
    json_columns = [io.c[c.name] for c in entry.columns if c.kind == "json"]
    query = select(*io.c, *(column.is_(None) for column in json_columns))
    if exclude_ids:
        query = query.where(io.c.id.not_in(exclude_ids))
    kinds = {c.name: c.kind for c in entry.columns}
    order = [
        io.c[name].collate("C") if dialect == "postgresql" and kinds[name] == "str" else io.c[name]
        for name in entry.primary_key
    ]
    encode = row_encoder(entry.columns)
    width = len(entry.columns)
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
        query.order_by(*order)
    )
    for row in result:
        yield encode(tuple(row[:width]), tuple(row[width:]))


def _dump(
    conn: Connection,
    entry: TableEntry,
    path: Path,
    exclude: list[int] | None,
    listener: Listener | None,
) -> None:
    digest = hashlib.sha256()
    rows = 0
    with gzip.open(path, "wb", compresslevel=5) as out:
        for line in table_lines(conn, entry, exclude_ids=exclude):
            digest.update(line)
            out.write(line)
            rows += 1
            if listener is not None and rows % 50_000 == 0:
                listener(entry.name, rows)
    entry.rows, entry.sha256 = rows, digest.hexdigest()
    if listener is not None:
        listener(entry.name, rows)


def write_backup(
    engine: Engine,
    path: Path,
    *,
    exclude_run_id: int | None = None,
    listener: Listener | None = None,
) -> Manifest:
    """Back the store up into ``path`` (replaced if it exists); returns the manifest.
    ``exclude_run_id`` leaves out one ``sync_runs`` row: the scheduled backup's own run, still
    running while the snapshot is read."""
    path = path.expanduser()
    if path.is_dir():
        raise ConfigError(f"{path} is a folder: name the backup file, e.g. {path}/store.obk")
    try:
        return _write(engine, path, exclude_run_id, listener)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the backup {path} ({exc.strerror or type(exc).__name__}): choose a "
            "place OdooBridge may write to, with room for the store"
        ) from None


def _write(
    engine: Engine, path: Path, exclude_run_id: int | None, listener: Listener | None
) -> Manifest:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".odoobridge-backup-") as tmp:
        with snapshot(engine) as conn:
            manifest = Manifest(
                created_at=utcnow().isoformat(timespec="seconds"),
                source=conn.dialect.name,
                revisions=revisions_of(conn),
                excluded_runs=[exclude_run_id] if exclude_run_id is not None else [],
            )
            if not manifest.revisions:
                raise ConfigError("the store has no schema yet: run `odoobridge db upgrade` first")
            for position, table in enumerate(store_tables(conn), 1):
                entry = table_entry(table, position)
                exclude = manifest.excluded_runs if table.name == "sync_runs" else None
                _dump(conn, entry, Path(tmp) / f"{position:04d}.gz", exclude, listener)
                manifest.tables.append(entry)
        partial = Path(tmp) / "backup.tar"
        _archive(partial, manifest, Path(tmp))
        os.replace(partial, path)
    return manifest


def _archive(target: Path, manifest: Manifest, folder: Path) -> None:
    document = json.dumps(manifest.as_dict(), indent=2, ensure_ascii=False).encode()
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(document), int(utcnow().timestamp()), 0o644
        tar.addfile(info, io.BytesIO(document))
        for position, entry in enumerate(manifest.tables, 1):
            tar.add(folder / f"{position:04d}.gz", arcname=entry.member, recursive=False)
