"""A real SMTP server (aiosmtpd) and a webhook receiver that checks OdooBridge's HMAC signature,
both on 127.0.0.1, for the notification and alert tests.

The receiver verifies signatures with its own code, written from the scheme documented in
``odoobridge.notify.webhook`` (not with the product's ``verify_signature``), so a mistake on
either side shows."""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.fakes.certs import ServerTls
from tests.pg import free_port


@dataclass(frozen=True)
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        from email.header import decode_header, make_header

        return str(make_header(decode_header(self.message["Subject"] or "")))

    @property
    def text(self) -> str:
        part = self.message
        if part.is_multipart():
            part = next(p for p in part.walk() if p.get_content_type() == "text/plain")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")


@dataclass
class SmtpServer:
    """``with SmtpServer() as smtp:`` a mail server on ``smtp.port``; ``smtp.mails`` what came.
    With ``login=(user, password)`` it requires STARTTLS (``tls``: its certificate) and then
    that login, as a real submission server does."""

    login: tuple[str, str] | None = None
    tls: ServerTls | None = None
    mails: list[Mail] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        self.mails.append(
            Mail(str(envelope.mail_from), list(envelope.rcpt_tos), message_from_bytes(content))
        )
        return "250 OK"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert self.login is not None
        ok = (
            isinstance(data, LoginPassword)
            and (
                data.login.decode(),
                data.password.decode(),
            )
            == self.login
        )
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535

    def __enter__(self) -> SmtpServer:
        self.port = free_port()
        options: dict[str, Any] = {}
        if self.login is not None:
            assert self.tls is not None, "a login needs TLS: pass tls=make_server_tls(…)"
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.tls.cert_pem, self.tls.key_pem)
            options = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "tls_context": context,
                "require_starttls": True,
            }
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@dataclass(frozen=True)
class Hook:
    headers: dict[str, str]
    raw: bytes
    verified: bool
    reason: str

    @property
    def body(self) -> Any:
        return json.loads(self.raw)


class WebhookReceiver:
    """An HTTP endpoint that verifies each POST's signature the way a receiver should: the
    HMAC-SHA256 of ``"<timestamp>." + body``, a timestamp within 300 s, a delivery id not seen
    before. It answers 204 when all hold, 401 otherwise (or ``status`` when set)."""

    def __init__(self, secret: str, status: int | None = None) -> None:
        self.secret = secret
        self.status = status
        self.hooks: list[Hook] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/odoobridge"

    def check(self, headers: dict[str, str], raw: bytes) -> tuple[bool, str]:
        timestamp = headers.get("X-OdooBridge-Timestamp", "")
        given = headers.get("X-OdooBridge-Signature", "")
        delivery = headers.get("X-OdooBridge-Delivery", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False, "stale or missing timestamp"
        expected = hmac.new(self.secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
        if not hmac.compare_digest("v1=" + expected.hexdigest(), given):
            return False, "bad signature"
        if delivery in self._seen:
            return False, "replayed delivery"
        self._seen.add(delivery)
        return True, "ok"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = dict(self.headers.items())
                with receiver._lock:
                    verified, reason = receiver.check(headers, raw)
                    receiver.hooks.append(Hook(headers, raw, verified, reason))
                status = receiver.status or (204 if verified else 401)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
