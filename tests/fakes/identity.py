"""A fake Microsoft identity platform and Microsoft Graph on https://127.0.0.1 (real TLS, a CA made
for the test), for the real MSAL and httpx to talk to.

Identity (following https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc and the
client-credentials flow): ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and
``POST /{tenant}/oauth2/v2.0/token`` (client secret or a certificate's signed assertion). Errors
have the AADSTS shape (``error``, ``error_description``, ``error_codes``).

Graph (see :mod:`tests.fakes.graph_directory`): ``GET /v1.0/users`` and ``GET /v1.0/users/delta``.

Web sign-in (see :mod:`tests.fakes.identity_signin`): ``GET /{tenant}/oauth2/v2.0/authorize``,
the ``authorization_code`` grant with PKCE on the token endpoint, and ``GET /v1.0/me``.

Routes live in a table (:meth:`FakeIdentityPlatform.route`). Faults are queued per route name::

    fake.fail("users", Fault(429, headers={"Retry-After": "3"}))   # once, then normal
    fake.fail("delta", Fault(410))
    fake.fail("users", Fault(transform=lambda body: …))             # tamper with a real answer
"""

from __future__ import annotations

import json
import re
import secrets
import ssl
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt

from tests.fakes.certs import ServerTls, make_server_tls
from tests.fakes.graph_directory import FakeDirectory
from tests.fakes.identity_signin import FakeSignIn

TENANT_ID = "7c1e4c2a-3b5d-4e6f-8a9b-0c1d2e3f4a5b"
CLIENT_ID = "0b7d1f3e-5a6c-4d8e-9f0a-1b2c3d4e5f60"
CLIENT_SECRET = "fake-Secret~s3cr3t.Value_0123456789"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    match: dict[str, str] = field(default_factory=dict)
    route: str = ""

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200, **headers: str) -> Answer:
        return cls(
            status, json.dumps(value).encode(), {"Content-Type": "application/json", **headers}
        )


