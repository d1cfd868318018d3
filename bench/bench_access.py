"""Benchmark: the access analysis on the generated scale history.

A copy of the real Odoo 18.0 fixture is inflated (20,000 users, 1,000 groups, 400,000+ memberships,
20,000+ ACL rows), synced into a SQLite store, edited (memberships granted and revoked, a group
renamed, ACL rows changed) and synced again, so the store holds two runs. Then, three times each:
loading a run into memory; effective rights of every user (closure, effective groups, the rights
each user holds); all findings; the diff of the two runs; and 100 "who can X on M" questions over
random models and operations (p50/p95). Targets: each under 2 s, who-can p95 under 50 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402

from odoobridge.access.analysis.answers import who_can  # noqa: E402
from odoobridge.access.analysis.effective import PERMS, build_index, rights_of  # noqa: E402
from odoobridge.access.analysis.history import diff_runs  # noqa: E402
from odoobridge.access.analysis.snapshot import load_snapshot  # noqa: E402
from odoobridge.access.findings.base import Context, FindingsConfig  # noqa: E402
from odoobridge.access.findings.engine import compute_findings  # noqa: E402
from odoobridge.access.sync import sync_odoo  # noqa: E402
from odoobridge.demo.scale import inflate  # noqa: E402
from odoobridge.environment import Environment  # noqa: E402
from odoobridge.settings import Settings  # noqa: E402
from odoobridge.store.engine import Store  # noqa: E402

REPEATS = 3
ENV = Environment.PREPROD


def timed(fn, repeats=REPEATS):  # type: ignore[no-untyped-def]
    samples, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


def main() -> None:
    database = pg.copy_fixture(18)
    try:
        counts = inflate(database.admin_dsn)
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite"
            settings = Settings(
                _env_file=None, DATABASE_URL=url, ODOO_PREPROD_DSN=database.reader_dsn
            )
            store = Store(url)
            first = sync_odoo(store, settings, ENV).id
            database.execute(
                "DELETE FROM res_groups_users_rel WHERE uid IN (SELECT id FROM res_users "
                "WHERE login LIKE 'scale.user%' AND id % 50 = 0) AND gid > 100"
            )
            database.execute(
                "INSERT INTO res_groups_users_rel (gid, uid) SELECT 23, id FROM res_users "
                "WHERE login LIKE 'scale.user%' AND id % 97 = 0 ON CONFLICT DO NOTHING"
            )
            database.execute(
                """UPDATE res_groups SET name = '{"en_US": "Renamed"}' WHERE id % 100 = 0"""
            )
            database.execute(
                "UPDATE ir_model_access SET perm_unlink = NOT perm_unlink WHERE id % 40 = 0"
            )
            second = sync_odoo(store, settings, ENV).id

            with store.session() as session:
                load_s, snap = timed(lambda: load_snapshot(session, ENV, second))

                def all_rights() -> int:
                    # The full users × (model, operation) matrix, one bitset per right.
                    index = build_index(snap)
                    return sum(bits.bit_count() for bits in index.right_bits.values())

                rights_s, granted = timed(all_rights)
                index = build_index(snap)
                config = FindingsConfig.from_settings(settings)
                findings_s, found = timed(lambda: compute_findings(index, config, Context()))
                diff_s, diff = timed(lambda: diff_runs(session, ENV, first, second))

            models = sorted(index.acls_by_model)
            rng = random.Random(7)
            questions = [(rng.choice(models), rng.choice(PERMS)) for _ in range(100)]
            # The first page of holders with their grant paths (what the API and pages ask
            # for), and the whole list; and one user's rights from the per-user index.
            first_user_rights = len(rights_of(index, index.order[0]))
            samples, full, holders = [], [], []
            for model, perm in questions:
                started = time.perf_counter()
                answer = who_can(index, model, perm, limit=50)
                samples.append((time.perf_counter() - started) * 1000)
                holders.append(answer.total)
                started = time.perf_counter()
                who_can(index, model, perm)
                full.append((time.perf_counter() - started) * 1000)
            samples.sort()
            full.sort()
            p50, p95 = samples[49], samples[94]

        changes = sum(sum(c.values()) for c in diff.counts().values())
        print(
            f"source: {counts}; {len(snap.users)} users, {len(snap.acls)} ACL rows, "
            f"{granted:,} (user, model, operation) grants; the first user holds "
            f"{first_user_rights} rights"
        )
        print()
        print("| measurement | time | target |")
        print("| --- | --- | --- |")
        print(f"| load a run into memory (once per run, then cached) | {load_s:.2f} s | – |")
        print(
            f"| effective rights of every user | {rights_s:.2f} s | < 2 s: {'met' if rights_s < 2 else 'missed'} |"
        )
        print(
            f"| all findings ({len(found):,}) | {findings_s:.2f} s | < 2 s: {'met' if findings_s < 2 else 'missed'} |"
        )
        print(
            f"| diff of two runs ({changes:,} changes) | {diff_s:.2f} s | < 2 s: {'met' if diff_s < 2 else 'missed'} |"
        )
        print(
            f"| who can X on M: total + first 50 holders with paths, 100 queries | "
            f"p50 {p50:.1f} ms, p95 {p95:.1f} ms | p95 < 50 ms: {'met' if p95 < 50 else 'missed'} |"
        )
        print(
            f"| who can X on M: every holder with paths (median {statistics.median(holders):,.0f} "
            f"holders) | p50 {full[49]:.0f} ms, p95 {full[94]:.0f} ms | – |"
        )
        print()
        print(f"medians of {REPEATS} runs")
    finally:
        pg.drop_database(database.name)


if __name__ == "__main__":
    main()
