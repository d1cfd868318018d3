"""A security source read from a JSON file instead of PostgreSQL (``ALLOW_SYNC_MOCKS=1`` and
``ODOO_SYNC_MOCK_FILE``). The bundled demo data is such a file.

The file is one JSON object; each key is an entity of
:data:`odoobridge.sources.odoo_records.ENTITIES` holding a list of objects with that record's
fields (see docs/mock-files.md), plus an optional ``odoo_version`` string::

    {"odoo_version": "18.0",
     "groups": [{"odoo_id": 1, "name": "Internal User", "category_id": 69}],
     "users": [{"odoo_id": 2, "login": "admin", "name": "Mitchell Admin"}],
     "memberships": [{"user_id": 2, "group_id": 1}], …}

Timestamps are ISO 8601; without an offset they are taken as UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from odoobridge.errors import ConfigError
from odoobridge.sources.odoo_db import SourceInfo, parse_major
from odoobridge.sources.odoo_records import ENTITIES


def _mock_model() -> type[BaseModel]:
    # groups and users must be present; every other entity defaults to an empty list.
    fields: dict[str, Any] = {"odoo_version": (str | None, None)}
    for spec in ENTITIES:
        record_list = list[spec.record]  # type: ignore[name-defined]
        fields[spec.name] = (record_list, ... if spec.name in ("groups", "users") else [])
    return create_model(
        "OdooMockFile", __config__=ConfigDict(extra="forbid", strict=False), **fields
    )


MockFile = _mock_model()


def _utc(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _describe(error: dict[str, Any]) -> str:
    path = ""
    for part in error["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return f"{path}: {error['msg']}"


def load_mock(path: Path) -> tuple[str | None, dict[str, list[tuple[Any, ...]]]]:
    """Read and validate the file; see :func:`load_document`."""
    where = f"ODOO_SYNC_MOCK_FILE {path}"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    return load_document(raw, where)


def load_document(raw: Any, where: str) -> tuple[str | None, dict[str, list[tuple[Any, ...]]]]:
    """Validate a mock document and return its Odoo version and rows per entity."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must hold a JSON object with one list per entity")
    try:
        parsed = MockFile.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{where} is malformed: {_describe(dict(errors[0]))}{more}") from None
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for spec in ENTITIES:
        rows[spec.name] = [tuple(_utc(v) for v in record) for record in getattr(parsed, spec.name)]
        _check_unique_keys(where, spec.name, spec.key, spec.fields, rows[spec.name])
    version = parsed.odoo_version  # type: ignore[attr-defined]
    return version, rows


def _check_unique_keys(
    where: str,
    entity: str,
    key: tuple[str, ...],
    fields: tuple[str, ...],
    rows: list[tuple[Any, ...]],
) -> None:
    positions = [fields.index(k) for k in key]
    seen: set[tuple[Any, ...]] = set()
    for index, row in enumerate(rows):
        k = tuple(row[p] for p in positions)
        if k in seen:
            raise ConfigError(
                f"{where} is malformed: {entity}[{index}]: duplicate {'/'.join(key)} {k}"
            )
        seen.add(k)


class OdooMockReader:
    """The same interface as :class:`odoobridge.sources.odoo_db.OdooDbReader`, from a file (or
    from a document already in memory, as the demo's production variant is)."""

    def __init__(
        self,
        path: Path | None = None,
        batch_size: int = 10_000,
        *,
        document: dict[str, Any] | None = None,
    ) -> None:
        if (path is None) == (document is None):
            raise ValueError("give a path or a document")
        self.path = path
        self.document = document
        self.batch_size = batch_size
        self.info: SourceInfo | None = None
        self._rows: dict[str, list[tuple[Any, ...]]] = {}

    def __enter__(self) -> OdooMockReader:
        if self.path is not None:
            version, self._rows = load_mock(self.path)
        else:
            version, self._rows = load_document(self.document, "the demo document")
        self.info = SourceInfo(
            source="mock",
            database=str(self.path or "demo document"),
            odoo_version=version,
            major=parse_major(version),
            adapter="mock file",
            entities=list(self._rows),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._rows = {}

    def batches(self, entity: str) -> Iterator[list[tuple[Any, ...]]]:
        rows = self._rows[entity]
        for start in range(0, len(rows), self.batch_size):
            yield rows[start : start + self.batch_size]
