"""A stand-in for an Odoo server's external API over real HTTP on 127.0.0.1, answering from a
copy of a fixture database in PostgreSQL (tests/pg.py ``copy_fixture``).

Endpoints, in the wire formats of the recordings in ``../shared/odoo-fixtures/rpc/``
(tests/fakes/test_odoo_rpc_stub.py replays them):

- ``POST /xmlrpc/2/common`` (version, authenticate, login) and ``/xmlrpc/2/object`` (execute_kw,
  execute): Odoo's XML (``<?xml version="1.0"?>``), faults with HTTP 200 and int faultCode
  1 (traceback) / 2 (UserError, MissingError, ValidationError) / 3 (AccessDenied) / 4 (AccessError).
- ``POST /jsonrpc`` (services common and object) and ``/web/webclient/version_info``: JSON-RPC 2.0,
  errors as ``{"code": 200, "message": "Odoo Server Error", "data": {name, debug, message,
  arguments, context}}`` with HTTP 200.
- Odoo 19 only: ``POST /json/2/<model>/<method>`` (``Authorization: bearer <API key>``, named
  arguments, ``ids``, ``context``; one transaction per call; errors 4xx/5xx with
  ``{name, message, arguments, context, debug}``) and ``GET /web/version``. On 16 and 18,
  ``/json/2`` answers 303 to ``/web/login`` as the recorded 18.0 server does.

Passwords are checked against the fixture's pbkdf2-sha512 hashes (admin/admin, demo/demo) and a
verified (uid, password) pair is remembered, as Odoo does. ``api_keys`` maps keys to uids (one
for admin is made at start: ``stub.admin_key``); a key also works as a password.

Test hooks: ``fail(model, method, fault=…, after=N)`` faults the call after N matching ones;
``drop_connection(model, method, after=N, apply=True)`` closes the socket without an answer
(after applying the call, or before with ``apply=False``); ``delay(seconds, model, method)``
holds matching calls (``wait_idle()`` waits for a held call the client gave up on); ``calls``
logs every call as it arrives (``calls_to(model, method)``); ``before(model, method, work,
after=N)`` runs ``work(env)`` as the superuser just before the matching call (an edit made by
someone else between two pages); ``throttle(model, method, retry_after=…, times=N)`` answers the
matching calls HTTP 429 with a Retry-After header, as Odoo Online's rate limit does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import secrets
import socket
import threading
import time
import traceback
import xmlrpc.client
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg

from tests import pg
from tests.fakes.odoo_catalog import Model, load_catalog
from tests.fakes.odoo_orm import Env, OdooFault
from tests.fakes.odoo_values import verify_password

XMLRPC_CODES = {"AccessDenied": 3, "AccessError": 4, "UserError": 2, "MissingError": 2,
                "ValidationError": 2, "RedirectWarning": 2}  # fmt: skip
JSON2_STATUS = {"AccessDenied": 403, "AccessError": 403, "MissingError": 404, "UserError": 422,
                "ValidationError": 422}  # fmt: skip
ODOO_EXCEPTIONS = set(XMLRPC_CODES)
RECORD_METHODS = {"read", "write", "unlink", "has_access", "copy", "has_group"}


@dataclass
class Call:
    protocol: str  # xmlrpc | jsonrpc | json2
    service: str  # common | object
    model: str
    method: str
    args: list[Any]
    kwargs: dict[str, Any]
    uid: int | None = None
    context: dict[str, Any] | None = None  # the call's context (JSON-2: the body's "context")


@dataclass
class Rule:
    action: str  # fail | drop | delay | before | throttle
    model: str | None
    method: str | None
    after: int = 0
    fault: str = "UserError"
    message: str = ""
    seconds: float = 0.0
    apply: bool = True
    work: Any = None  # before: work(env) run as the superuser before the call
    times: int = 1  # throttle: how many matching calls answer 429
    seen: int = 0
    done: bool = False

    def matches(self, call: Call) -> bool:
        return (self.model in (None, call.model)) and (self.method in (None, call.method))


class Dropped(Exception):
    """Close the connection without an answer."""


class Throttled(Exception):
    """Answer HTTP 429 Too Many Requests with a Retry-After header."""

    def __init__(self, retry_after: float) -> None:
        super().__init__("Too Many Requests")
        self.retry_after = retry_after


@dataclass
class OdooRpcStub:
    database: pg.OdooDatabase
    version: int = 18
    today: dt.date | None = None
    calls: list[Call] = field(default_factory=list)
    api_keys: dict[str, int] = field(default_factory=dict)
    admin_key: str = ""
    _rules: list[Rule] = field(default_factory=list)
    _verified: set[tuple[int, str]] = field(default_factory=set)
    _conn: psycopg.Connection[Any] | None = None
    _catalog: dict[str, Model] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None
    _running: int = 0

    @property
    def db_name(self) -> str:
        """The database name clients send (the recordings' ``odoo18demo``)."""
        return f"odoo{self.version}demo"

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> OdooRpcStub:
        self._conn = psycopg.connect(**{**psycopg.conninfo.conninfo_to_dict(pg.admin_url()),
                                        "dbname": self.database.name})  # fmt: skip
        self._catalog = load_catalog(self._conn)
        self._conn.commit()
        self.admin_key = self.add_api_key(2)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as Odoo's server
            disable_nagle_algorithm = True  # headers and body leave at once (no delayed-ACK wait)

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                stub._handle(self, "POST")

            def do_GET(self) -> None:
                stub._handle(self, "GET")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._conn is not None:
            self._conn.close()

    def add_api_key(self, uid: int) -> str:
        key = secrets.token_hex(20)  # Odoo's keys are 160 random bits in hex
        self.api_keys[key] = uid
        return key

    # --- hooks --------------------------------------------------------------------------------

    def fail(self, model: str | None, method: str | None, fault: str = "UserError",
             message: str = "", after: int = 0) -> None:  # fmt: skip
        """Fault the matching call that follows ``after`` matching calls (once)."""
        self._rules.append(
            Rule("fail", model, method, after, fault, message or f"{fault} (injected)")
        )

    def drop_connection(self, model: str | None = None, method: str | None = None,
                        after: int = 0, apply: bool = True) -> None:  # fmt: skip
        """Close the connection without answering the matching call after ``after`` ones."""
        self._rules.append(Rule("drop", model, method, after, apply=apply))

    def delay(self, seconds: float, model: str | None = None, method: str | None = None) -> None:
        """Hold every matching call ``seconds`` before running it (0 removes the delays)."""
        self._rules = [r for r in self._rules if r.action != "delay"]
        if seconds > 0:
            self._rules.append(Rule("delay", model, method, seconds=seconds))

    def before(self, model: str | None, method: str | None, work: Any, after: int = 0) -> None:
        """Run ``work(env)`` (superuser, own transaction) before the matching call that follows
        ``after`` matching ones (once)."""
        self._rules.append(Rule("before", model, method, after, work=work))

    def throttle(self, model: str | None = None, method: str | None = None,
                 retry_after: float = 1, times: int = 1, after: int = 0) -> None:  # fmt: skip
        """Answer ``times`` matching calls (after ``after`` ones) with HTTP 429."""
        self._rules.append(Rule("throttle", model, method, after, seconds=retry_after,
                                times=times))  # fmt: skip

    def calls_to(self, model: str, method: str) -> list[Call]:
        return [c for c in self.calls if c.model == model and c.method == method]

    # --- running a call -----------------------------------------------------------------------

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until no call is running (e.g. one the client gave up on while it was delayed)."""
        deadline = time.monotonic() + timeout
        while self._running and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not self._running, "the stub is still running a call"

    def _run(self, call: Call, work: Any) -> Any:
        with self._lock:
            self._running += 1
        try:
            return self._run_hooked(call, work)
        finally:
            with self._lock:
                self._running -= 1

    def _run_hooked(self, call: Call, work: Any) -> Any:
        self.calls.append(call)
        drop: Rule | None = None
        for rule in self._rules:
            if rule.done or not rule.matches(call):
                continue
            if rule.action == "delay":
                time.sleep(rule.seconds)
                continue
            rule.seen += 1
            if rule.seen <= rule.after:
                continue
            if rule.action == "throttle":
                rule.done = rule.seen - rule.after >= rule.times
                raise Throttled(rule.seconds)
            rule.done = True
            if rule.action == "fail":
                raise OdooFault(rule.fault, rule.message)
            if rule.action == "before":
                self._transaction(lambda work=rule.work: work(self.env(1)))
                continue
            drop = rule
        if drop is not None and not drop.apply:
            raise Dropped()
        result = self._transaction(work)
        if drop is not None:
            raise Dropped()
        return result

    def _transaction(self, work: Any) -> Any:
        assert self._conn is not None
        with self._lock:
            try:
                result = work()
            except BaseException:
                self._conn.rollback()
                raise
            self._conn.commit()
            return result

    def env(self, uid: int, context: dict[str, Any] | None = None) -> Env:
        assert self._conn is not None
        return Env(self._conn, self._catalog, uid, context, self.today)

    def check_login(self, login: str, password: str) -> int | None:
        def find() -> list[tuple[Any, ...]]:
            return self.env(1).sql(
                "SELECT id, password FROM res_users WHERE login = %s AND active", (login,)
            )

        rows = self._transaction(find)
        if not rows:
            return None
        uid, stored = rows[0]
        return uid if self._password_ok(uid, stored, password) else None  # type: ignore[no-any-return]

    def check_uid(self, uid: Any, password: Any) -> int:
        if not isinstance(uid, int) or not isinstance(password, str):
            raise OdooFault("AccessDenied", "Access Denied")
        if (uid, password) in self._verified:
            return uid
        rows = self._transaction(lambda: self.env(1).sql(
            "SELECT password FROM res_users WHERE id = %s AND active", (uid,)))  # fmt: skip
        if not rows or not self._password_ok(uid, rows[0][0], password):
            raise OdooFault("AccessDenied", "Access Denied")
        return uid

    def _password_ok(self, uid: int, stored: str | None, password: str) -> bool:
        if (uid, password) in self._verified:
            return True
        ok = self.api_keys.get(password) == uid or verify_password(password, stored)
        if ok:
            self._verified.add((uid, password))
        return ok

    # --- HTTP ---------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, verb: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        path = request.path.split("?")[0]
        try:
            if verb == "POST" and path.startswith("/xmlrpc/2/"):
                self._send(request, 200, self._xmlrpc(path.rsplit("/", 1)[-1], body), "text/xml")
            elif verb == "POST" and path in ("/jsonrpc", "/web/webclient/version_info"):
                self._send(request, 200, self._jsonrpc(path, body), "application/json")
            elif path.startswith("/json/2/") and self.version < 19:
                self._redirect_to_login(request, path)
            elif verb == "POST" and path.startswith("/json/2/"):
                status, answer = self._json2(request, path, body)
                self._send(request, status, answer, "application/json")
            elif verb == "GET" and path in ("/web/version", "/json/version") and self.version >= 19:
                answer = json.dumps({"version_info": self._version()["server_version_info"],
                                     "version": f"{self.version}.0"}).encode()  # fmt: skip
                self._send(request, 200, answer, "application/json")
            else:
                self._send(request, 404, b"<h1>Not Found</h1>", "text/html")
        except Throttled as throttled:
            page = b"<h1>Too Many Requests</h1>"
            request.send_response(429)
            request.send_header("Retry-After", f"{throttled.retry_after:g}")
            request.send_header("Content-Type", "text/html; charset=utf-8")
            request.send_header("Content-Length", str(len(page)))
            request.end_headers()
            request.wfile.write(page)
        except Dropped:
            request.close_connection = True
            with contextlib.suppress(OSError):
                request.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, request: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
        request.send_response(status)
        request.send_header("Content-Type", f"{kind}; charset=utf-8")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def _redirect_to_login(self, request: BaseHTTPRequestHandler, path: str) -> None:
        target = "/web/login?redirect=" + re.sub(
            r"[^A-Za-z0-9_.\-]", lambda m: f"%{ord(m.group()):02X}", path + "?"
        )
        page = (
            "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
            "<p>You should be redirected automatically to the target URL: "
            f'<a href="{target}">{target}</a>. If not, click the link.\n'
        ).encode()
        request.send_response(303)
        request.send_header("Location", target)
        request.send_header("Content-Type", "text/html; charset=utf-8")
        request.send_header("Content-Length", str(len(page)))
        request.end_headers()
        request.wfile.write(page)

    def _version(self) -> dict[str, Any]:
        serie = f"{self.version}.0"
        return {"server_version": serie,
                "server_version_info": [self.version, 0, 0, "final", 0, ""],
                "server_serie": serie, "protocol_version": 1}  # fmt: skip

    # --- protocols ------------------------------------------------------------------------------

    def dispatch(self, protocol: str, service: str, method: str, params: list[Any]) -> Any:
        """One call of the common or object service (XML-RPC and JSON-RPC share this)."""
        if service == "common":
            call = Call(protocol, "common", "", method, list(params), {})
            if method == "version":
                return self._run(call, self._version)
            if method in ("authenticate", "login"):
                db, login, password = params[0], params[1], params[2]
                if db != self.db_name:
                    raise OdooFault("Exception", f'database "{db}" does not exist')
                uid = self._run(call, lambda: self.check_login(str(login), str(password)))
                return uid or False
            raise OdooFault("Exception", f"Method not found: {method}")
        if service != "object" or method not in ("execute_kw", "execute"):
            raise OdooFault("Exception", f"Method not found: {method}")
        db, uid, password, model, name = params[:5]
        if method == "execute_kw":
            args = list(params[5]) if len(params) > 5 else []
            kwargs = dict(params[6]) if len(params) > 6 and params[6] else {}
        else:
            args, kwargs = list(params[5:]), {}
        call = Call(protocol, "object", str(model), str(name), args, kwargs, uid,
                    kwargs.get("context"))  # fmt: skip
        if db != self.db_name:
            raise OdooFault("Exception", f'database "{db}" does not exist')

        def work() -> Any:
            return self.env(self.check_uid(uid, password)).call(str(model), str(name), args, kwargs)

        return self._run(call, work)

    def _xmlrpc(self, service: str, body: bytes) -> bytes:
        try:
            params, method = xmlrpc.client.loads(body, use_builtin_types=True)
            result = self.dispatch("xmlrpc", service, str(method), list(params))
            text = xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)
        except Exception as exc:
            fault = _as_fault(exc)
            code = XMLRPC_CODES.get(fault.kind, 1)
            message = fault.message if code != 1 else _traceback(fault)
            text = xmlrpc.client.dumps(xmlrpc.client.Fault(code, message), methodresponse=True)
        text = text.replace("<?xml version='1.0'?>", '<?xml version="1.0"?>', 1)
        return text.replace("\n</methodResponse>", "\n\n</methodResponse>").encode()

    def _jsonrpc(self, path: str, body: bytes) -> bytes:
        request: dict[str, Any] = json.loads(body or b"{}")
        params = request.get("params") or {}
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            if path == "/web/webclient/version_info":
                answer["result"] = self._version()
            else:
                answer["result"] = self.dispatch(
                    "jsonrpc", str(params.get("service")), str(params.get("method")),
                    list(params.get("args") or []),
                )  # fmt: skip
        except Exception as exc:
            answer["error"] = {"code": 200, "message": "Odoo Server Error",
                               "data": _serialized(_as_fault(exc))}  # fmt: skip
        return json.dumps(answer).encode()

    def _json2(self, request: BaseHTTPRequestHandler, path: str, body: bytes) -> tuple[int, bytes]:
        _, _, model, method = path.split("/", 4)[1:] if path.count("/") >= 4 else ("", "", "", "")
        auth = request.headers.get("Authorization", "")
        key = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
        uid = self.api_keys.get(key)
        database = request.headers.get("X-Odoo-Database")
        try:
            if uid is None:
                error = _serialized(OdooFault("Unauthorized", "Invalid apikey"))
                error["name"] = "werkzeug.exceptions.Unauthorized"
                error["arguments"] = ["Invalid apikey", 401]
                return 401, json.dumps(error).encode()
            if database not in (None, self.db_name):
                return 404, json.dumps({"name": "werkzeug.exceptions.NotFound",
                                        "message": f"database {database!r} not found"}).encode()  # fmt: skip
            named: dict[str, Any] = json.loads(body or b"{}")
            ids = named.pop("ids", None) or []
            context = named.pop("context", None) or {}
            args = [ids] if method in RECORD_METHODS else []
            call = Call("json2", "object", model, method, args, dict(named), uid, context)
            result = self._run(
                call, lambda: self.env(uid, context).call(model, method, args, named)
            )
            return 200, json.dumps(result).encode()
        except Exception as exc:
            fault = _as_fault(exc)
            return JSON2_STATUS.get(fault.kind, 500), json.dumps(_serialized(fault)).encode()


def _as_fault(exc: Exception) -> OdooFault:
    """Odoo's own exceptions as they are; anything else (a database error …) the way Odoo
    reports an unexpected exception."""
    if isinstance(exc, Dropped | Throttled):
        raise exc
    if isinstance(exc, OdooFault):
        return exc
    return OdooFault(type(exc).__name__, str(exc).strip())


def _exception_name(kind: str) -> str:
    if kind in ODOO_EXCEPTIONS:
        return f"odoo.exceptions.{kind}"
    return f"builtins.{kind}" if kind != "Exception" else "builtins.Exception"


def _traceback(fault: OdooFault) -> str:
    frames = "".join(traceback.format_list(traceback.extract_stack(limit=3)))
    return f"Traceback (most recent call last):\n{frames}{fault.kind}: {fault.message}\n"


def _serialized(fault: OdooFault) -> dict[str, Any]:
    return {"name": _exception_name(fault.kind), "debug": _traceback(fault),
            "message": fault.message, "arguments": [fault.message], "context": {}}  # fmt: skip
