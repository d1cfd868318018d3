"""Benchmark: what an MCP tool call costs over the same service call through REST, both over HTTP
to the same server in the same run.

The stub Odoo of the tests (``bench_gateway.py --stub``: a copy of the real Odoo 18.0 fixture,
JSON-RPC) runs in a process of its own; ``odoobridge serve`` (one worker, its own process, a
SQLite store) is configured for it. For each search, ``ROUNDS`` pairs are timed, interleaved:

- *REST*: ``POST /odoo/search/…`` (or ``GET /odoo/partners/{id}``) with an API key;
- *MCP*: the same search as a tool call (``tools/call`` over Streamable HTTP at ``/mcp``, the
  SDK's own client) with the same key, once speaking the 2026-07-28 protocol (the SDK's default:
  one self-contained request per call) and once a handshake protocol of 2025 (what most agents
  speak today; the app answers each request with a fresh stateless session) — the guard, the rate limit, the payload
  model and the service function are the same; the MCP call adds the protocol and an audit
  event per call.

Both answers are checked to be the same records. The overhead of a pair is MCP − REST;
``TRIALS`` trials each time every search in turn; the table gives, per search, the median of the
trials' p50s (and their range) and the p90 over all pairs. Target: overhead p50 ≤ 5 ms.

    .venv/bin/python bench/bench_mcp.py          (or ./run bench)
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
from pathlib import Path
from typing import Any

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import pg  # noqa: E402

from odoobridge.auth.apikeys import create_api_key  # noqa: E402
from odoobridge.auth.audit import Origin  # noqa: E402
from odoobridge.auth.roles import Role  # noqa: E402
from odoobridge.store.engine import Store  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_MCP_ROUNDS", "200"))  # pairs per search and trial
TRIALS = int(os.environ.get("BENCH_MCP_TRIALS", "3"))
WARMUP = 20
TARGET_OVERHEAD_P50_MS = 5.0

# name, REST (method, path, payload), MCP (tool, arguments)
SEARCHES: list[tuple[str, tuple[str, str, dict[str, Any] | None], tuple[str, dict[str, Any]]]] = [
    ("partners by website (1 Odoo call)",
     ("POST", "/odoo/search/partners", {"website": "gemini-furniture.com"}),
     ("search_partners", {"website": "gemini-furniture.com"})),
    ("leads in stage Won (2 calls)",
     ("POST", "/odoo/search/leads", {"stage": "Won"}),
     ("search_leads", {"stage": "Won"})),
    ("partner history (7 calls)",
     ("GET", "/odoo/partners/15", None),
     ("partner_history", {"partner_id": 15})),
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


async def timed_pairs(rest: httpx.AsyncClient, mcp: Client, key: str, search: Any,
                      rounds: int) -> tuple[list[float], list[float]]:  # fmt: skip
    """``rounds`` interleaved (REST, MCP) timings in ms of one search, answers compared."""
    _name, (verb, path, payload), (tool, arguments) = search
    rest_ms: list[float] = []
    mcp_ms: list[float] = []
    for round_ in range(WARMUP + rounds):
        started = time.perf_counter()
        response = await rest.request(verb, path, json=payload, headers={"X-API-Key": key})
        between = time.perf_counter()
        result = await mcp.call_tool(tool, arguments)
        ended = time.perf_counter()
        if response.status_code != 200 or result.is_error:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}; {tool}: {result}")
        if json.loads(result.content[0].text) != response.json():  # type: ignore[union-attr]
            raise RuntimeError(f"{tool} answered other records than {path}")
        if round_ >= WARMUP:
            rest_ms.append((between - started) * 1000)
            mcp_ms.append((ended - between) * 1000)
    return rest_ms, mcp_ms


async def measure(base: str, key: str, mode: str) -> list[list[str]]:
    """Every search over REST and as a tool call of a client speaking ``mode`` ("auto": the
    2026-07-28 protocol; "legacy": the initialize-handshake protocols)."""
    pairs: dict[str, list[tuple[list[float], list[float]]]] = {s[0]: [] for s in SEARCHES}
    async with (
        httpx.AsyncClient(base_url=base, timeout=30) as rest,
        httpx2.AsyncClient(headers={"X-API-Key": key}, timeout=30, trust_env=False) as http,
        Client(streamable_http_client(f"{base}/mcp", http_client=http), mode=mode) as mcp,
    ):
        for _trial in range(TRIALS):
            for search in SEARCHES:
                pairs[search[0]].append(await timed_pairs(rest, mcp, key, search, ROUNDS))
    rows = []
    label = "2026-07-28" if mode == "auto" else "handshake (2025)"
    for name, trials in pairs.items():
        overhead = [[m - r for r, m in zip(rest_, mcp_, strict=True)] for rest_, mcp_ in trials]
        p50s = [statistics.median(o) for o in overhead]
        p50 = statistics.median(p50s)
        met = "met" if p50 <= TARGET_OVERHEAD_P50_MS else "missed"
        rows.append([
            name, label, f"{statistics.median(statistics.median(r) for r, _ in trials):.2f}",
            f"{statistics.median(statistics.median(m) for _, m in trials):.2f}",
            f"{p50:.2f} ({min(p50s):.2f}–{max(p50s):.2f})",
            f"{percentile([v for o in overhead for v in o], 0.9):.2f}",
            f"≤ {TARGET_OVERHEAD_P50_MS:g} ms: {met}",
        ])  # fmt: skip
    return rows


def main() -> None:
    stub = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "bench_gateway.py"), "--stub"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert stub.stdout is not None and stub.stdin is not None
    url, db_name, admin_key, _database = stub.stdout.readline().split()
    workdir = Path(tempfile.mkdtemp(prefix="bench-mcp-"))
    store_url = f"sqlite:///{workdir / 'store.sqlite'}"
    server: subprocess.Popen[bytes] | None = None
    try:
        store = Store(store_url)
        with store.session() as session:
            _key, raw_key = create_api_key(
                session, name="bench agent", role=Role.VIEWER, scopes=["gateway:read"],
                by="bench", by_role=Role.SUPER_ADMIN, origin=Origin(),
            )  # fmt: skip
        store.dispose()
        port = pg.free_port()
        env = {
            **os.environ, "ODOO_URL": url, "ODOO_DB": db_name, "ODOO_USERNAME": "admin",
            "ODOO_API_KEY": admin_key, "ODOOBRIDGE_ODOO_PROTOCOL": "jsonrpc",
            "DATABASE_URL": store_url,
            "ODOOBRIDGE_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
            "ODOOBRIDGE_GATEWAY_READ_LIMIT": "1000000/minute", "ODOOBRIDGE_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "odoobridge", "serve", "--port", str(port)], env=env
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base, server)
        rows = [*asyncio.run(measure(base, raw_key, "auto")),
                *asyncio.run(measure(base, raw_key, "legacy"))]  # fmt: skip
        load = os.getloadavg()
        print(
            f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; load average {load[0]:.1f} "
            f"(shared machine); {TRIALS} trials of {ROUNDS} interleaved pairs per search\n"
        )
        print("| search | MCP protocol | REST p50 (ms) | MCP tool call p50 (ms) | "
              "overhead p50 (ms, trials) | overhead p90 (ms) | target |")  # fmt: skip
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        stub.stdin.close()
        stub.wait(timeout=60)


if __name__ == "__main__":
    main()
