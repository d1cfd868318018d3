"""Benchmark: the security sync over Odoo's API on the generated scale database.

In one run: a copy of the real Odoo 18.0 fixture is inflated (20,000 users, 1,000 groups,
400,000+ memberships, 20,000+ ACL rows) and served by the stub Odoo (tests/fakes/odoo_rpc.py,
in a process of its own, over real HTTP on 127.0.0.1, JSON-RPC). Then, three times each: the
floor — a bare ``OdooRpcClient`` sending exactly the calls an API sync sends (the same pages,
recorded from a first sync's call log) and doing nothing with the answers; a first API sync and a
no-change API sync into SQLite; and, beside them, the PostgreSQL source's first and no-change
syncs of the same database. Each sync runs in a fresh process that reports wall time and peak
RSS. Medians are printed as a Markdown table for docs/performance.md.

    .venv/bin/python bench/bench_api_sync.py          (or ./run bench)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402
from tests import pg  # noqa: E402

from odoobridge.demo.scale import ScaleSizes, inflate  # noqa: E402
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig  # noqa: E402

REPEATS = 3

# The stub in a process of its own: prints its URL, then logs every call as JSON lines to a file
# when asked (the bench reads the first sync's calls to replay them bare).
_STUB = """
import json, sys, threading
sys.path.insert(0, sys.argv[1])
from tests import pg
from tests.fakes.odoo_rpc import OdooRpcStub
stub = OdooRpcStub(pg.OdooDatabase(sys.argv[2], 18), 18).start()
print(stub.url, flush=True)
for line in sys.stdin:
    if line.strip() == "dump":
        calls = [{"model": c.model, "method": c.method, "args": c.args, "kwargs": c.kwargs}
                 for c in stub.calls if c.service == "object"]
        print(json.dumps(calls), flush=True)
    elif line.strip() == "clear":
        stub.calls.clear()
        print("ok", flush=True)
"""

_SYNC = """
import json, resource, sys, time
from odoobridge.access.sync import sync_odoo
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
store_url, source, value = sys.argv[1:4]
if source == "api":
    env = {"ODOO_PREPROD_SOURCE": "api", "ODOO_PREPROD_URL": value, "ODOO_PREPROD_DB": "odoo18demo",
           "ODOO_PREPROD_USERNAME": "admin", "ODOO_PREPROD_PASSWORD": "admin"}
else:
    env = {"ODOO_PREPROD_DSN": value}
settings = Settings(_env_file=None, DATABASE_URL=store_url, **env)
store = Store(settings.store_url)
started = time.perf_counter()
run = sync_odoo(store, settings, Environment.PREPROD)
seconds = time.perf_counter() - started
rows = sum(v["count"] for v in run.stats.values() if isinstance(v, dict) and "count" in v)
written = sum(
    v["added"] + v["changed"] for v in run.stats.values() if isinstance(v, dict) and "added" in v
)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "read": run.stats["seconds"]["read"], "rows": rows,
                  "written": written, "rss_mb": rss, "calls": run.stats["odoo"].get("calls", 0),
                  "digests": run.digests}))
"""


def sync_once(store_url: str, source: str, value: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", _SYNC, store_url, source, value],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)  # type: ignore[no-any-return]


class Stub:
    def __init__(self, database: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _STUB, str(ROOT), database],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def ask(self, command: str) -> str:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def bare_replay(url: str, calls: list[dict[str, Any]]) -> float:
    """Seconds for a bare client to send the same calls (answers decoded, then dropped)."""
    config = OdooRpcConfig(url=url, db="odoo18demo", username="admin",
                           password=SecretStr("admin"), protocol="jsonrpc")  # fmt: skip
    with OdooRpcClient(config) as client:
        client.authenticate()
        started = time.perf_counter()
        client.version()
        for call in calls:
            kwargs = dict(call["kwargs"])
            context = kwargs.pop("context", None)
            client.execute(call["model"], call["method"], *call["args"], context=context, **kwargs)
        return time.perf_counter() - started


def main() -> None:
    database = pg.copy_fixture(18)
    try:
        counts = inflate(database.admin_dsn, ScaleSizes())
        stub = Stub(database.name)
        try:
            results: dict[str, list[dict[str, Any]]] = {}
            floors: list[float] = []
            calls: list[dict[str, Any]] = []
            with tempfile.TemporaryDirectory() as tmp:
                for i in range(REPEATS):
                    api_url, db_url = (
                        f"sqlite:///{tmp}/api{i}.sqlite",
                        f"sqlite:///{tmp}/db{i}.sqlite",
                    )
                    stub.ask("clear")
                    results.setdefault("first API sync → SQLite", []).append(
                        sync_once(api_url, "api", stub.url)
                    )
                    calls = json.loads(stub.ask("dump"))
                    floors.append(bare_replay(stub.url, calls))
                    results.setdefault("no-change API sync → SQLite", []).append(
                        sync_once(api_url, "api", stub.url)
                    )
                    results.setdefault("first PostgreSQL sync → SQLite", []).append(
                        sync_once(db_url, "postgres", database.reader_dsn)
                    )
                    results.setdefault("no-change PostgreSQL sync → SQLite", []).append(
                        sync_once(db_url, "postgres", database.reader_dsn))  # fmt: skip
        finally:
            stub.stop()
        api, db = (
            results["first API sync → SQLite"][0],
            results["first PostgreSQL sync → SQLite"][0],
        )
        assert api["digests"] == db["digests"], "the two sources read different facts"
        floor = statistics.median(floors)
        print(f"source: {json.dumps(counts)}; rows per sync: {api['rows']}; "
              f"calls per API sync: {len(calls)} (+ version, sign-in)")  # fmt: skip
        print()
        print(
            "| measurement | wall time (s) | of which reading (s) | × floor | peak RSS (MB) | target |"
        )
        print("| --- | --- | --- | --- | --- | --- |")
        print(f"| floor: a bare client sending the same {len(calls)} calls | {floor:.2f} | "
              f"{floor:.2f} | 1.00 | – | – |")  # fmt: skip
        for label, samples in results.items():
            seconds = statistics.median(s["seconds"] for s in samples)
            read = statistics.median(s["read"] for s in samples)
            rss = max(s["rss_mb"] for s in samples)
            target = ""
            if "API" in label:
                verdict = "met" if seconds / floor <= 1.5 else "**missed**"
                target = f"≤ 1.5× floor: {verdict}"
            print(f"| {label} | {seconds:.2f} | {read:.2f} | {seconds / floor:.2f} | {rss:.0f} | "
                  f"{target} |")  # fmt: skip
        print()
        written = results["no-change API sync → SQLite"][0]["written"]
        print(
            f"medians of {REPEATS} runs; the API and PostgreSQL syncs' digests are equal; "
            f"no-change API syncs wrote {written} fact rows"
        )
    finally:
        pg.drop_database(database.name)


if __name__ == "__main__":
    main()
