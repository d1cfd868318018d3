"""Every setting OdooBridge reads, in one pydantic-settings class.

A field ``foo`` is read from ``ODOOBRIDGE_FOO``; the names users already have (``DATABASE_URL``,
``ODOO_PROD_DSN``, ``AZURE_TENANT_ID`` … — DESIGN.md's list) are explicit aliases. Values come
from the process environment and an optional ``.env`` file in the working directory; code and
tests may also pass them by environment name (``Settings(ODOOBRIDGE_PORT=8000)``). Secrets are
``SecretStr``: redacted wherever a setting is shown (``config show``, logs, errors). README's
configuration table and ``.env.example`` document every one (a test checks both).
"""

from __future__ import annotations

import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger
from limits import parse as parse_rate
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.redact import redact_url, redact_value, value_secrets

PREFIX = "ODOOBRIDGE_"
PLACEHOLDERS = ("change_me", "changeme", "placeholder", "example")


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "odoobridge"


def _alias(name: str) -> Any:
    """An optional field read from a name users already have, not ``ODOOBRIDGE_…``."""
    return Field(default=None, validation_alias=name)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    # --- local store ---------------------------------------------------------------------------
    database_url: SecretStr | None = _alias("DATABASE_URL")  # default: SQLite in data_dir
    data_dir: Path = Field(default_factory=default_data_dir)
    retention_days: int | None = Field(default=None, ge=1)

    # --- Odoo PostgreSQL -----------------------------------------------------------------------
    odoo_preprod_dsn: SecretStr | None = _alias("ODOO_PREPROD_DSN")
    odoo_prod_dsn: SecretStr | None = _alias("ODOO_PROD_DSN")
    odoo_environment: Environment = Field(Environment.PREPROD, validation_alias="ODOO_ENVIRONMENT")
    odoo_lang: str = "en_US"  # language of translated names (falls back to en_US, then any)
    odoo_connect_timeout: int = Field(10, ge=1)
    odoo_statement_timeout: int = Field(300, ge=1)
    odoo_batch_size: int = Field(10_000, ge=100)

    # --- Odoo's external API (XML-RPC, JSON-RPC, JSON-2) ------------------------------------
    odoo_url: str | None = _alias("ODOO_URL")
    odoo_db: str | None = _alias("ODOO_DB")
    odoo_username: str | None = _alias("ODOO_USERNAME")
    odoo_password: SecretStr | None = _alias("ODOO_PASSWORD")
    odoo_api_key: SecretStr | None = _alias("ODOO_API_KEY")  # required for json2
    odoo_protocol: Literal["xmlrpc", "jsonrpc", "json2"] = "jsonrpc"
    odoo_rpc_timeout: float = Field(30.0, gt=0)
    odoo_rpc_retries: int = Field(2, ge=0, le=10)
    odoo_context_lang: str | None = None
    odoo_context_tz: str | None = None
    odoo_context_company_ids: str | None = None  # "1,2": sent as allowed_company_ids

    # --- Odoo's security model over the API, per environment (Odoo Online, Odoo.sh) -------
    # postgres or api; default postgres when a DSN is set, else api when ODOO_<ENV>_URL is set
    odoo_preprod_source: Literal["postgres", "api"] | None = _alias("ODOO_PREPROD_SOURCE")
    odoo_prod_source: Literal["postgres", "api"] | None = _alias("ODOO_PROD_SOURCE")
    odoo_preprod_url: str | None = _alias("ODOO_PREPROD_URL")
    odoo_prod_url: str | None = _alias("ODOO_PROD_URL")
    odoo_preprod_db: str | None = _alias("ODOO_PREPROD_DB")
    odoo_prod_db: str | None = _alias("ODOO_PROD_DB")
    odoo_preprod_username: str | None = _alias("ODOO_PREPROD_USERNAME")
    odoo_prod_username: str | None = _alias("ODOO_PROD_USERNAME")
    odoo_preprod_password: SecretStr | None = _alias("ODOO_PREPROD_PASSWORD")
    odoo_prod_password: SecretStr | None = _alias("ODOO_PROD_PASSWORD")
    odoo_preprod_api_key: SecretStr | None = _alias("ODOO_PREPROD_API_KEY")
    odoo_prod_api_key: SecretStr | None = _alias("ODOO_PROD_API_KEY")
    odoo_api_page_size: int = Field(500, ge=10, le=10_000)  # records per call
    odoo_api_deadline: float = Field(3600.0, gt=0)  # seconds, waits for a 429 included
    odoo_api_rereads: int = Field(3, ge=0, le=20)  # rounds re-reading what changed meanwhile

    # --- mocks ---------------------------------------------------------------------------------
    allow_sync_mocks: bool = Field(True, validation_alias="ALLOW_SYNC_MOCKS")
    odoo_sync_mock_file: Path | None = _alias("ODOO_SYNC_MOCK_FILE")

    # --- Microsoft Entra ID (Graph) ------------------------------------------------------------
    azure_tenant_id: str | None = _alias("AZURE_TENANT_ID")
    azure_client_id: str | None = _alias("AZURE_CLIENT_ID")
    azure_client_secret: SecretStr | None = _alias("AZURE_CLIENT_SECRET")
    azure_graph_scope: str = Field(
        "https://graph.microsoft.com/.default", validation_alias="AZURE_GRAPH_SCOPE"
    )
    azure_user_sync_mock_file: Path | None = _alias("AZURE_USER_SYNC_MOCK_FILE")
    azure_client_cert_path: Path | None = None  # PEM or PFX: a certificate instead of a secret
    azure_client_cert_thumbprint: str | None = None
    azure_client_cert_passphrase: SecretStr | None = None
    azure_authority_host: str = "https://login.microsoftonline.com"
    graph_base_url: str = "https://graph.microsoft.com/v1.0"
    azure_ca_bundle: Path | None = None  # extra CA certificates trusted for both
    azure_user_filter: str | None = None
    azure_signin_activity: bool = False
    azure_http_timeout: float = Field(30.0, gt=0)
    azure_max_retries: int = Field(6, ge=0, le=50)
    azure_sync_deadline: float = Field(3600.0, gt=0)

    # --- sync runs -----------------------------------------------------------------------------
    sync_lock_timeout: int = Field(1800, ge=10)  # seconds without a heartbeat: abandoned
    # seconds without a heartbeat after which a running sync reads as dead (unless its process
    # is seen alive on this host)
    sync_heartbeat_timeout: int = Field(60, ge=2)

    # --- access analysis -------------------------------------------------------------------------
    sensitive_models: str = (
        "account.move,account.journal,res.users,res.groups,ir.model.access,ir.rule,"
        "ir.config_parameter"
    )
    dormant_days: int = Field(90, ge=1)
    sod_rules: Path | None = None  # default: the bundled set
    peer_threshold: float = Field(0.15, gt=0, lt=1)
    identity_map: Path | None = None  # YAML: Odoo login → Entra UPN, mail or id
    department_groups: Path | None = None  # YAML: Entra department → expected groups

    # --- web application -------------------------------------------------------------------------
    secret_key: SecretStr | None = None  # signs session cookies; required outside development
    development: bool = False
    session_minutes: int = Field(480, ge=5, le=60 * 24 * 30)
    cookie_secure: bool = False
    public_url: str | None = None  # this site's address as people reach it (links in alerts, MCP)
    api_key: SecretStr | None = None  # the API key `odoobridge mcp` (stdio) acts as
    host: str = "127.0.0.1"
    port: int = Field(3200, ge=1, le=65535)
    stale_hours: float = Field(24.0, gt=0)
    schedule: str = ""  # 'odoo_postgres:PREPROD=0 2 * * *; …'
    login_throttle: str = "5/minute"
    redis_url: SecretStr | None = _alias("REDIS_URL")
    sso_enabled: bool = False
    sso_redirect_uri: str | None = None

    # --- Odoo gateway (search, propose → confirm → execute) ---------------------------------
    gateway_read_limit: str = "30/minute"
    gateway_propose_limit: str = "10/minute"
    gateway_execute_limit: str = "10/minute"
    gateway_proposal_ttl_minutes: int = Field(1440, ge=1, le=60 * 24 * 90)
    gateway_separate_confirmer: bool = False
    gateway_name: str = Field("OdooBridge", min_length=1, max_length=40)

    # --- BI: analytics views, read-only role, Superset --------------------------------------
    bi_admin_dsn: SecretStr | None = None
    bi_read_dsn: SecretStr | None = None
    bi_readonly_password: SecretStr | None = None
    bi_statement_timeout: int = Field(30, ge=1)
    bi_idle_timeout: int = Field(60, ge=1)
    bi_rls_mode: Literal["inline", "lookup"] = "inline"
    superset_url: str | None = None
    superset_username: str | None = None
    superset_password: SecretStr | None = None
    superset_provider: Literal["db", "ldap"] = "db"
    superset_timeout: float = Field(10.0, gt=0)
    superset_dashboards: str | None = None

    # --- sales: CRM sync and visibility ------------------------------------------------------
    # the environment the CRM is read from; its latest security sync decides who sees what
    sales_environment: Environment = Environment.PROD
    crm_sync_overlap_seconds: int = Field(300, ge=0, le=86_400)  # re-read this much before
    crm_sync_batch: int = Field(2_000, ge=50, le=50_000)  # records per call

    # --- notifications, alerts, backups --------------------------------------------------------
    notify_file: Path | None = None  # YAML: channels by name (email, teams, slack, webhook)
    notify_channels: SecretStr | None = None  # the same channels inline, as JSON
    notify_timeout: float = Field(10.0, gt=0, le=120)
    alerts_file: Path | None = None  # YAML: alert rules (channels, quiet hours, thresholds)
    alerts_channels: str = ""  # channels every rule uses unless the alerts file says otherwise
    alerts_quiet_hours: str = ""  # e.g. 22:00-07:00
    alerts_timezone: str = "UTC"
    alerts_interval_minutes: int = Field(5, ge=1, le=1440)
    backup_dir: Path | None = None  # default: backups/ in the data directory
    backup_schedule: str = ""  # cron, five fields, UTC
    backup_keep: int = Field(7, ge=1)

    # --- logging -------------------------------------------------------------------------------
    log_level: str = "INFO"
    log_format: Literal["kv", "json"] = "kv"

    @model_validator(mode="before")
    @classmethod
    def _environment_names(cls, data: Any) -> Any:
        """Accept ``ODOOBRIDGE_FOO=…`` passed in code as the field ``foo``."""
        if not isinstance(data, dict):
            return data
        return {
            (k[len(PREFIX) :].lower() if k.upper().startswith(PREFIX) else k): v
            for k, v in data.items()
        }

    @field_validator("odoo_environment", "sales_environment", mode="before")
    @classmethod
    def _parse_environment(cls, value: object) -> object:
        return Environment.parse(value) if isinstance(value, str) else value

    @field_validator("odoo_protocol", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("azure_authority_host", "graph_base_url")
    @classmethod
    def _check_https(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.lower().startswith("https://") or len(value) <= len("https://"):
            raise ValueError(f"{value!r} must be an https:// URL (Microsoft refuses plain http)")
        return value

    @field_validator("odoo_context_company_ids")
    @classmethod
    def _check_company_ids(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ValueError("use company ids separated by commas, e.g. 1,2")
        return ",".join(parts)

    @field_validator(
        "login_throttle", "gateway_read_limit", "gateway_propose_limit", "gateway_execute_limit"
    )
    @classmethod
    def _check_rate(cls, value: str) -> str:
        try:
            parse_rate(value)
        except ValueError:
            raise ValueError("use a rate such as 5/minute or 500 per hour") from None
        return value

    @field_validator("sso_redirect_uri")
    @classmethod
    def _check_redirect_uri(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        local = parts.hostname in {"localhost", "127.0.0.1"}
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError(
                f"{value!r} must be an https:// URL (http:// only for localhost), as Microsoft "
                "requires of redirect URIs"
            )
        if not parts.path.endswith("/auth/entra/callback") or parts.query or parts.fragment:
            raise ValueError(
                f"{value!r} must end in /auth/entra/callback, with no query: "
                "e.g. https://odoobridge.example.com/auth/entra/callback"
            )
        return value.strip()

    @field_validator("gateway_name")
    @classmethod
    def _check_gateway_name(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned or any(c in cleaned for c in "[]"):
            raise ValueError("use a short name without brackets, e.g. OdooBridge")
        return cleaned

    # --- derived -------------------------------------------------------------------------------
    @property
    def store_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'odoobridge.sqlite'}"

    def session_secret(self) -> str:
        """The key that signs session cookies; refuses a missing or placeholder key outside
        development (where a random per-process key stands in)."""
        raw = self.secret_key.get_secret_value().strip() if self.secret_key else ""
        if not raw or len(raw) < 32 or any(word in raw.lower() for word in PLACEHOLDERS):
            if self.development:
                return _development_secret()
            raise ConfigError(
                "ODOOBRIDGE_SECRET_KEY must be set to 32 or more random characters (not a "
                "placeholder): python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return raw

    def odoo_context(self) -> dict[str, Any]:
        """The context sent with every call to Odoo's API (only what is configured)."""
        context: dict[str, Any] = {}
        if self.odoo_context_lang:
            context["lang"] = self.odoo_context_lang
        if self.odoo_context_tz:
            context["tz"] = self.odoo_context_tz
        if self.odoo_context_company_ids:
            context["allowed_company_ids"] = [
                int(part) for part in self.odoo_context_company_ids.split(",")
            ]
        return context

    def odoo_dsn(self, environment: Environment) -> SecretStr | None:
        return self.odoo_prod_dsn if environment is Environment.PROD else self.odoo_preprod_dsn

    @staticmethod
    def odoo_dsn_setting(environment: Environment) -> str:
        return "ODOO_PROD_DSN" if environment is Environment.PROD else "ODOO_PREPROD_DSN"

    @classmethod
    def variable(cls, name: str) -> str:
        """The environment variable a field is read from."""
        alias = cls.model_fields[name].validation_alias
        return alias if isinstance(alias, str) else PREFIX + name.upper()

    def secret_values(self) -> list[str]:
        """Every secret's plain value, so redaction can scrub it from any text."""
        found: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                raw = value.get_secret_value()
                found.append(raw)
                found.extend(value_secrets(raw))  # a DSN's password and secret query values
        return found

    def public_view(self) -> dict[str, str | None]:
        """Every setting by its environment name, secrets redacted, URLs with passwords hidden."""
        shown: dict[str, str | None] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                shown[self.variable(name)] = None
            elif isinstance(value, SecretStr):
                raw = value.get_secret_value()
                connection = name.endswith(("_dsn", "_url")) or "://" in raw
                shown[self.variable(name)] = redact_value(raw) if connection else "**********"
            else:
                shown[self.variable(name)] = redact_url(str(value))  # a URL with a password in it
        return shown

    @field_validator("alerts_timezone")
    @classmethod
    def _check_alerts_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("use an IANA time zone such as UTC or Europe/Brussels") from None
        return value.strip()

    @field_validator("alerts_quiet_hours")
    @classmethod
    def _check_alerts_quiet_hours(cls, value: str) -> str:
        cleaned = "".join(value.split())
        pattern = r"([01]?\d|2[0-3]):[0-5]\d-([01]?\d|2[0-3]):[0-5]\d"
        if cleaned and not re.fullmatch(pattern, cleaned):
            raise ValueError("use HH:MM-HH:MM, e.g. 22:00-07:00 (empty: no quiet hours)")
        return cleaned

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = value.strip().rstrip("/")
        if not cleaned.lower().startswith(("http://", "https://")) or " " in cleaned:
            raise ValueError("use the address people open, e.g. https://odoobridge.example.com")
        return cleaned

    @field_validator("backup_schedule")
    @classmethod
    def _check_backup_schedule(cls, value: str) -> str:
        cron = " ".join(value.split())
        if cron:
            try:
                CronTrigger.from_crontab(cron, timezone="UTC")
            except ValueError:
                raise ValueError("use a cron expression of five fields, e.g. 0 3 * * *") from None
        return cron

    @property
    def backup_folder(self) -> Path:
        return self.backup_dir if self.backup_dir is not None else self.data_dir / "backups"


def invalid_setting(exc: ValidationError) -> ConfigError:
    """One line naming the environment variable at fault and what is wrong with it."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else ""
    name = Settings.variable(field) if field in Settings.model_fields else field or "a setting"
    return ConfigError(f"setting {name} is invalid: {first['msg']}")


@lru_cache(maxsize=1)
def _development_secret() -> str:
    return secrets.token_urlsafe(48)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once). Tests build ``Settings(...)`` themselves."""
    return Settings()
