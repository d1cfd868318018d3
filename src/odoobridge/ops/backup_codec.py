"""How a backup writes a value and reads it back exactly, on SQLite and PostgreSQL alike.

Each column gets a *kind* from its type; a row is one JSON array (one line), each cell encoded
by its column's kind:

    int, float, bool, str   as JSON                  bytes      base64
    decimal                 its exact digits, "12.30" date, time ISO 8601
    datetime                ISO 8601 in UTC, without offset ("2026-12-02T10:00:00.250000"): a
                            timestamp with time zone is written as its UTC instant (PostgreSQL
                            keeps no more; SQLite stores UTC), sessions run in UTC both ways
    json                    null for SQL NULL, else [value] (so SQL NULL and JSON null differ)

Any other column type stops the backup with a message naming the column.

Reading and writing go through column types chosen here for the kind and the engine (not the
application's models), so a backup needs nothing but the tables themselves. A table's digest is
the SHA-256 of its lines in primary-key order (strings ordered bytewise, ``COLLATE "C"`` on
PostgreSQL as on SQLite), so the same rows give the same digest on either engine.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
)
from sqlalchemy.types import TypeDecorator, TypeEngine, _Binary

from odoobridge.errors import ConfigError


@dataclass(frozen=True)
class ColumnSpec:
    """A column as a backup records it; ``scale`` for decimals declared with one."""

    name: str
    kind: str
    scale: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "scale": self.scale}


def column_kind(type_: TypeEngine[Any], where: str) -> str:
    """The kind of a column type (an unknown type stops the backup, naming the column)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    checks: list[tuple[type[Any], str]] = [
        (Boolean, "bool"),
        (JSON, "json"),
        (Integer, "int"),
        (Float, "float"),
        (Numeric, "decimal"),
        (DateTime, "datetime"),
        (Date, "date"),
        (Time, "time"),
        (_Binary, "bytes"),
        (String, "str"),
    ]
    for cls, kind in checks:
        if isinstance(type_, cls):
            return kind
    raise ConfigError(f"{where} has the type {type_!r}, which a backup cannot carry yet")


def io_type(kind: str, dialect: str) -> TypeEngine[Any]:
    """The SQLAlchemy type values of ``kind`` are read and written with on ``dialect``."""
    if kind == "decimal" and dialect == "sqlite":
        return Float()  # SQLite keeps numbers as REAL; the exact digits come from the backup
    types: dict[str, TypeEngine[Any]] = {
        "int": BigInteger(),
        "float": Float(),
        "bool": Boolean(),
        "str": Text(),
        "decimal": Numeric(asdecimal=True),
        "date": Date(),
        "time": Time(),
        "datetime": DateTime(timezone=False),
        "bytes": LargeBinary(),
        "json": JSON(none_as_null=True),
    }
    return types[kind]


def io_table(name: str, columns: list[ColumnSpec], dialect: str) -> Table:
    """A bare table (no constraints) over ``columns``, typed for reading and writing."""
    return Table(name, MetaData(), *(Column(c.name, io_type(c.kind, dialect)) for c in columns))


def _naive(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


def _decimal(scale: int | None) -> Callable[[Any], str]:
    """Digits of a decimal: at the column's scale (SQLite's REAL drops trailing zeros that
    PostgreSQL keeps), or without trailing zeros when the column declares none."""
    exponent = Decimal(1).scaleb(-scale) if scale is not None else None

    def encode(value: Any) -> str:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if exponent is not None:
            return str(number.quantize(exponent))
        return format(number.normalize(), "f")

    return encode


_ENCODE: dict[str, Callable[[Any], Any]] = {
    "date": lambda v: v.isoformat(),
    "time": lambda v: v.isoformat(),
    "datetime": lambda v: _naive(v).isoformat(),
    "bytes": lambda v: base64.b64encode(bytes(v)).decode(),
}
_DECODE: dict[str, Callable[[Any], Any]] = {
    "decimal": Decimal,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "datetime": datetime.fromisoformat,
    "bytes": base64.b64decode,
}


def row_encoder(columns: list[ColumnSpec]) -> Callable[[tuple[Any, ...], tuple[bool, ...]], bytes]:
    """``encode(values, sql_nulls)`` → one line; ``sql_nulls[n]`` tells, for the n-th json
    column, whether the cell is SQL NULL (read apart: drivers show JSON null the same way)."""
    steps = [
        (i, _decimal(c.scale) if c.kind == "decimal" else _ENCODE[c.kind])
        for i, c in enumerate(columns)
        if c.kind in _ENCODE or c.kind == "decimal"
    ]
    json_columns = [i for i, c in enumerate(columns) if c.kind == "json"]

    def encode(values: tuple[Any, ...], sql_nulls: tuple[bool, ...]) -> bytes:
        cells = list(values)
        for i, fn in steps:
            if cells[i] is not None:
                cells[i] = fn(cells[i])
        for n, i in enumerate(json_columns):
            cells[i] = None if sql_nulls[n] else [cells[i]]
        line = json.dumps(cells, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return line.encode() + b"\n"

    return encode


def row_decoder(columns: list[ColumnSpec], dialect: str) -> Callable[[bytes], dict[str, Any]]:
    """``decode(line)`` → the row as parameters for an insert into :func:`io_table`."""
    kinds = [c.kind for c in columns]
    names = [c.name for c in columns]
    steps = [(i, _DECODE[k]) for i, k in enumerate(kinds) if k in _DECODE]
    if dialect == "sqlite":  # exact digits as text: SQLite's NUMERIC affinity stores them
        steps = [(i, str if kinds[i] == "decimal" else fn) for i, fn in steps]
    json_columns = [i for i, k in enumerate(kinds) if k == "json"]

    def decode(line: bytes) -> dict[str, Any]:
        cells = json.loads(line)
        if len(cells) != len(names):
            raise ValueError(f"a row has {len(cells)} values for {len(names)} columns")
        for i, fn in steps:
            if cells[i] is not None:
                cells[i] = fn(cells[i])
        for i in json_columns:
            cells[i] = (
                None if cells[i] is None else (JSON.NULL if cells[i][0] is None else cells[i][0])
            )
        return dict(zip(names, cells, strict=True))

    return decode
