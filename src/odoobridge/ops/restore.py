"""``odoobridge restore FILE --to DATABASE_URL``: a backup back into an empty store, checked.

1. The whole file is verified first (every table's row count and digest against the manifest):
   a damaged or altered backup is refused before the target is touched.
2. The target must hold no rows and its schema, if any, must not be ahead of the backup's —
   unless ``force``, which takes the target's schema and rows down with its own migrations.
3. In ONE transaction (on SQLite the write lock is taken at its start): the schema is built
   with the project's migrations up to the backup's revisions, every row is loaded in dependency
   order, PostgreSQL's sequences are moved past the restored ids, and every table is read back
   and its count and digest compared with the manifest. Any difference raises and rolls it all
   back, schema included: a restore is complete or leaves the target as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import tarfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, MetaData, Table, func, insert, inspect, select
from sqlalchemy import text as sql_text

from odoobridge.errors import AppError, Conflict
from odoobridge.ops.backup import (
    ALEMBIC_TABLE,
    FORMAT,
    MANIFEST,
    VERSION,
    Listener,
    Manifest,
    TableEntry,
    table_lines,
)
from odoobridge.ops.backup_codec import io_table, row_decoder
from odoobridge.redact import redact_url
from odoobridge.store.engine import make_engine
from odoobridge.store.migrate import alembic_config, migrate_within

BATCH = 5_000


class BackupRefused(AppError):
    """The file is not a backup, is damaged or was altered, or cannot go where asked."""

    status = 422


class RestoreMismatch(AppError):
    """What was loaded differs from the manifest: the load was rolled back."""

    status = 500


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    target: str  # sqlite or postgresql
    rows: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "revisions": self.manifest.revisions,
            "tables": len(self.manifest.tables),
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "verified": True,
        }


def table(name: str) -> Table:
    """A table by name alone (for counts)."""
    return Table(name, MetaData())


def _damaged(path: Path, why: str) -> BackupRefused:
    return BackupRefused(f"{path} is not a usable OdooBridge backup: {why}; nothing was restored")


@dataclass
class _Archive:
    path: Path
    tar: tarfile.TarFile
    manifest: Manifest

    def members(self) -> Iterator[tuple[TableEntry, gzip.GzipFile]]:
        """Each table's entry with its decompressed lines, in the file's (dependency) order."""
        for entry in self.manifest.tables:
            member = self.tar.next()
            if member is None or member.name != entry.member:
                raise _damaged(self.path, f"the member for table {entry.name} is missing")
            handle = self.tar.extractfile(member)
            if handle is None:
                raise _damaged(self.path, f"the member for table {entry.name} is not a file")
            with gzip.GzipFile(fileobj=handle) as lines:
                yield entry, lines


@contextmanager
def _opened(path: Path) -> Iterator[_Archive]:
    """The archive at ``path`` with its manifest read and checked (closed on leaving)."""
    try:
        tar = tarfile.open(path, "r|")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        raise BackupRefused(f"{path} does not exist: give the path of a backup file") from None
    except tarfile.TarError:
        raise _damaged(path, "it is not a tar archive") from None
    with tar:
        try:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise _damaged(path, f"it does not start with {MANIFEST}")
            handle = tar.extractfile(first)
            raw = json.loads(handle.read() if handle is not None else b"")
        except (tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError, EOFError):
            raise _damaged(path, "its archive or manifest cannot be read") from None
        yield _Archive(path, tar, _manifest(path, raw))


def _manifest(path: Path, raw: Any) -> Manifest:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise _damaged(path, "its manifest is not an OdooBridge backup manifest")
    if raw.get("version") != VERSION:
        raise BackupRefused(
            f"{path} is a backup of format version {raw.get('version')}; this OdooBridge reads "
            f"version {VERSION}: restore it with the version that made it"
        )
    try:
        return Manifest.from_dict(raw)
    except (KeyError, TypeError, ValueError):
        raise _damaged(path, "its manifest lacks fields") from None


def verify_backup(path: Path) -> Manifest:
    """Read the whole file and check each table's rows and digest against the manifest."""
    with _opened(path) as archive:
        try:
            for entry, lines in archive.members():
                digest, rows = hashlib.sha256(), 0
                for line in lines:
                    digest.update(line)
                    rows += 1
                if rows != entry.rows or digest.hexdigest() != entry.sha256:
                    raise BackupRefused(
                        f"{path} was altered or damaged: table {entry.name} does not match the "
                        "digest in its manifest; nothing was restored"
                    )
            if archive.tar.next() is not None:
                raise _damaged(path, "it holds members its manifest does not list")
        except (tarfile.TarError, OSError, EOFError, zlib.error):
            raise _damaged(path, "a table's data cannot be read") from None
        return archive.manifest


# --- the target --------------------------------------------------------------------------------


def _ancestors(scripts: ScriptDirectory, revisions: list[str]) -> set[str]:
    found: set[str] = set()
    for revision in revisions:
        found.update(r.revision for r in scripts.iterate_revisions(revision, "base"))
    return found


