"""Slack's and Microsoft Teams' webhook endpoints, faked on 127.0.0.1 behind an HTTPS proxy.

Apprise sends to fixed hosts (``hooks.slack.com``, a ``….logic.azure.com`` Teams workflow), so
the fake is reached the way a corporate network reaches them: through ``HTTPS_PROXY``. The proxy
answers ``CONNECT host:443``, then speaks TLS itself with a certificate for that host signed by a
throw-away CA (trusted through ``REQUESTS_CA_BUNDLE``), reads the request and answers it — nothing
ever leaves the machine. Each request is recorded with its host, path, query and JSON body.
"""

from __future__ import annotations

import json
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.certs import make_server_tls

SLACK_HOST = "hooks.slack.com"
TEAMS_HOST = "prod-07.westeurope.logic.azure.com"
SLACK_URL = f"https://{SLACK_HOST}/services/T0TESTTEAM/B0TESTHOOK/x7TestWebhookToken9fQ"
TEAMS_URL = (
    f"https://{TEAMS_HOST}:443/workflows/8a1e0f2b3c4d4e5f9a6b7c8d9e0f1a2b/triggers/manual/paths/"
    "invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
    "&sig=Xq7TestWorkflowSignature0123456789abcdef"
)


@dataclass(frozen=True)
class Received:
    host: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeChatServices:
    """``answers[host] = (status, body)`` sets what a host answers (default: Slack's ``ok``)."""

    def __init__(self, directory: Path) -> None:
        self.tls = make_server_tls(directory, "fake-chat", hosts=(SLACK_HOST, TEAMS_HOST))
        self.received: list[Received] = []
        self.answers: dict[str, tuple[int, str]] = {}
        self._lock = threading.Lock()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls.cert_pem, self.tls.key_pem)
        self._context = context
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            tunnel_host = ""
            tls: ssl.SSLSocket | None = None

            def do_CONNECT(self) -> None:
                self.tunnel_host = self.path.rsplit(":", 1)[0]
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                tls = fake._context.wrap_socket(self.connection, server_side=True)
                self.connection = tls
                self.rfile = tls.makefile("rb")
                self.wfile = tls.makefile("wb")
                self.tls = tls
                self.close_connection = False
                while not self.close_connection:
                    self.handle_one_request()
                self.close_connection = True

            def finish(self) -> None:
                super().finish()
                if self.tls is not None:  # it holds the connection's socket since the wrap
                    self.tls.close()

            def do_POST(self) -> None:
                if not self.tunnel_host:  # a plain request to the proxy itself
                    self.send_error(405)
                    return
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                split = urlsplit(self.path)
                with fake._lock:
                    fake.received.append(
                        Received(
                            host=self.tunnel_host,
                            path=split.path,
                            query=parse_qs(split.query),
                            headers=dict(self.headers.items()),
                            body=json.loads(raw or b"null"),
                        )
                    )
                    status, text = fake.answers.get(self.tunnel_host, (200, "ok"))
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                self.wfile.flush()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> FakeChatServices:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def route_through(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Point requests (apprise's HTTP client) at the proxy and trust the fake's CA."""
        monkeypatch.setenv("HTTPS_PROXY", self.proxy_url)
        monkeypatch.setenv("https_proxy", self.proxy_url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(self.tls.ca_pem))

    def of(self, host: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.host == host]
