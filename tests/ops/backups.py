"""Helpers for the backup tests: empty target databases, a rewritten copy of a backup (to
damage or alter it), and the digests of a store as a fresh backup sees them."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from odoobridge.ops.backup import Manifest, write_backup
from odoobridge.store.engine import make_engine
from tests import pg


@contextmanager
def empty_postgres() -> Iterator[str]:
    """A new PostgreSQL database with nothing in it (no schema), dropped afterwards."""
    name = f"obt_restore_{uuid.uuid4().hex[:10]}"
    pg.create_database(name)
    try:
        yield pg.url_for(name)
    finally:
        pg.drop_database(name)


def digests(url: str, folder: Path) -> dict[str, tuple[int, str]]:
    """(rows, digest) per table of the store at ``url``, from a new backup of it."""
    engine = make_engine(url)
    try:
        manifest = write_backup(engine, folder / f"check-{uuid.uuid4().hex[:8]}.obk")
    finally:
        engine.dispose()
    return {t.name: (t.rows, t.sha256) for t in manifest.tables}


def manifest_of(manifest: Manifest) -> dict[str, tuple[int, str]]:
    return {t.name: (t.rows, t.sha256) for t in manifest.tables}


Edit = Callable[[str, bytes], bytes | None]  # (member name, its bytes) → new bytes, or None: drop


def rewrite(source: Path, target: Path, edit: Edit, extra: dict[str, bytes] | None = None) -> Path:
    """A copy of the backup with each member passed through ``edit``."""
    with tarfile.open(source) as original, tarfile.open(target, "w") as copy:
        for member in original.getmembers():
            handle = original.extractfile(member)
            assert handle is not None
            data = edit(member.name, handle.read())
            if data is None:
                continue
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            copy.addfile(info, io.BytesIO(data))
    return target


def edit_table(table: str, change: Callable[[bytes], bytes]) -> Edit:
    def edit(name: str, data: bytes) -> bytes:
        if name.endswith(f"_{table}.jsonl.gz"):
            return gzip.compress(change(gzip.decompress(data)))
        return data

    return edit


def edit_manifest(change: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            document = json.loads(data)
            change(document)
            return json.dumps(document).encode()
        return data

    return edit
