"""Benchmark: the web application on the generated scale store.

In one run: a copy of the real Odoo 18.0 fixture is inflated (20,000 users, 1,000 groups, 400,000+
memberships) and synced into a PostgreSQL store; ``odoobridge serve --workers 2`` serves it on
127.0.0.1; wrk (Debian's) drives 50 concurrent connections for 15 s at each of: the floor
(``/healthz``: the same server with no store and no authentication), ``GET /api/stats``, the users
list page (20,000 users, server-side filtered, sorted and paged) and a user detail page (levels,
effective groups, rights per model, rules, timeline). Every request carries an API key, as a
script would. Each target is first warmed up for 5 s under the same load (not counted), so
every worker has built its views of the run before the 15 s that are measured. Prints a Markdown
table for docs/performance.md.

    .venv/bin/python bench/bench_web.py                  (or ./run bench)
    .venv/bin/python bench/bench_web.py --only users user    the two pages only
    BENCH_KEEP=1 …   keep the scale databases; BENCH_WEB_DATABASES=<odoo>,<store> reuses them
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402

from odoobridge.access.sync import sync_odoo  # noqa: E402
from odoobridge.auth.apikeys import create_api_key  # noqa: E402
from odoobridge.auth.audit import Origin  # noqa: E402
from odoobridge.auth.roles import Role  # noqa: E402
from odoobridge.demo.scale import ScaleSizes, inflate  # noqa: E402
from odoobridge.environment import Environment  # noqa: E402
from odoobridge.settings import Settings  # noqa: E402
from odoobridge.store.engine import Store  # noqa: E402

CONNECTIONS = 50
SECONDS = 15
WARM_UP_SECONDS = 5
TARGET_STATS_RPS = 500
TARGET_P99_MS = 150


def wrk(url: str, key: str, seconds: int = SECONDS) -> dict[str, float]:
    """requests/s and latency percentiles (ms) of ``url`` at 50 connections."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-H",
            f"X-API-Key: {key}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if re.search(r"Non-2xx or 3xx responses|Socket errors", out):
        raise RuntimeError(f"{url} answered errors or timed out under load:\n{out}")

    def ms(label: str) -> float:
        found = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert found, out
        value, unit = float(found.group(1)), found.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    return {"rps": float(rps.group(1)), "p50": ms("50"), "p99": ms("99")}


TARGETS = ("floor", "stats", "users", "user")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=TARGETS,
        default=list(TARGETS),
        help="measure only these: floor (/healthz), stats (/api/stats), users (the users list "
        "page), user (a user detail page); default: all four",
    )
    return parser.parse_args()


def main() -> None:
    chosen = set(parse_args().only)
    if shutil.which("wrk") is None:
        sys.exit("the web benchmark needs wrk: apt-get install wrk")
    keep = os.environ.get("BENCH_KEEP") == "1"  # keep the scale databases to run again
    reuse = os.environ.get("BENCH_WEB_DATABASES")  # "<odoo copy>,<store>" printed by BENCH_KEEP
    if reuse:
        odoo_name, store_name = reuse.split(",")
        database = pg.OdooDatabase(odoo_name, 18)
    else:
        database = pg.copy_fixture(18)
        store_name = f"obbench_web_{uuid.uuid4().hex[:8]}"
        pg.create_database(store_name)
    server: subprocess.Popen[bytes] | None = None
    try:
        counts = {} if reuse else inflate(database.admin_dsn, ScaleSizes())
        store_url = pg.url_for(store_name)
        settings = Settings(
            _env_file=None, DATABASE_URL=store_url, ODOO_PREPROD_DSN=database.reader_dsn
        )
        store = Store(store_url)
        run = sync_odoo(store, settings, Environment.PREPROD, triggered_by="bench")
        with store.session() as session:
            _key, key = create_api_key(
                session,
                name="bench",
                role=Role.AUDITOR,
                by="bench",
                origin=Origin(),
                by_role=Role.SUPER_ADMIN,
            )
        store.dispose()
        user_id = int(
            database.execute(
                "SELECT id FROM res_users WHERE login LIKE 'scale.user%%' ORDER BY id LIMIT 1 OFFSET 777"
            )[0][0]
        )
        port = pg.free_port()
        env = {
            **os.environ,
            "DATABASE_URL": store_url,
            "ODOOBRIDGE_SECRET_KEY": "b" * 48,
            "ODOOBRIDGE_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "odoobridge", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/readyz", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)
        every = {
            "floor": ("floor: GET /healthz (no store, no auth)", "/healthz"),
            "stats": ("GET /api/stats", "/api/stats"),
            "users": ("users list page (/users?active=all, 50 of 20,007)", "/users?active=all"),
            "user": (f"user detail page (/users/{user_id})", f"/users/{user_id}"),
        }
        targets = dict(every[name] for name in TARGETS if name in chosen)
        warm_up = {}
        for path in targets.values():
            started = time.perf_counter()
            answer = httpx.get(base + path, headers={"X-API-Key": key}, timeout=120)
            answer.raise_for_status()
            warm_up[path] = time.perf_counter() - started
            # Every worker builds its in-memory views of the run on its first request; sequential
            # requests may all reach one worker, so warm up under the same concurrent load (not
            # counted) before measuring.
            wrk(base + path, key, seconds=WARM_UP_SECONDS)
        results = {label: wrk(base + path, key) for label, path in targets.items()}
        print(
            f"source: {counts}; run {run.id}: "
            f"{run.stats['users']['count']} users, {run.stats['memberships']['count']} "
            f"memberships; first request (builds the run's views): "
            + ", ".join(f"{p} {s:.2f} s" for p, s in warm_up.items())
        )
        print()
        print("| request | requests/s | p50 (ms) | p99 (ms) | target |")
        print("| --- | --- | --- | --- | --- |")
        for label, r in results.items():
            if label.startswith("floor"):
                target = "–"
            elif label == "GET /api/stats":
                ok = r["rps"] >= TARGET_STATS_RPS  # the target for the API: throughput
                target = f"≥ {TARGET_STATS_RPS} req/s: {'met' if ok else 'missed'}"
            else:
                ok = r["p99"] < TARGET_P99_MS
                target = f"p99 < {TARGET_P99_MS} ms: {'met' if ok else 'missed'}"
            print(f"| {label} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {target} |")
        print()
        print(
            f"wrk -t2 -c{CONNECTIONS} -d{SECONDS}s on loopback, every request with X-API-Key; "
            "odoobridge serve --workers 2"
        )
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        if keep:
            print(f"kept: BENCH_WEB_DATABASES={database.name},{store_name}")
        else:
            pg.drop_database(store_name)
            pg.drop_database(database.name)


if __name__ == "__main__":
    main()