def _known_revisions(manifest: Manifest) -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        return _ancestors(scripts, manifest.revisions)
    except (CommandError, RevisionError):
        raise BackupRefused(
            f"the backup's schema ({', '.join(manifest.revisions)}) is newer than this OdooBridge "
            "knows: restore it with the version that made it, or a newer one"
        ) from None


def _prepare(conn: Connection, manifest: Manifest, force: bool, where: str) -> None:
    """Check the target, then build the backup's schema in the load's transaction (with
    ``force``, the target's own schema and rows are taken down first by its migrations)."""
    known = _known_revisions(manifest)
    names = [n for n in inspect(conn).get_table_names() if n != ALEMBIC_TABLE]
    current = set(MigrationContext.configure(conn).get_current_heads())
    if names and not current:
        raise Conflict(
            f"{where} holds tables that are not an OdooBridge store: use another database"
        )
    filled = [n for n in names if conn.scalar(select(func.count()).select_from(table(n)))]
    if filled and not force:
        raise Conflict(
            f"{where} already holds data (table {filled[0]} and {len(filled) - 1} more): restore "
            "into an empty database, or add --force to replace everything it holds"
        )
    if current and not current <= known and not force:
        raise Conflict(
            f"{where} is at schema {', '.join(sorted(current))}, ahead of the backup's "
            f"({', '.join(manifest.revisions)}): restore into a new database, or add --force"
        )
    if force and current:
        migrate_within(conn, "base", down=True)
    migrate_within(conn, *manifest.revisions)


def _decoded(
    path: Path, name: str, lines: Iterator[bytes], decode: Callable[[bytes], dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    for line in lines:
        try:
            yield decode(line)
        except (ValueError, TypeError, IndexError, KeyError):
            raise _damaged(path, f"a row of {name} does not fit its columns") from None


def _load(conn: Connection, path: Path, manifest: Manifest, listener: Listener | None) -> int:
    dialect = conn.dialect.name
    total = 0
    with _opened(path) as archive:
        for entry, lines in archive.members():
            statement = insert(io_table(entry.name, entry.columns, dialect))
            decode = row_decoder(entry.columns, dialect)
            batch: list[dict[str, Any]] = []
            for line in lines:
                try:
                    batch.append(decode(line))
                except (ValueError, TypeError, IndexError, KeyError):
                    raise _damaged(
                        path, f"a row of {entry.name} does not fit its columns"
                    ) from None
                if len(batch) >= BATCH:
                    conn.execute(statement, batch)
                    total += len(batch)
                    batch = []
                    if listener is not None:
                        listener(entry.name, total)
            if batch:
                conn.execute(statement, batch)
                total += len(batch)
            if listener is not None:
                listener(entry.name, total)
    return total


def _reset_sequences(conn: Connection, manifest: Manifest) -> None:
    """Move each PostgreSQL sequence behind an integer key past the highest restored id."""
    if conn.dialect.name != "postgresql":
        return  # SQLite continues after the highest rowid by itself
    for entry in manifest.tables:
        keys = [c for c in entry.columns if c.name in entry.primary_key]
        if len(keys) != 1 or keys[0].kind != "int":
            continue
        sequence = conn.scalar(
            sql_text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{entry.name}"', "column": keys[0].name},
        )
        if sequence is None:
            continue
        conn.execute(
            sql_text(
                f'SELECT setval(:sequence, COALESCE(MAX("{keys[0].name}"), 1), '
                f'MAX("{keys[0].name}") IS NOT NULL) FROM "{entry.name}"'
            ),
            {"sequence": sequence},
        )


def _check(conn: Connection, manifest: Manifest) -> None:
    """Read every table back: count and digest must equal the manifest's."""
    for entry in manifest.tables:
        digest, rows = hashlib.sha256(), 0
        for line in table_lines(conn, entry):
            digest.update(line)
            rows += 1
        if rows != entry.rows or digest.hexdigest() != entry.sha256:
            raise RestoreMismatch(
                f"after loading, table {entry.name} holds {rows} rows that differ from the "
                f"backup's {entry.rows} (digest mismatch): the restore was rolled back"
            )


def restore_backup(
    path: Path, url: str, *, force: bool = False, listener: Listener | None = None
) -> RestoreReport:
    """Restore the backup at ``path`` into the store at ``url`` (see the module docstring)."""
    started = time.monotonic()
    manifest = verify_backup(path)
    _known_revisions(manifest)  # before the target is touched
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():  # schema and rows: all or nothing
                if conn.dialect.name == "postgresql":  # naive UTC values into timestamptz: UTC
                    conn.exec_driver_sql("SET LOCAL TIME ZONE 'UTC'")
                _prepare(conn, manifest, force, redact_url(url))
                rows = _load(conn, path, manifest, listener)
                _reset_sequences(conn, manifest)
                _check(conn, manifest)
    finally:
        engine.dispose()
    return RestoreReport(manifest, engine.dialect.name, rows, time.monotonic() - started)