@dataclass
class Fault:
    """Answer a request with this instead (``transform``: change the real JSON answer)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    transform: Callable[[dict[str, Any]], Any] | None = None

    def answer(self) -> Answer:
        if isinstance(self.body, bytes):
            return Answer(
                self.status, self.body, {"Content-Type": "application/json", **self.headers}
            )
        body = self.body if self.body is not None else _graph_error(self.status)
        return Answer.json(body, self.status, **self.headers)


def _graph_error(status: int) -> dict[str, Any]:
    code = {
        429: ("TooManyRequests", "Too many requests."),
        503: ("serviceNotAvailable", "Service unavailable."),
        504: ("gatewayTimeout", "Gateway timeout."),
        410: ("syncStateInvalid", "Resync required. The delta token is no longer valid."),
        403: ("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
        401: ("InvalidAuthenticationToken", "Access token has expired or is not yet valid."),
    }.get(status, ("generalException", "General exception while processing."))
    return graph_error_body(*code)


def graph_error_body(code: str, message: str) -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
                "request-id": str(uuid.uuid4()),
                "client-request-id": str(uuid.uuid4()),
            },
        }
    }


def aadsts(status: int, error: str, code: int, text: str) -> Answer:
    return Answer.json(
        {
            "error": error,
            "error_description": f"AADSTS{code}: {text} Trace ID: {uuid.uuid4()} "
            f"Correlation ID: {uuid.uuid4()} Timestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ')}",
            "error_codes": [code],
            "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ"),
            "trace_id": str(uuid.uuid4()),
            "correlation_id": str(uuid.uuid4()),
        },
        status,
    )


Handler = Callable[[Request], Answer]


class FakeIdentityPlatform:
    def __init__(
        self,
        workdir: Path,
        *,
        tenant_id: str = TENANT_ID,
        client_id: str = CLIENT_ID,
        client_secret: str | None = CLIENT_SECRET,
        token_lifetime: int = 3599,
    ) -> None:
        self.tls: ServerTls = make_server_tls(workdir / "tls")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.client_certificates: list[Any] = []  # public keys whose assertions are accepted
        self.token_lifetime = token_lifetime
        self.app_roles: set[str] = {"User.Read.All"}
        self.tokens: dict[str, tuple[float, str]] = {}  # access token → (expiry, scope)
        self.requests: list[Request] = []
        self.faults: dict[str, deque[Fault]] = defaultdict(deque)
        self.routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.route(
            "GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", "discovery"
        )(self._discovery)
        self.route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", "token")(self._token)
        self.directory = FakeDirectory(self)
        self.signin = FakeSignIn(self)

    # --- routing -------------------------------------------------------------------------

    def route(self, method: str, pattern: str, name: str) -> Callable[[Handler], Handler]:
        """Register ``handler(request) -> Answer`` for ``method`` and a full-match path regex."""

        def register(handler: Handler) -> Handler:
            self.routes.append((method, re.compile(pattern), name, handler))
            return handler

        return register

    def fail(self, name: str, *faults: Fault) -> None:
        self.faults[name].extend(faults)

    def calls(self, name: str) -> list[Request]:
        return [r for r in self.requests if r.route == name]

    def dispatch(self, request: Request) -> Answer:
        with self._lock:
            for method, pattern, name, handler in self.routes:
                found = pattern.fullmatch(request.path)
                if method != request.method or found is None:
                    continue
                request.match, request.route = found.groupdict(), name
                self.requests.append(request)
                name = self.directory.route_name(request, name)
                request.route = name
                fault = self.faults[name].popleft() if self.faults[name] else None
                if fault is not None and fault.transform is None:
                    return fault.answer()
                answer = handler(request)
                if fault is not None and fault.transform is not None and answer.status == 200:
                    changed = fault.transform(json.loads(answer.body))
                    body = changed if isinstance(changed, bytes) else json.dumps(changed).encode()
                    answer = Answer(200, body, answer.headers)
                return answer
            return Answer.json(graph_error_body("BadRequest", f"no route {request.path}"), 404)

    # --- server --------------------------------------------------------------------------

    def start(self) -> FakeIdentityPlatform:
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms stalls
            wbufsize = 1 << 16

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                answer = fake.dispatch(request)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return None

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.tls.cert_pem, self.tls.key_pem)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeIdentityPlatform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def authority_host(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def graph_base_url(self) -> str:
        return f"{self.authority_host}/v1.0"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """The product's settings for talking to this fake (live mode)."""
        values: dict[str, Any] = {
            "AZURE_TENANT_ID": self.tenant_id,
            "AZURE_CLIENT_ID": self.client_id,
            "AZURE_CLIENT_SECRET": self.client_secret,
            "ODOOBRIDGE_AZURE_AUTHORITY_HOST": self.authority_host,
            "ODOOBRIDGE_GRAPH_BASE_URL": self.graph_base_url,
            "ODOOBRIDGE_AZURE_CA_BUNDLE": str(self.tls.ca_pem),
            "ALLOW_SYNC_MOCKS": "0",
        }
        values.update(overrides)
        return values

    # --- identity platform ---------------------------------------------------------------

    def _unknown_tenant(self, tenant: str) -> Answer | None:
        if tenant == self.tenant_id:
            return None
        return aadsts(
            400,
            "invalid_tenant",
            90002,
            f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID "
            "and are signing into the correct cloud.",
        )

    def _discovery(self, request: Request) -> Answer:
        tenant = request.match["tenant"]
        refusal = self._unknown_tenant(tenant)
        if refusal is not None:
            return refusal
        base = f"{self.authority_host}/{tenant}"
        return Answer.json(
            {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "private_key_jwt",
                    "client_secret_basic",
                ],
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_modes_supported": ["query", "fragment", "form_post"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "issuer": f"{base}/v2.0",
                "request_uri_parameter_supported": False,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
            }
        )

    def _client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        if "client_secret" in form:
            return self.client_secret is not None and form["client_secret"] == self.client_secret
        assertion = form.get("client_assertion")
        if not assertion:
            return False
        audience = f"{self.authority_host}/{request.match['tenant']}/oauth2/v2.0/token"
        for public_key in self.client_certificates:
            try:
                claims = jwt.decode(
                    assertion, public_key, algorithms=["RS256", "PS256"], audience=audience
                )
            except jwt.PyJWTError:
                continue
            if claims.get("iss") == claims.get("sub") == self.client_id:
                return True
        return False

    def _token(self, request: Request) -> Answer:
        refusal = self._unknown_tenant(request.match["tenant"])
        if refusal is not None:
            return refusal
        form = request.form
        grant_type = form.get("grant_type")
        if grant_type not in ("client_credentials", "authorization_code"):
            return aadsts(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        if form.get("client_id") != self.client_id:
            return aadsts(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found in the "
                f"directory '{self.tenant_id}'.",
            )
        if not self._client_authenticated(request, form):
            return aadsts(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                "the client secret value, not the client secret ID.",
            )
        if grant_type == "authorization_code":
            return self.signin.redeem(request, form)
        scope = form.get("scope", "")
        if not scope.endswith("/.default"):
            return aadsts(
                400, "invalid_scope", 1002012, f"The provided value for scope {scope} is not valid."
            )
        token = f"fake-at-{secrets.token_urlsafe(24)}"
        self.tokens[token] = (time.time() + self.token_lifetime, scope)
        return Answer.json(
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            }
        )

    def revoke_tokens(self) -> None:
        """Graph stops accepting every token issued so far (the next call answers 401)."""
        with self._lock:
            self.tokens.clear()

    def check_bearer(self, request: Request) -> Answer | None:
        """Graph's answer when the request's token is not acceptable, else ``None``."""
        header = request.headers.get("authorization", "")
        token = header.removeprefix("Bearer ").strip()
        expiry, scope = self.tokens.get(token, (0.0, ""))
        if expiry < time.time():
            return Answer.json(_graph_error(401), 401)
        if scope != GRAPH_SCOPE:
            return Answer.json(
                graph_error_body(
                    "InvalidAuthenticationToken",
                    "Access token validation failure. Invalid audience.",
                ),
                401,
            )
        return None
