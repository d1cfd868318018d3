"""Notification channels, configured by name in ``ODOOBRIDGE_NOTIFY_FILE`` (YAML) and/or
``ODOOBRIDGE_NOTIFY_CHANNELS`` (the same mapping as JSON)::

    channels:
      ops-mail:   {kind: email, host: smtp.example.com, port: 587, security: starttls,
                   username: alerts@example.com, password: "${SMTP_PASSWORD}",
                   sender: alerts@example.com, to: [ops@example.com]}
      ops-teams:  {kind: teams, url: "${TEAMS_WORKFLOW_URL}"}     # a Teams workflow's URL
      ops-slack:  {kind: slack, url: "${SLACK_WEBHOOK_URL}"}      # a Slack incoming webhook
      siem:       {kind: webhook, url: https://siem.example.com/hooks/odoobridge,
                   secret: "${SIEM_WEBHOOK_SECRET}"}

``${NAME}`` is replaced by the environment variable NAME, so the file need hold no secret.
Passwords, webhook secrets and the Teams, Slack and webhook URLs (their paths carry tokens) are
secrets: they are never shown, logged or put in an error.
"""

from __future__ import annotations

import json
import os
import re
from abc import abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, TypeAdapter, ValidationError

from odoobridge.errors import ConfigError
from odoobridge.settings import Settings

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class _Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""

    def secrets(self) -> list[str]:
        """Every secret value of the channel (and the tokens inside its URL), for redaction."""
        found: list[str] = []
        for value in self.__dict__.values():
            if isinstance(value, SecretStr) and value.get_secret_value():
                found.extend(_secret_parts(value.get_secret_value()))
        return found

    @abstractmethod
    def describe(self) -> str:
        """Where the channel sends, without any secret (for lists and pages)."""


def _secret_parts(raw: str) -> list[str]:
    parts = [raw]
    if "://" in raw:
        split = urlsplit(raw)
        parts += [p for p in split.path.split("/") if len(p) >= 8]
        parts += [v for _k, v in parse_qsl(split.query) if len(v) >= 8]
        if split.password:
            parts.append(split.password)
    return parts


def _host_of(url: SecretStr) -> str:
    return urlsplit(url.get_secret_value()).hostname or "?"


class EmailChannel(_Channel):
    kind: Literal["email"]
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    to: list[Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")]] = Field(min_length=1)

    def describe(self) -> str:
        return f"e-mail via {self.host} to {', '.join(self.to)}"


class TeamsChannel(_Channel):
    kind: Literal["teams"]
    url: SecretStr

    def describe(self) -> str:
        return f"Microsoft Teams workflow at {_host_of(self.url)}"


class SlackChannel(_Channel):
    kind: Literal["slack"]
    url: SecretStr

    def describe(self) -> str:
        return f"Slack incoming webhook at {_host_of(self.url)}"


class WebhookChannel(_Channel):
    kind: Literal["webhook"]
    url: SecretStr
    secret: SecretStr

    def describe(self) -> str:
        return f"signed webhook to {_host_of(self.url)}"


Channel = Annotated[
    EmailChannel | TeamsChannel | SlackChannel | WebhookChannel, Field(discriminator="kind")
]
_CHANNEL: TypeAdapter[EmailChannel | TeamsChannel | SlackChannel | WebhookChannel] = TypeAdapter(
    Channel
)
KINDS = ("email", "teams", "slack", "webhook")
AnyChannel = EmailChannel | TeamsChannel | SlackChannel | WebhookChannel


def expand_environment(value: Any, where: str) -> Any:
    """Replace ``${NAME}`` in every string of ``value`` by the environment variable NAME."""
    if isinstance(value, str):

        def lookup(match: re.Match[str]) -> str:
            name = match[1]
            if name not in os.environ:
                raise ConfigError(f"{where} uses ${{{name}}}, which is not set: export {name}")
            return os.environ[name]

        return _ENV_REFERENCE.sub(lookup, value)
    if isinstance(value, list):
        return [expand_environment(item, where) for item in value]
    if isinstance(value, dict):
        return {key: expand_environment(item, where) for key, item in value.items()}
    return value


def parse_channels(document: Any, origin: str) -> dict[str, AnyChannel]:
    """The channels of one document (a mapping, optionally under ``channels:``)."""
    if isinstance(document, Mapping) and "channels" in document:
        document = document["channels"]
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError(f"{origin}: write the channels as a mapping, name → settings")
    found: dict[str, AnyChannel] = {}
    for name, raw in document.items():
        where = f"{origin}: channel {name!r}"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(f"{where}: use letters, digits, '-', '_' or '.' for its name")
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: give its settings as a mapping with a kind")
        try:
            channel = _CHANNEL.validate_python(
                {**expand_environment(dict(raw), where), "name": name}
            )
        except ValidationError as exc:
            raise ConfigError(f"{where}: {_first_problem(exc)}") from None
        found[name] = channel
    return found


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_url=False, include_input=False)[0]
    if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        return f"kind must be one of {', '.join(KINDS)}"
    loc = list(error["loc"])
    location = ".".join(str(part) for part in (loc[1:] if loc and loc[0] in KINDS else loc))
    return f"{location}: {error['msg']}" if location else str(error["msg"])


def _read_file(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"ODOOBRIDGE_NOTIFY_FILE {path} cannot be read ({exc.strerror}): check the path"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"ODOOBRIDGE_NOTIFY_FILE {path} is not valid YAML{line}") from None


def load_channels(settings: Settings) -> dict[str, AnyChannel]:
    """Every configured channel by name (the file's and the setting's; a name may appear once)."""
    found: dict[str, AnyChannel] = {}
    if settings.notify_file is not None:
        found.update(parse_channels(_read_file(settings.notify_file), "ODOOBRIDGE_NOTIFY_FILE"))
    if settings.notify_channels is not None and settings.notify_channels.get_secret_value():
        try:
            inline = json.loads(settings.notify_channels.get_secret_value())
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"ODOOBRIDGE_NOTIFY_CHANNELS is not valid JSON (line {exc.lineno}, column "
                f"{exc.colno}): write a mapping of name → channel settings"
            ) from None
        for name, channel in parse_channels(inline, "ODOOBRIDGE_NOTIFY_CHANNELS").items():
            if name in found:
                raise ConfigError(
                    f"channel {name!r} is defined in both ODOOBRIDGE_NOTIFY_FILE and "
                    "ODOOBRIDGE_NOTIFY_CHANNELS: keep one"
                )
            found[name] = channel
    return found


def channels_named(channels: Mapping[str, AnyChannel], names: list[str]) -> list[AnyChannel]:
    """The channels called ``names``; an unknown name is an error listing the known ones."""
    chosen: list[AnyChannel] = []
    for name in names:
        if name not in channels:
            known = ", ".join(sorted(channels)) or "none is configured"
            raise ConfigError(
                f"there is no notification channel {name!r} (known: {known}): define it in "
                "ODOOBRIDGE_NOTIFY_FILE or ODOOBRIDGE_NOTIFY_CHANNELS"
            )
        chosen.append(channels[name])
    return chosen
