"""The analytics views as shipped: ``bi/sql/views/*.sql`` and ``bi/sql/functions.sql``.

Each file starts with a header of ``-- key: value`` lines, then the SQL::

    -- name: vw_sales_kpi_day
    -- version: 1
    -- modules: sale
    -- requires: sale_order(id, company_id, state), res_partner(id, name)
    -- key: company_id, day
    -- doc: What the view holds (becomes COMMENT ON VIEW).
    -- column day: What the column holds (becomes COMMENT ON COLUMN).
    SELECT …

``modules`` are the Odoo modules the view needs (checked in ``ir_module_module``), ``requires``
the tables and columns it reads (checked in the catalog), ``key`` the columns that identify a
row (the unique index of the materialized version). ``{schema}`` stands for the analytics schema.
The checksum covers everything, so any change to a file upgrades the installed object in place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

SCHEMA = "analytics"
_REQUIRE = re.compile(r"\s*(\w+)\s*\(([^)]*)\)\s*,?")


@dataclass(frozen=True)
class ViewSpec:
    name: str
    version: int
    modules: tuple[str, ...]
    requires: dict[str, tuple[str, ...]]
    key: tuple[str, ...]
    doc: str
    columns: dict[str, str]
    select: str
    checksum: str = field(compare=False)

    @property
    def materialized_name(self) -> str:
        """``vw_sales_kpi_day`` → ``mv_sales_kpi_day``."""
        return "mv_" + self.name.removeprefix("vw_")

    def render(self, schema: str = SCHEMA) -> str:
        return self.select.replace("{schema}", schema)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    version: int
    doc: str
    sql: str
    checksum: str

    def render(self, schema: str = SCHEMA) -> str:
        return self.sql.replace("{schema}", schema)


def _split(text: str) -> tuple[dict[str, str], dict[str, str], str]:
    header: dict[str, str] = {}
    columns: dict[str, str] = {}
    body: list[str] = []
    for line in text.splitlines():
        if not body and line.startswith("-- ") and ":" in line:
            key, _, value = line[3:].partition(":")
            if key.startswith("column "):
                columns[key.removeprefix("column ").strip()] = value.strip()
            else:
                header[key.strip()] = value.strip()
        elif line.strip() or body:
            body.append(line)
    return header, columns, "\n".join(body).strip().rstrip(";")


def _requires(text: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for match in _REQUIRE.finditer(text):
        found[match.group(1)] = tuple(c.strip() for c in match.group(2).split(",") if c.strip())
    return found


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def parse_view(text: str) -> ViewSpec:
    header, columns, body = _split(text)
    return ViewSpec(
        name=header["name"],
        version=int(header["version"]),
        modules=_csv(header.get("modules", "")),
        requires=_requires(header.get("requires", "")),
        key=_csv(header["key"]),
        doc=header.get("doc", ""),
        columns=columns,
        select=body,
        checksum=hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def _sql_files(folder: str) -> list[str]:
    root = resources.files("odoobridge.bi") / "sql"
    if folder:
        root = root / folder
    names = sorted(p.name for p in root.iterdir() if p.name.endswith(".sql"))
    return [(root / name).read_text(encoding="utf-8") for name in names]


@lru_cache(maxsize=1)
def view_specs() -> tuple[ViewSpec, ...]:
    """Every shipped view, in a stable order (the order of :data:`VIEW_ORDER`, then by name)."""
    specs = {spec.name: spec for spec in map(parse_view, _sql_files("views"))}
    ordered = [specs.pop(name) for name in VIEW_ORDER if name in specs]
    return (*ordered, *(specs[name] for name in sorted(specs)))


@lru_cache(maxsize=1)
def function_spec() -> FunctionSpec:
    (text,) = _sql_files("")
    header, _, body = _split(text)
    return FunctionSpec(
        name=header["name"],
        version=int(header["version"]),
        doc=header.get("doc", ""),
        sql=body + ";",
        checksum=hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def spec_by_name(name: str) -> ViewSpec | None:
    wanted = name if name.startswith("vw_") else "vw_" + name.removeprefix("mv_")
    return next((spec for spec in view_specs() if spec.name == wanted), None)


VIEW_ORDER = (
    "vw_sales_kpi_day",
    "vw_product_performance",
    "vw_customer_ltv",
    "vw_ar_aging",
    "vw_monthly_revenue",
    "vw_stock_level",
    "vw_inventory_turnover",
    "vw_employee_headcount",
)
