"""The settings of one Odoo API client (:class:`OdooRpcConfig`), checked when made: the URL, the
database, the login with its password or API key, the protocol, the timeout and the context sent
with every call. ``OdooRpcConfig.from_settings`` reads them from ``ODOO_*`` variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import SecretStr

from odoobridge.errors import ConfigError

if TYPE_CHECKING:
    from odoobridge.settings import Settings

Protocol = Literal["xmlrpc", "jsonrpc", "json2"]
PROTOCOLS: tuple[Protocol, ...] = ("xmlrpc", "jsonrpc", "json2")
RETRIES = 2  # new attempts to connect, by default


@dataclass(frozen=True)
class OdooRpcConfig:
    url: str
    db: str
    username: str
    password: SecretStr | None = None
    api_key: SecretStr | None = None
    protocol: Protocol = "xmlrpc"
    timeout: float = 30.0
    context: dict[str, Any] = field(default_factory=dict)
    retries: int = RETRIES
    names: str = "ODOO"  # the settings' prefix in messages: ODOO_URL, or ODOO_PROD_URL …

    def setting(self, suffix: str) -> str:
        """The name of the setting that holds ``suffix`` (``URL`` → ``ODOO_URL``)."""
        return f"{self.names}_{suffix}"

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(
                f"{self.setting('URL')} {self.url!r} is not a URL: use https://odoo.example.com"
            )
        if self.protocol not in PROTOCOLS:
            raise ConfigError(
                f"ODOOBRIDGE_ODOO_PROTOCOL {self.protocol!r} is not known: use xmlrpc, "
                "jsonrpc or json2"
            )
        if self.protocol == "json2" and self.api_key is None:
            raise ConfigError(
                f"{self.setting('API_KEY')} is not set: Odoo 19's JSON-2 API "
                "(ODOOBRIDGE_ODOO_PROTOCOL=json2) takes an API key (Preferences → Account "
                "Security → New API Key)"
            )
        if self.password is None and self.api_key is None:
            raise ConfigError(
                f"{self.setting('PASSWORD')} or {self.setting('API_KEY')} must be set to call "
                "Odoo's API"
            )

    @property
    def secret(self) -> str:
        """What goes where Odoo expects the password (an API key works there too)."""
        chosen = self.api_key if self.api_key is not None else self.password
        assert chosen is not None
        return chosen.get_secret_value()

    @classmethod
    def from_settings(cls, settings: Settings) -> OdooRpcConfig:
        missing = [
            name
            for name, value in (
                ("ODOO_URL", settings.odoo_url),
                ("ODOO_DB", settings.odoo_db),
                ("ODOO_USERNAME", settings.odoo_username),
            )
            if not value
        ]
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: "
                "Odoo's API needs ODOO_URL, ODOO_DB, ODOO_USERNAME and ODOO_PASSWORD or "
                "ODOO_API_KEY"
            )
        assert settings.odoo_url and settings.odoo_db and settings.odoo_username
        return cls(
            url=settings.odoo_url.rstrip("/"),
            db=settings.odoo_db,
            username=settings.odoo_username,
            password=settings.odoo_password,
            api_key=settings.odoo_api_key,
            protocol=settings.odoo_protocol,
            timeout=settings.odoo_rpc_timeout,
            context=settings.odoo_context(),
            retries=settings.odoo_rpc_retries,
        )
