"""Keep secrets out of text that leaves the process (logs, errors, pages, API answers).

Secrets are removed where they stand as *values*, whole, never as pieces of other words:

- a URL's password, found by SQLAlchemy's own URL parser (the one every DSN here goes through),
  so ``postgresql://u:Sl4sh/Pw@h/db`` loses ``Sl4sh/Pw`` whole;
- the value of every secret key (``password``, ``sslpassword``, ``client_secret``, ``token`` …)
  in a URL query (``?sslpassword=…&``), a libpq conninfo (``password='a b' host=…``), a JSON or
  Python mapping (``"password": "…"``) and headers (``Authorization: Bearer …``, ``X-API-Key``);
- each configured secret value (``Settings.secret_values()``) as a whole token: anywhere when it
  is long (``LONG_SECRET`` characters or more), and after ``=`` or ``:`` when it is short. A
  short password such as ``admin`` is never cut out of ``administrator``: that garbled the text
  and showed the secret to whoever read it (issue 18).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MASK = "***"
LONG_SECRET = 8  # a configured secret this long is masked as a whole token anywhere
SHORT_SECRET = 4  # shorter configured secrets are too common as text to look for at all

# Keys whose value is a secret, in URL queries, libpq conninfo, mappings and log pairs.
SECRET_KEYS = (
    "password",
    "passwd",
    "pwd",
    "pass",
    "sslpassword",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "api_key",
    "apikey",
)
_KEYS = "|".join(sorted(SECRET_KEYS, key=len, reverse=True))
_PLACEHOLDERS = {"password", "pass", "pw", "<password>", MASK}

_URL = re.compile(r"[A-Za-z][\w+.-]*://\S*")
_QUERY_PAIR = re.compile(rf"(?i)(?P<pre>[?&;](?:{_KEYS})=)(?P<value>[^&#\s'\"]*)")
_CONNINFO_PAIR = re.compile(
    rf"(?i)(?P<pre>(?<![\w?&;.-])(?:{_KEYS})\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'?|\S+)"
)
_MAPPING_PAIR = re.compile(
    rf"(?i)(?P<pre>(?P<q>[\"'])(?:{_KEYS})(?P=q)\s*:\s*(?P<v>[\"']))"
    r"(?P<value>(?:(?!(?P=v))[^\\]|\\.)*)"
)
# SQLAlchemy's reading of ``name://username:password@`` (username [^:/]*, password [^@]*), for
# text it will not parse whole (a port that is not a number, a scheme with a dot).
_USERINFO = re.compile(r"^[^:/]+://[^:/@]*:(?P<pw>[^@]*)@")
_AUTH_HEADER = re.compile(
    r"(?i)(?P<pre>\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|negotiate)\s+)?)"
    r"(?P<value>[^\s,;'\"]+)"
)
_KEY_HEADER = re.compile(r"(?i)(?P<pre>\b(?:x-api-key|api-key)\s*:\s*)(?P<value>[^\s,;'\"]+)")
_COOKIE_HEADER = re.compile(r"(?i)(?P<pre>\b(?:set-)?cookie\s*:\s*)(?P<value>[^\r\n'\"]+)")
# A bearer token in prose: 8+ token characters with a digit or punctuation in them (so "Bearer
# authentication" stays a phrase).
_BEARER = re.compile(
    r"(?P<pre>\b[Bb]earer\s+)(?P<value>(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,})"
)


def _masked(match: re.Match[str]) -> str:
    return match["pre"] + MASK if match["value"] else match[0]


def _parsed_password(url: str) -> tuple[int, int] | None:
    """Where the password of ``url`` (one URL, as text) is, as SQLAlchemy reads it."""
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        fallback = _USERINFO.match(url)
        return fallback.span("pw") if fallback else None
    if password is None:
        return None
    colon = url.index(":", url.index("://") + 3)  # the username holds no ':'
    return colon + 1, url.index("@", colon + 1)  # the password no '@'


def _redact_one_url(url: str) -> str:
    span = _parsed_password(url)
    if span is not None:
        start, end = span
        if url[start:end].lower() not in _PLACEHOLDERS and unquote(url[start:end]):
            url = url[:start] + MASK + url[end:]
    return _QUERY_PAIR.sub(_masked, url)


def redact_url(text: str) -> str:
    """Every URL in ``text`` with its password and secret query values masked:
    ``postgresql://u:pw@h/db?sslpassword=k`` → ``postgresql://u:***@h/db?sslpassword=***`` (the
    placeholder word ``password`` in an example URL is left alone)."""
    return _URL.sub(lambda m: _redact_one_url(m[0]), text)


def _conninfo_value(raw: str) -> str:
    if raw.startswith("'"):
        return re.sub(r"\\(.)", r"\1", raw[1:-1] if raw.endswith("'") and len(raw) > 1 else raw[1:])
    return raw


def value_secrets(raw: str) -> list[str]:
    """The secrets inside one DSN-like value (URL or libpq conninfo): its password and the
    values of secret keys, as written and decoded."""
    found: list[str] = []
    if "://" in raw:
        span = _parsed_password(raw)
        if span is not None:
            written = raw[span[0] : span[1]]
            found += [written, unquote(written)]
        found += [unquote(m["value"]) for m in _QUERY_PAIR.finditer(raw)]
        found += [m["value"] for m in _QUERY_PAIR.finditer(raw)]
    else:
        found += [_conninfo_value(m["value"]) for m in _CONNINFO_PAIR.finditer(raw)]
    return [value for value in dict.fromkeys(found) if value and value.lower() != MASK]


_CONNINFO = re.compile(r"\s*(?:\w+\s*=\s*(?:'(?:[^'\\]|\\.)*'|[^\s']+)\s*)+")


def redact_value(raw: str) -> str:
    """A whole connection setting as it may be shown: a URL or a libpq conninfo with its secrets
    masked; anything else is masked whole."""
    if "://" in raw:
        return redact_url(raw)
    if _CONNINFO.fullmatch(raw):
        return _CONNINFO_PAIR.sub(_masked, raw)
    return MASK


def _known(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if len(s) >= SHORT_SECRET}, key=len, reverse=True):
        value = re.escape(secret)
        if len(secret) >= LONG_SECRET:
            text = re.sub(rf"(?<!\w){value}(?!\w)", MASK, text)
        else:
            text = re.sub(rf"(?P<pre>[=:]\s*[\"']?){value}(?!\w)", rf"\g<pre>{MASK}", text)
    return text


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without URL passwords, secret key/value pairs, credentials in headers, and the
    configured ``secrets`` where they stand as values (see the module's docstring)."""
    cleaned = redact_url(text)
    for pattern in (_MAPPING_PAIR, _CONNINFO_PAIR, _AUTH_HEADER, _KEY_HEADER, _COOKIE_HEADER):
        cleaned = pattern.sub(_masked, cleaned)
    cleaned = _BEARER.sub(_masked, cleaned)
    return _known(cleaned, secrets)
