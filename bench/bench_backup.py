"""Benchmark: backup and restore of the 20,000-user scale store (two runs).

A copy of the real Odoo 18.0 fixture is inflated (20,000 users, 1,000 groups, 400,000+
memberships, 20,000+ ACL rows), synced into a SQLite store, edited (memberships granted and
revoked, groups renamed, ACL rows changed) and synced again, so the store holds two runs. Then,
each in a fresh process reporting its wall time and peak RSS: a backup of the SQLite store; its
restore into an empty PostgreSQL and into an empty SQLite (each verified table by table); a
backup of the PostgreSQL store. Targets: each under 60 s, RSS under 400 MB.

    .venv/bin/python bench/bench_backup.py          (or ./run bench)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402

from odoobridge.access.sync import sync_odoo  # noqa: E402
from odoobridge.demo.scale import inflate  # noqa: E402
from odoobridge.environment import Environment  # noqa: E402
from odoobridge.settings import Settings  # noqa: E402
from odoobridge.store.engine import Store  # noqa: E402

_STEP = """
import json, sys, time
from pathlib import Path
from odoobridge.store.engine import make_engine
from odoobridge.ops.backup import write_backup
from odoobridge.ops.restore import restore_backup
what, url, path = sys.argv[1], sys.argv[2], Path(sys.argv[3])
started = time.perf_counter()
if what == "backup":
    engine = make_engine(url)
    manifest = write_backup(engine, path)
    rows = manifest.total_rows
else:
    rows = restore_backup(path, url).rows
seconds = time.perf_counter() - started
# VmHWM: this process's peak since its exec (ru_maxrss would count the forking parent's)
peak = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:"))
rss = int(peak.split()[1]) / 1024
print(json.dumps({"seconds": seconds, "rows": rows, "rss_mb": rss}))
"""


def step(what: str, url: str, path: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _STEP, what, url, str(path)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)  # type: ignore[no-any-return]


def two_runs(database: pg.OdooDatabase, url: str) -> None:
    settings = Settings(_env_file=None, DATABASE_URL=url, ODOO_PREPROD_DSN=database.reader_dsn)
    store = Store(url)
    sync_odoo(store, settings, Environment.PREPROD)
    database.execute(
        "DELETE FROM res_groups_users_rel WHERE uid IN (SELECT id FROM res_users "
        "WHERE login LIKE 'scale.user%' AND id % 50 = 0) AND gid > 100"
    )
    database.execute(
        "INSERT INTO res_groups_users_rel (gid, uid) SELECT 23, id FROM res_users "
        "WHERE login LIKE 'scale.user%' AND id % 97 = 0 ON CONFLICT DO NOTHING"
    )
    database.execute("""UPDATE res_groups SET name = '{"en_US": "Renamed"}' WHERE id % 100 = 0""")
    database.execute("UPDATE ir_model_access SET perm_unlink = NOT perm_unlink WHERE id % 40 = 0")
    sync_odoo(store, settings, Environment.PREPROD)
    store.dispose()


def main() -> None:
    database = pg.copy_fixture(18)
    targets: list[str] = []
    try:
        counts = inflate(database.admin_dsn)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            source = f"sqlite:///{folder / 'scale.sqlite'}"
            two_runs(database, source)
            for _ in range(2):
                targets.append(f"obbench_restore_{uuid.uuid4().hex[:8]}")
                pg.create_database(targets[-1])
            pg_url, pg_again = (pg.url_for(name) for name in targets)
            results = {
                "backup of the SQLite store": step("backup", source, folder / "a.obk"),
                "restore into an empty PostgreSQL": step("restore", pg_url, folder / "a.obk"),
                "restore into an empty SQLite": step(
                    "restore", f"sqlite:///{folder / 'restored.sqlite'}", folder / "a.obk"
                ),
                "backup of the PostgreSQL store": step("backup", pg_url, folder / "b.obk"),
                "restore of that into PostgreSQL": step("restore", pg_again, folder / "b.obk"),
            }
            size = (folder / "a.obk").stat().st_size / 1_048_576
            store_size = (folder / "scale.sqlite").stat().st_size / 1_048_576
        print(
            f"source: {json.dumps(counts)}; SQLite store {store_size:.0f} MB; backup file {size:.1f} MB"
        )
        print()
        print("| step | rows | wall time (s) | rows/s | peak RSS (MB) | target |")
        print("| --- | --- | --- | --- | --- | --- |")
        for label, r in results.items():
            verdict = "met" if r["seconds"] < 60 and r["rss_mb"] < 400 else "missed"
            print(
                f"| {label} | {r['rows']:,.0f} | {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} "
                f"| {r['rss_mb']:.0f} | < 60 s, RSS < 400 MB: {verdict} |"
            )
    finally:
        pg.drop_database(database.name)
        for name in targets:
            pg.drop_database(name)


if __name__ == "__main__":
    main()
