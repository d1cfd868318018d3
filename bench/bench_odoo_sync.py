"""Benchmark: the odoo_postgres sync on the generated scale database.

In one run: a copy of the real Odoo 18.0 fixture is inflated (20,000 users, 1,000 groups,
400,000+ memberships, 20,000+ ACL rows); then, three times each, the floor — ``COPY (…) TO STDOUT``
of exactly the rows the sync reads, through the same read-only session — and a first sync and a
no-change sync into SQLite and into PostgreSQL, each in a fresh process that reports its wall time
and peak RSS. Medians are printed as a Markdown table for docs/performance.md.

    .venv/bin/python bench/bench_odoo_sync.py          (or ./run bench)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402

from odoobridge.demo.scale import ScaleSizes, inflate  # noqa: E402
from odoobridge.sources.odoo_db import OdooDbReader, OdooDbTarget  # noqa: E402

REPEATS = 3

_SYNC = """
import json, resource, sys, time
from odoobridge.access.sync import sync_odoo
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
settings = Settings(_env_file=None, DATABASE_URL=sys.argv[1], ODOO_PREPROD_DSN=sys.argv[2])
store = Store(settings.store_url)
started = time.perf_counter()
run = sync_odoo(store, settings, Environment.PREPROD)
seconds = time.perf_counter() - started
rows = sum(v["count"] for v in run.stats.values() if isinstance(v, dict) and "count" in v)
written = sum(
    v["added"] + v["changed"] for v in run.stats.values() if isinstance(v, dict) and "added" in v
)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rows": rows, "written": written, "rss_mb": rss}))
"""


def sync_once(store_url: str, dsn: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _SYNC, store_url, dsn], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def copy_floor(dsn: str) -> tuple[float, int]:
    """Seconds to COPY every entity query's rows to the client, and how many rows."""
    with OdooDbReader(OdooDbTarget(dsn=dsn)) as reader:
        started = time.perf_counter()
        rows = 0
        for query in reader._queries.values():
            sql = query.replace("%(lang)s", "'en_US'")
            with reader.driver.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT") as copy:
                for data in copy:
                    rows += bytes(data).count(b"\n")
        return time.perf_counter() - started, rows


def fresh_pg_store() -> str:
    name = f"obbench_store_{uuid.uuid4().hex[:8]}"
    pg.create_database(name)
    return name


def main() -> None:
    database = pg.copy_fixture(18)
    created: list[str] = [database.name]
    try:
        counts = inflate(database.admin_dsn, ScaleSizes())
        dsn = database.reader_dsn
        floors: list[float] = []
        results: dict[str, list[dict[str, float]]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(REPEATS):
                floor, rows = copy_floor(dsn)
                floors.append(floor)
                sqlite_url = f"sqlite:///{tmp}/bench{i}.sqlite"
                pg_name = fresh_pg_store()
                created.append(pg_name)
                for engine, url in (("SQLite", sqlite_url), ("PostgreSQL", pg.url_for(pg_name))):
                    results.setdefault(f"first sync → {engine}", []).append(sync_once(url, dsn))
                    results.setdefault(f"no-change sync → {engine}", []).append(sync_once(url, dsn))
        floor = statistics.median(floors)
        print(f"source: {json.dumps(counts)}; rows read per sync: {rows}")
        print()
        print("| measurement | wall time (s) | rows/s | × floor | peak RSS (MB) | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        print(
            f"| floor: COPY … TO STDOUT of the same rows | {floor:.2f} | {rows / floor:,.0f} | 1.00 | – | – |"
        )
        for label, samples in results.items():
            seconds = statistics.median(s["seconds"] for s in samples)
            rss = max(s["rss_mb"] for s in samples)
            target = "≤ 3× floor" if label.startswith("first") else "≤ 1.5× floor"
            limit = 3.0 if label.startswith("first") else 1.5
            verdict = "met" if seconds / floor <= limit and rss < 400 else "missed"
            print(
                f"| {label} | {seconds:.2f} | {samples[0]['rows'] / seconds:,.0f} | "
                f"{seconds / floor:.2f} | {rss:.0f} | {target}, RSS < 400 MB: {verdict} |"
            )
        print()
        print(
            f"medians of {REPEATS} runs; no-change syncs wrote {results['no-change sync → SQLite'][0]['written']:.0f} fact rows"
        )
    finally:
        for name in created:
            pg.drop_database(name)


if __name__ == "__main__":
    main()
