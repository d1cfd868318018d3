"""The app under a real uvicorn server on 127.0.0.1 (a thread of the test process), so tests
talk real HTTP with httpx, and the browser tests drive the same server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.pg import free_port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app``; yields its base URL and stops it afterwards."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def wait_until(check: object, *, timeout: float = 30.0, interval: float = 0.1) -> None:
    """Poll ``check()`` until it is truthy (bounded by ``timeout``)."""
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def client(base: str, **kwargs: object) -> httpx.Client:
    """A client of the test server; it ignores proxy and CA variables of the environment (the
    server is on loopback, and some tests point those variables at files that do not exist)."""
    return httpx.Client(
        base_url=base, timeout=30, follow_redirects=False, trust_env=False, **kwargs
    )  # type: ignore[arg-type]
