"""Entra directory sync at scale: the fake identity platform + Graph (tests/fakes) serving N users
over HTTPS in a process of its own, and in separate processes (so peak RSS is each one's own):

1. the floor — a bare httpx loop fetching the same pages the full sync fetches (token, the
   "latest" delta link, every /users page, json-decoded) and nothing else;
2. the full sync (``sync_azure``, first run: every user inserted);
3. a second full sync with nothing changed (``--full``);
4. a delta sync after 1% of the users changed.

Targets (issue 3): full ≤ 1.5 × floor, peak RSS < 300 MB, delta ≤ 10% of the full sync.

    .venv/bin/python bench/bench_entra_sync.py [--users 100000] [--store sqlite|postgresql] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _generated(count: int) -> list[dict[str, Any]]:
    departments = ("Sales", "Research & Development", "Management", "Administration")
    return [
        {
            "id": f"00000000-0000-4000-8000-{n:012d}",
            "displayName": f"User {n}",
            "mail": f"user{n}@example.com",
            "userPrincipalName": f"user{n}@contoso.example",
            "department": departments[n % 4],
            "jobTitle": "Consultant",
            "employeeId": f"E-{n}",
            "accountEnabled": n % 10 != 0,
            "lastPasswordChangeDateTime": "2026-10-01T08:00:00Z",
            "userType": "Member" if n % 50 else "Guest",
            "manager": {"id": f"00000000-0000-4000-8000-{n // 10:012d}"} if n % 10 else None,
        }
        for n in range(count)
    ]


def serve(users: int, workdir: str, channel: Any) -> None:
    """The fake, in a child process; commands arrive on ``channel``."""
    from tests.fakes.identity import FakeIdentityPlatform

    with FakeIdentityPlatform(Path(workdir)) as fake:
        fake.directory.load(_generated(users))
        channel.send(fake.settings())
        while True:
            command = channel.recv()
            if command == "stop":
                return
            if command.startswith("change "):
                count, tag = int(command.split()[1]), command.split()[2]
                step = max(1, users // count)
                for n in range(0, users, step)[:count]:
                    fake.directory.update(
                        f"00000000-0000-4000-8000-{n:012d}", department=f"Reorganised {tag}"
                    )
                channel.send("ok")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def role_floor(settings: dict[str, str]) -> dict[str, Any]:
    import httpx

    from odoobridge.sources.graph_auth import tls_context
    from odoobridge.sources.graph_records import USER_SELECT

    started = time.perf_counter()
    pages = users = 0
    with httpx.Client(verify=tls_context(Path(settings["ODOOBRIDGE_AZURE_CA_BUNDLE"]))) as http:
        token_url = (
            f"{settings['ODOOBRIDGE_AZURE_AUTHORITY_HOST']}/{settings['AZURE_TENANT_ID']}"
            "/oauth2/v2.0/token"
        )
        token = http.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": settings["AZURE_CLIENT_ID"],
                "client_secret": settings["AZURE_CLIENT_SECRET"],
                "scope": "https://graph.microsoft.com/.default",
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        base = settings["ODOOBRIDGE_GRAPH_BASE_URL"]
        http.get(
            f"{base}/users/delta",
            params={"$select": f"{USER_SELECT},manager", "$deltatoken": "latest"},
            headers=headers,
        ).json()
        url: str | None = f"{base}/users"
        params: dict[str, str] | None = {
            "$select": USER_SELECT,
            "$expand": "manager($select=id)",
            "$top": "999",
        }
        while url:
            body = http.get(url, params=params, headers=headers).json()
            pages += 1
            users += len(body["value"])
            url, params = body.get("@odata.nextLink"), None
    return {"seconds": time.perf_counter() - started, "rss_mb": _peak_mb(), "users": users}


def role_sync(settings: dict[str, str], store_url: str, full: bool) -> dict[str, Any]:
    from odoobridge.directory.sync import sync_azure
    from odoobridge.settings import Settings
    from odoobridge.store.engine import Store

    config = Settings(_env_file=None, DATABASE_URL=store_url, **settings)
    store = Store(config.store_url)  # migrations run before the clock starts
    started = time.perf_counter()
    run = sync_azure(store, config, full=full, triggered_by="bench")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rss_mb": _peak_mb(),
        "mode": run.stats["mode"],
        "fetched": run.stats["fetched"],
        "added": run.stats["added"],
        "changed": run.stats["changed"],
        "pages": run.stats["pages"],
        "read_s": run.stats["seconds"]["read"],
        "write_s": run.stats["seconds"]["write"],
    }


def _child(role: str, payload: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--role", role, "--payload", json.dumps(payload)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _store_url(kind: str, workdir: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        workdir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{workdir / 'bench.sqlite'}", None
    from tests import pg

    name = f"obbench_entra_{int(time.time() * 1000)}"
    pg.create_database(name)
    return pg.url_for(name), lambda: pg.drop_database(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--role")
    parser.add_argument("--payload")
    args = parser.parse_args()
    if args.role:
        payload = json.loads(args.payload)
        if args.role == "floor":
            result = role_floor(payload["settings"])
        else:
            result = role_sync(payload["settings"], payload["store_url"], payload["full"])
        print(json.dumps(result))
        return

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ours, theirs = multiprocessing.get_context("fork").Pipe()
        server = multiprocessing.get_context("fork").Process(
            target=serve, args=(args.users, str(workdir / "fake"), theirs), daemon=True
        )
        server.start()
        settings = ours.recv()
        trials: list[list[dict[str, Any]]] = []
        try:
            for trial in range(args.repeat):
                store_url, cleanup = _store_url(args.store, workdir / f"trial{trial}")
                try:
                    floor = _child("floor", {"settings": settings})
                    common = {"settings": settings, "store_url": store_url}
                    full = _child("sync", {**common, "full": False})
                    again = _child("sync", {**common, "full": True})
                    ours.send(f"change {args.users // 100} {trial}")
                    ours.recv()
                    delta = _child("sync", {**common, "full": False})
                finally:
                    if cleanup:
                        cleanup()
                trials.append([floor, full, again, delta])
        finally:
            ours.send("stop")
            server.join(10)
    print(f"Entra sync, {args.users:,} users, store {args.store}, {len(trials)} trials")
    for index, (f, u, a, d) in enumerate(trials):
        print(
            f"  trial {index + 1}: floor {f['seconds']:.2f} s, full {u['seconds']:.2f} s "
            f"(read {u['read_s']:.2f}, write {u['write_s']:.2f}), unchanged {a['seconds']:.2f} s, "
            f"delta {d['seconds']:.2f} s; full/floor {u['seconds'] / f['seconds']:.2f}, "
            f"unchanged/floor {a['seconds'] / f['seconds']:.2f}"
        )
    # Medians, each figure on its own (the machine is shared: trials differ).
    floor, full, again, delta = (
        {
            key: statistics.median(t[i][key] for t in trials)
            for key in trials[0][i]
            if isinstance(trials[0][i][key], int | float)
        }
        | {k: v for k, v in trials[0][i].items() if not isinstance(v, int | float)}
        for i in range(4)
    )
    print("medians:")
    rows = [
        ("floor: bare httpx, same pages", floor),
        ("full sync (first run)", full),
        ("full sync, nothing changed", again),
        ("delta sync, 1% changed", delta),
    ]
    print(f"{'':32} {'seconds':>8} {'users/s':>9} {'peak RSS MB':>12}  read / write s")
    for label, result in rows:
        fetched = result.get("fetched", result.get("users", 0))
        split = f"{result['read_s']:.2f} / {result['write_s']:.2f}" if "read_s" in result else ""
        print(
            f"{label:32} {result['seconds']:8.2f} {fetched / result['seconds']:9.0f} "
            f"{result['rss_mb']:12.0f}  {split}"
        )
    print(f"full sync: {full['pages']} pages")
    print(f"delta: {delta['mode']}, {delta['fetched']} changes, {delta['changed']} changed")
    ratio = statistics.median(t[1]["seconds"] / t[0]["seconds"] for t in trials)
    unchanged = statistics.median(t[2]["seconds"] / t[0]["seconds"] for t in trials)
    delta_share = statistics.median(t[3]["seconds"] / t[1]["seconds"] for t in trials)
    print(f"full / floor = {ratio:.2f} (target ≤ 1.5): {'ok' if ratio <= 1.5 else 'MISSED'}")
    print(f"unchanged full / floor = {unchanged:.2f}")
    peak = max(t[i]["rss_mb"] for t in trials for i in (1, 2, 3))
    print(f"peak RSS {peak:.0f} MB (target < 300): {'ok' if peak < 300 else 'MISSED'}")
    print(
        f"delta / full = {delta_share:.1%} (target ≤ 10%): "
        f"{'ok' if delta_share <= 0.10 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
