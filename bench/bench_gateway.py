"""Benchmark: the Odoo gateway's added latency per search over the bare client call.

In one run: the stub Odoo of the tests (tests/fakes/odoo_rpc.py, real HTTP on 127.0.0.1, JSON-RPC:
the default protocol) serves a
copy of the real Odoo 18.0 fixture from a process of its own; ``odoobridge serve`` (one worker,
its own process, a SQLite store) is configured for it. For each search, ``ROUNDS`` pairs are timed, interleaved:

- *bare*: the search's own client calls, made in this process with ``OdooRpcClient`` (the
  gateway's search function called directly: the same domain, the same search_read /
  search_count / search calls, pooled connections, cached uid);
- *gateway*: the same search through ``POST /odoo/search/…`` (or ``GET /odoo/partners/{id}``)
  with an API key — authentication, scope check, rate limit, validation, the same client calls
  from the server's process, JSON out.

The added latency of a pair is gateway − bare. ``TRIALS`` trials each time every search in turn;
the table gives, per search, the median of the trials' p50s (and their range) and the p90 over
all pairs, next to each side's p50, after the floor: the round trip of ``GET /healthz`` to the same server (the
hop itself, which any gateway costs). Target: added p50 ≤ 5 ms. Prints a Markdown table for docs/performance.md.

    .venv/bin/python bench/bench_gateway.py          (or ./run bench)
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402
from tests.fakes.odoo_rpc import OdooRpcStub  # noqa: E402

from odoobridge.auth.apikeys import create_api_key  # noqa: E402
from odoobridge.auth.audit import Origin  # noqa: E402
from odoobridge.auth.roles import Role  # noqa: E402
from odoobridge.gateway import schemas as gs  # noqa: E402
from odoobridge.gateway import search  # noqa: E402
from odoobridge.gateway.paging import DEFAULT_LIMIT  # noqa: E402
from odoobridge.settings import Settings  # noqa: E402
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig  # noqa: E402
from odoobridge.store.engine import Store  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_GATEWAY_ROUNDS", "200"))  # pairs per search and trial
TRIALS = int(os.environ.get("BENCH_GATEWAY_TRIALS", "3"))
WARMUP = 20
TARGET_ADDED_P50_MS = 5.0

Bare = Callable[[OdooRpcClient], Any]
# name, route (method, path, payload), the bare call
SEARCHES: list[tuple[str, tuple[str, str, dict[str, Any] | None], Bare]] = [
    ("partners by website (1 call)",
     ("POST", "/odoo/search/partners", {"website": "gemini-furniture.com"}),
     lambda c: search.search_partners(c, gs.PartnerSearch(website="gemini-furniture.com"))),
    ("companies, page of 5 (2 calls)",
     ("POST", "/odoo/search/partners", {"is_company": True, "limit": 5}),
     lambda c: search.search_partners(c, gs.PartnerSearch(is_company=True, limit=5))),
    ("leads in stage Won (2 calls)",
     ("POST", "/odoo/search/leads", {"stage": "Won"}),
     lambda c: search.search_leads(c, gs.LeadSearch(stage="Won"))),
    ("all 39 leads (1 call, 39 records)",
     ("POST", "/odoo/search/leads", {}),
     lambda c: search.search_leads(c, gs.LeadSearch())),
    ("activities of a partner (4 calls)",
     ("POST", "/odoo/search/activities", {"partner_id": 15}),
     lambda c: search.search_activities(c, gs.ActivitySearch(partner_id=15))),
    ("partner history (7 calls)",
     ("GET", "/odoo/partners/15", None),
     lambda c: search.partner_history(c, 15, DEFAULT_LIMIT)),
]  # fmt: skip


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("the server did not start")
        time.sleep(0.2)


def timed_pairs(http: httpx.Client, key: str, client: OdooRpcClient, search_: Any,
                rounds: int) -> tuple[list[float], list[float]]:  # fmt: skip
    """``rounds`` interleaved (bare, gateway) timings in ms of one search, answers checked."""
    _name, (verb, path, payload), bare = search_
    expected = bare(client)
    bare_ms: list[float] = []
    gateway_ms: list[float] = []
    for round_ in range(WARMUP + rounds):
        started = time.perf_counter()
        answer = bare(client)
        between = time.perf_counter()
        response = http.request(verb, path, json=payload, headers={"X-API-Key": key})
        ended = time.perf_counter()
        if response.status_code != 200 or response.json() != expected:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text}")
        assert answer == expected
        if round_ >= WARMUP:
            bare_ms.append((between - started) * 1000)
            gateway_ms.append((ended - between) * 1000)
    return bare_ms, gateway_ms


def floor_trial(http: httpx.Client, rounds: int) -> list[float]:
    """The HTTP round trip to the same server doing nothing (``GET /healthz``): what any hop to a
    gateway costs on this machine, before the gateway does anything."""
    spent: list[float] = []
    for round_ in range(WARMUP + rounds):
        started = time.perf_counter()
        assert http.get("/healthz").status_code == 200
        if round_ >= WARMUP:
            spent.append((time.perf_counter() - started) * 1000)
    return spent


def measure(http: httpx.Client, key: str, client: OdooRpcClient) -> list[list[str]]:
    """TRIALS trials, each timing every search in turn; per search the median of the trials'
    p50s (and their range: the load of a shared machine moves them), p90 over every pair."""
    floors: list[list[float]] = []
    pairs: dict[str, list[tuple[list[float], list[float]]]] = {s[0]: [] for s in SEARCHES}
    for _trial in range(TRIALS):
        floors.append(floor_trial(http, ROUNDS))
        for search_ in SEARCHES:
            pairs[search_[0]].append(timed_pairs(http, key, client, search_, ROUNDS))
    floor_p50 = statistics.median(statistics.median(f) for f in floors)
    rows = [["floor: GET /healthz on the same server", "–", f"{floor_p50:.2f}",
             f"{floor_p50:.2f}", f"{percentile([v for f in floors for v in f], 0.9):.2f}",
             "–"]]  # fmt: skip
    for name, trials in pairs.items():
        added = [[g - b for g, b in zip(gw, bare, strict=True)] for bare, gw in trials]
        p50s = [statistics.median(a) for a in added]
        p50 = statistics.median(p50s)
        met = "met" if p50 <= TARGET_ADDED_P50_MS else "missed"
        rows.append([
            name, f"{statistics.median(statistics.median(b) for b, _ in trials):.2f}",
            f"{statistics.median(statistics.median(g) for _, g in trials):.2f}",
            f"{p50:.2f} ({min(p50s):.2f}–{max(p50s):.2f})",
            f"{percentile([v for a in added for v in a], 0.9):.2f}",
            f"≤ {TARGET_ADDED_P50_MS:g} ms: {met}",
        ])  # fmt: skip
    return rows


class Replay:
    """The client's calls answered from memory (each asked of Odoo once, then replayed): the
    gateway's own work per search, with an Odoo that answers at once."""

    def __init__(self, client: OdooRpcClient) -> None:
        self.client = client
        self.config = client.config
        self.answers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        real = getattr(self.client, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            key = repr((name, args, sorted(kwargs.items())))
            if key not in self.answers:
                self.answers[key] = real(*args, **kwargs)
            return self.answers[key]

        return call


def in_process(settings: Settings, store: Store, key: str, client: OdooRpcClient) -> list[str]:
    """Per search: the app's own time (ASGI call in this process, no sockets, Odoo replayed),
    less the same for ``GET /healthz``."""
    from odoobridge.web.app import create_app

    app = create_app(settings, store)
    app.state.odoobridge.odoo = Replay(client)

    async def call(verb: str, path: str, payload: dict[str, Any] | None) -> int:
        body = json.dumps(payload).encode() if payload is not None else b""
        headers = [(b"x-api-key", key.encode()), (b"content-type", b"application/json"),
                   (b"content-length", str(len(body)).encode())]  # fmt: skip
        scope = {"type": "http", "method": verb, "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": headers, "client": ("127.0.0.1", 1),
                 "server": ("127.0.0.1", 80), "scheme": "http", "http_version": "1.1",
                 "root_path": ""}  # fmt: skip
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        status: list[int] = []

        async def receive() -> dict[str, Any]:
            return messages.pop() if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await app(scope, receive, send)
        return status[0]

    async def timed(verb: str, path: str, payload: dict[str, Any] | None) -> float:
        spent: list[float] = []
        for round_ in range(WARMUP + ROUNDS):
            started = time.perf_counter()
            assert await call(verb, path, payload) == 200
            if round_ >= WARMUP:
                spent.append((time.perf_counter() - started) * 1000)
        return statistics.median(spent)

    async def run() -> list[str]:
        base = await timed("GET", "/healthz", None)
        found = [f"healthz {base:.2f} ms"]
        for name, (verb, path, payload), _bare in SEARCHES:
            found.append(f"{name.split(' (')[0]} {await timed(verb, path, payload) - base:.2f} ms")
        return found

    return asyncio.run(run())


def serve_stub() -> None:
    """``bench_gateway.py --stub``: serve a stub Odoo on a fresh fixture copy until stdin closes;
    the first line out is ``url db admin_key database``."""
    database = pg.copy_fixture(18)
    stub = OdooRpcStub(database, 18).start()
    try:
        print(stub.url, stub.db_name, stub.admin_key, database.name, flush=True)
        sys.stdin.read()
    finally:
        stub.stop()
        pg.drop_database(database.name)


@dataclass
class StubProcess:
    url: str
    db_name: str
    admin_key: str


def main() -> None:
    process = subprocess.Popen(
        [sys.executable, __file__, "--stub"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdin is not None
    url, db_name, admin_key, _database = process.stdout.readline().split()
    stub = StubProcess(url, db_name, admin_key)
    workdir = Path(tempfile.mkdtemp(prefix="bench-gateway-"))
    store_url = f"sqlite:///{workdir / 'store.sqlite'}"
    server: subprocess.Popen[bytes] | None = None
    try:
        store = Store(store_url)
        with store.session() as session:
            _key, raw_key = create_api_key(
                session, name="bench", role=Role.VIEWER, scopes=["gateway:read"], by="bench",
                by_role=Role.SUPER_ADMIN, origin=Origin(),
            )  # fmt: skip
        store.dispose()
        port = pg.free_port()
        odoo = {
            "ODOO_URL": stub.url, "ODOO_DB": stub.db_name, "ODOO_USERNAME": "admin",
            "ODOO_API_KEY": stub.admin_key, "ODOOBRIDGE_ODOO_PROTOCOL": "jsonrpc",
        }  # fmt: skip
        env = {
            **os.environ, **odoo, "DATABASE_URL": store_url,
            "ODOOBRIDGE_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
            "ODOOBRIDGE_GATEWAY_READ_LIMIT": "1000000/minute", "ODOOBRIDGE_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "odoobridge", "serve", "--port", str(port)], env=env
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base, server)
        config = OdooRpcConfig(url=stub.url, db=stub.db_name, username="admin",
                               api_key=_secret(stub.admin_key), protocol="jsonrpc")  # fmt: skip
        with OdooRpcClient(config) as client, httpx.Client(base_url=base, timeout=30) as http:
            rows = measure(http, raw_key, client)
            settings = Settings(_env_file=None, **{k: v for k, v in env.items()
                                                   if k.startswith(("ODOO", "DATABASE"))})  # fmt: skip
            store = Store(store_url)
            own = in_process(settings, store, raw_key, client)
            store.dispose()
        load = os.getloadavg()
        print(
            f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; load average {load[0]:.1f} "
            f"(shared machine); {TRIALS} trials of {ROUNDS} interleaved pairs per search\n"
        )
        print("| search | bare client p50 (ms) | gateway p50 (ms) | added p50 (ms, trials) | "
              "added p90 (ms) | target |")  # fmt: skip
        print("| --- | --- | --- | --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
        print("\nThe app's own time per search in-process (Odoo replayed, no sockets), over "
              f"{own[0]}: " + "; ".join(own[1:]))  # fmt: skip
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        process.stdin.close()
        process.wait(timeout=60)


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


if __name__ == "__main__":
    serve_stub() if sys.argv[1:] == ["--stub"] else main()
