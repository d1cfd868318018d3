"""A stand-in for Apache Superset's security API over real HTTP on 127.0.0.1.

It answers the three calls a guest-token backend makes, the way Superset does
(``superset/security/api.py``, Flask-AppBuilder's login API, Flask-WTF's CSRF check), and checks
every payload against the documented schemas:

- ``POST /api/v1/security/login``: ``username``, ``password``, ``provider`` (``db`` or ``ldap``),
  optional ``refresh`` → ``{"access_token", "refresh_token"}``; 401 ``{"message": "Not
  authorized"}`` on a wrong password; 400 on a malformed body.
- ``GET /api/v1/security/csrf_token/`` with ``Authorization: Bearer`` → ``{"result": token}``
  and a ``session`` cookie the token is bound to; 403 ``{"message": "Forbidden"}`` (Flask-
  AppBuilder's ``@protect()``) when the account's role lacks *can read on SecurityRestApi*.
- ``POST /api/v1/security/guest_token/`` with Bearer, ``X-CSRFToken`` (matching the session
  cookie) and a body per ``GuestTokenCreateSchema``: ``user`` {username, first_name, last_name:
  strings}, ``resources`` (required) [{type: "dashboard", id: string}], ``rls`` (required)
  [{clause: string (required), dataset: integer (optional)}]. A resource id is looked up as
  Superset 6 does: a dashboard id or slug first (``Dashboard.get``), then an embedded
  dashboard's UUID; neither gives 400 ``{"message": "Embedded dashboard not found."}``. 403
  ``{"message": "Forbidden"}`` without *can grant guest token on SecurityRestApi*. The answer is ``{"token": JWT}`` with
  Superset's claims (user, resources, rls_rules, iat, exp, aud, type "guest"), HS256-signed.

Every request is kept in ``requests`` for assertions.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

JWT_SECRET = "fake-superset-guest-secret"
AUDIENCE = "http://superset.test/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_jwt(claims: dict[str, Any], secret: str = JWT_SECRET) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


def decode_jwt(token: str, secret: str = JWT_SECRET) -> dict[str, Any]:
    header, body, signature = token.split(".")
    expected = hmac.new(secret.encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(_b64(expected), signature):
        raise ValueError("bad signature")
    padded = body + "=" * (-len(body) % 4)
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(padded))
    return claims


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def _schema_errors(body: Any) -> dict[str, Any]:
    """Marshmallow-style messages for a guest_token body (empty when it is valid)."""
    if not isinstance(body, dict):
        return {"_schema": ["Invalid input type."]}
    errors: dict[str, Any] = {}
    user = body.get("user", {})
    if not isinstance(user, dict):
        errors["user"] = {"_schema": ["Invalid input type."]}
    else:
        bad = {k: ["Not a valid string."] for k in ("username", "first_name", "last_name")
               if k in user and not isinstance(user[k], str)}  # fmt: skip
        if bad:
            errors["user"] = bad
    resources = body.get("resources")
    if resources is None:
        errors["resources"] = ["Missing data for required field."]
    elif not isinstance(resources, list):
        errors["resources"] = ["Not a valid list."]
    else:
        for i, resource in enumerate(resources):
            problems: dict[str, list[str]] = {}
            if not isinstance(resource, dict):
                errors.setdefault("resources", {})[i] = {"_schema": ["Invalid input type."]}
                continue
            if resource.get("type") != "dashboard":
                problems["type"] = ["Must be one of: dashboard."]
            if not isinstance(resource.get("id"), str):
                problems["id"] = ["Missing data for required field."]
            if problems:
                errors.setdefault("resources", {})[i] = problems
    rls = body.get("rls")
    if rls is None:
        errors["rls"] = ["Missing data for required field."]
    elif not isinstance(rls, list):
        errors["rls"] = ["Not a valid list."]
    else:
        for i, rule in enumerate(rls):
            problems = {}
            if not isinstance(rule, dict) or not isinstance(rule.get("clause"), str):
                problems["clause"] = ["Missing data for required field."]
            elif "dataset" in rule and (
                not isinstance(rule["dataset"], int) or isinstance(rule["dataset"], bool)
            ):
                problems["dataset"] = ["Not a valid integer."]
            if problems:
                errors.setdefault("rls", {})[i] = problems
    return errors


@dataclass
class FakeSuperset:
    username: str = "guest_token_service"
    password: str = "Superset-Pa55-word"
    dashboards: set[str] = field(default_factory=lambda: {"7d1c1b1e-3f4a-4b7e-9c1d-2a5e8f0b6c3d"})
    # Dashboards by id and slug (Superset hands guest tokens for these too, embedded or not).
    dashboard_ids: set[str] = field(default_factory=lambda: {"1", "2", "sales", "finance"})
    may_grant: bool = True  # the account has can_grant_guest_token
    may_read: bool = True  # the account has can_read on SecurityRestApi
    token_lifetime: float = 3600.0  # seconds an access token stays valid
    requests: list[Recorded] = field(default_factory=list)
    logins: int = 0
    _tokens: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    _csrf: dict[str, str] = field(default_factory=dict)  # session cookie -> csrf token
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeSuperset:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def expire_tokens(self) -> None:
        self._tokens = {token: 0.0 for token in self._tokens}

    # --- request handling -------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = ValueError
        path = request.path
        self.requests.append(Recorded(method, path, dict(request.headers.items()), body))
        routes = {
            ("POST", "/api/v1/security/login"): self._login,
            ("GET", "/api/v1/security/csrf_token/"): self._csrf_token,
            ("POST", "/api/v1/security/guest_token/"): self._guest_token,
        }
        handler = routes.get((method, path))
        if handler is None:
            self._send(request, 404, {"message": "Not found"})
            return
        if body is ValueError:
            self._send(request, 400, {"message": "Failed to decode JSON object"})
            return
        handler(request, body)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        body: dict[str, Any],
        cookie: str | None = None,
    ) -> None:
        data = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        if cookie is not None:
            request.send_header("Set-Cookie", f"session={cookie}; HttpOnly; Path=/")
        request.end_headers()
        request.wfile.write(data)

    def _login(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        if not isinstance(body, dict) or not all(
            isinstance(body.get(k), str) for k in ("username", "password", "provider")
        ):
            self._send(request, 400, {"message": "Missing or invalid login fields"})
            return
        if body["provider"] not in ("db", "ldap"):
            self._send(
                request, 400, {"message": "Provider {} not supported".format(body["provider"])}
            )
            return
        if (body["username"], body["password"]) != (self.username, self.password):
            self._send(request, 401, {"message": "Not authorized"})
            return
        self.logins += 1
        token = encode_jwt({"sub": self.username, "jti": secrets.token_hex(8), "type": "access"})
        self._tokens[token] = time.time() + self.token_lifetime
        refresh = encode_jwt({"sub": self.username, "type": "refresh"})
        self._send(request, 200, {"access_token": token, "refresh_token": refresh})

    def _bearer_ok(self, request: BaseHTTPRequestHandler) -> bool:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            self._send(request, 401, {"msg": "Missing Authorization Header"})
            return False
        expiry = self._tokens.get(auth.removeprefix("Bearer "))
        if expiry is None:
            self._send(request, 401, {"msg": "Invalid token"})
            return False
        if expiry < time.time():
            self._send(request, 401, {"msg": "Token has expired"})
            return False
        return True

    def _csrf_token(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        if not self._bearer_ok(request):
            return
        if not self.may_read:
            self._send(request, 403, {"message": "Forbidden"})
            return
        session = secrets.token_hex(12)
        self._csrf[session] = secrets.token_hex(16)
        self._send(request, 200, {"result": self._csrf[session]}, cookie=session)

    def _guest_token(self, request: BaseHTTPRequestHandler, body: Any) -> None:
        if not self._bearer_ok(request):
            return
        cookies = dict(
            part.strip().split("=", 1)
            for part in request.headers.get("Cookie", "").split(";")
            if "=" in part
        )
        expected = self._csrf.get(cookies.get("session", ""))
        if expected is None or request.headers.get("X-CSRFToken") != expected:
            self._send(request, 400, {"message": "400 Bad Request: The CSRF token is missing."})
            return
        if not request.headers.get("Referer"):
            self._send(
                request, 400, {"message": "400 Bad Request: The referrer header is missing."}
            )
            return
        if not self.may_grant:
            self._send(request, 403, {"message": "Forbidden"})
            return
        errors = _schema_errors(body)
        if errors:
            self._send(request, 400, {"message": errors})
            return
        for resource in body["resources"]:
            if resource["id"] not in self.dashboards | self.dashboard_ids:
                self._send(request, 400, {"message": "Embedded dashboard not found."})
                return
        now = time.time()
        claims = {
            "user": body.get("user", {}),
            "resources": body["resources"],
            "rls_rules": body["rls"],
            "iat": now,
            "exp": now + 300,
            "aud": AUDIENCE,
            "type": "guest",
        }
        self._send(request, 200, {"token": encode_jwt(claims)})
