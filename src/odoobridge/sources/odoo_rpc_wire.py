"""Odoo's three external-API wire formats, encoded and decoded; faults turned into plain data.

The client (:mod:`odoobridge.sources.odoo_rpc`) sends and retries; this module only knows bytes:

- XML-RPC (``/xmlrpc/2/common``, ``/xmlrpc/2/object``): ``xmlrpc.client.dumps(params, method,
  allow_none=True)`` as the body, ``text/xml``. A fault comes back with HTTP 200 and an int
  ``faultCode``: 1 any other exception (the faultString is a traceback), 2 UserError and its
  kin (MissingError, ValidationError, unknown model), 3 AccessDenied, 4 AccessError.
- JSON-RPC (``/jsonrpc``): ``{"jsonrpc": "2.0", "method": "call", "params": {"service",
  "method", "args"}, "id"}``; an error is ``{"error": {"code": 200, "message": "Odoo Server
  Error", "data": {"name": "odoo.exceptions.MissingError", "message", "arguments", "context",
  "debug"}}}``, also with HTTP 200.
- JSON-2 (Odoo 19, ``/json/2/<model>/<method>``): the body holds the method's *named*
  arguments plus ``ids`` and ``context``; ``Authorization: bearer <API key>``; success is HTTP
  200 with the JSON value, an error a 4xx/5xx with ``{"name", "message", "arguments",
  "context", "debug"}`` (401 ``werkzeug.exceptions.Unauthorized`` for a bad key).
"""

from __future__ import annotations

import itertools
import json
import xmlrpc.client
from dataclasses import dataclass
from typing import Any

IDS = "ids"  # marks the positional argument that JSON-2 takes as the ``ids`` key

# Positional parameters of the ORM methods, so a positional call can go out as JSON-2's named one.
POSITIONAL_NAMES: dict[str, tuple[str, ...]] = {
    "search_read": ("domain", "fields", "offset", "limit", "order"),
    "search": ("domain", "offset", "limit", "order"),
    "search_count": ("domain", "limit"),
    "read": (IDS, "fields", "load"),
    "create": ("vals_list",),
    "write": (IDS, "vals"),
    "unlink": (IDS,),
    "copy": (IDS, "default"),
    "fields_get": ("allfields", "attributes"),
    "check_access_rights": ("operation", "raise_exception"),
    "has_access": (IDS, "operation"),
    "name_search": ("name", "domain", "operator", "limit"),
    "context_get": (),
    "default_get": ("fields_list",),
}


@dataclass(frozen=True)
class Fault:
    """What Odoo said went wrong: its exception's name (when the protocol tells it), its own
    message, and the protocol's code (XML-RPC faultCode or JSON-2 HTTP status)."""

    kind: str  # AccessDenied, AccessError, MissingError, ValidationError, UserError or "" (other)
    message: str
    code: int = 0


class Undecodable(Exception):
    """The answer is not the protocol's format (a proxy's page, a redirect, a truncated body)."""


_ids = itertools.count(1)


# --- XML-RPC ----------------------------------------------------------------------------------


def xmlrpc_body(method: str, params: tuple[Any, ...]) -> bytes:
    return xmlrpc.client.dumps(params, method, allow_none=True).encode()


def xmlrpc_result(body: bytes) -> Any:
    """The returned value, or a :class:`Fault`."""
    parser, unmarshaller = xmlrpc.client.getparser(use_builtin_types=True)
    try:
        parser.feed(body)
        parser.close()
        values = unmarshaller.close()
    except xmlrpc.client.Fault as fault:
        return xmlrpc_fault(int(fault.faultCode), str(fault.faultString))
    except Exception as exc:  # expat errors, a body that is not a methodResponse
        raise Undecodable(f"not an XML-RPC answer ({type(exc).__name__})") from None
    return values[0] if len(values) == 1 else list(values)


def xmlrpc_fault(code: int, text: str) -> Fault:
    if code == 3:
        return Fault("AccessDenied", text, code)
    if code == 4:
        return Fault("AccessError", text, code)
    if code == 2:
        if text.startswith("Record does not exist or has been deleted"):
            return Fault("MissingError", text, code)
        if text.startswith("The operation cannot be completed"):  # a constraint, as Odoo words it
            return Fault("ValidationError", text, code)
        return Fault("UserError", text, code)
    return Fault("", last_line(text), code)


def last_line(text: str) -> str:
    """The exception line that ends a traceback (the whole text when it is not one)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if lines and text.lstrip().startswith("Traceback"):
        return lines[-1].strip()
    return text.strip()


# --- JSON-RPC ---------------------------------------------------------------------------------


def jsonrpc_body(service: str, method: str, args: list[Any]) -> bytes:
    payload = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {"service": service, "method": method, "args": args},
        "id": next(_ids),
    }
    return json.dumps(payload).encode()


def jsonrpc_result(body: bytes) -> Any:
    try:
        answer = json.loads(body)
    except ValueError:
        raise Undecodable("not a JSON-RPC answer (the body is not JSON)") from None
    if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
        raise Undecodable("not a JSON-RPC answer (no result and no error)")
    if "error" in answer:
        return _error_object(answer["error"])
    return answer["result"]


def _error_object(error: Any) -> Fault:
    if not isinstance(error, dict):
        return Fault("", str(error))
    data: dict[str, Any] = error["data"] if isinstance(error.get("data"), dict) else {}
    name = str(data.get("name") or "")
    message = str(data.get("message") or error.get("message") or "")
    return Fault(kind_of(name), message, int(error.get("code") or 0))


def kind_of(exception_name: str) -> str:
    """``odoo.exceptions.MissingError`` → ``MissingError`` (RedirectWarning counts as UserError)."""
    short = exception_name.rsplit(".", 1)[-1]
    if short == "RedirectWarning":
        return "UserError"
    if short in {"AccessDenied", "AccessError", "MissingError", "ValidationError", "UserError"}:
        return short
    return ""


# --- JSON-2 -----------------------------------------------------------------------------------


def json2_payload(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """The JSON-2 body: positional arguments renamed after the method's parameters."""
    payload: dict[str, Any] = {}
    if args:
        names = POSITIONAL_NAMES.get(method)
        if names is None:
            # A record method (action_…): the first positional argument is the records.
            names = (IDS,) if len(args) == 1 else ()
        if len(args) > len(names):
            raise TypeError(
                f"JSON-2 takes named arguments: call {method} with keywords "
                f"(its positional parameters are not known here)"
            )
        payload.update(zip(names, args, strict=False))
    payload.update(kwargs)
    if method == "create" and isinstance(payload.get("vals_list"), dict):
        payload["vals_list"] = [payload["vals_list"]]
    payload["context"] = context
    return payload


def json2_result(status: int, body: bytes) -> Any:
    try:
        answer = json.loads(body) if body else None
    except ValueError:
        raise Undecodable(f"not a JSON-2 answer (HTTP {status}, the body is not JSON)") from None
    if status == 200:
        return answer
    if isinstance(answer, dict) and "message" in answer:
        name = str(answer.get("name") or "")
        kind = kind_of(name)
        if status == 401 or name.endswith("Unauthorized"):
            kind = "AccessDenied"
        return Fault(kind, str(answer["message"]), status)
    raise Undecodable(f"not a JSON-2 answer (HTTP {status})")
