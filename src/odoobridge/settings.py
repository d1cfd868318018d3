"""Every setting OdooBridge reads, in one pydantic-settings class.

Names users already have (``DATABASE_URL``, ``ODOO_PROD_DSN`` …) keep their names; settings of
our own are prefixed ``ODOOBRIDGE_``. Values come from the process environment and an optional
``.env`` file in the working directory. Secrets are ``SecretStr``: they are redacted wherever a
setting is shown (``odoobridge config show``, logs, errors).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from odoobridge.environment import Environment
from odoobridge.redact import redact_url, url_password


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "odoobridge"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        populate_by_name=True,
    )

    # --- local store -------------------------------------------------------------------------
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL"),
        description="The local store. Default: a SQLite file in the data directory.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        validation_alias=AliasChoices("ODOOBRIDGE_DATA_DIR"),
        description="Where the default SQLite store and other local files live.",
    )
    retention_days: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("ODOOBRIDGE_RETENTION_DAYS"),
        description="Keep sync history this many days (the latest run of each source is kept).",
    )

    # --- Odoo PostgreSQL ---------------------------------------------------------------------
    odoo_preprod_dsn: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ODOO_PREPROD_DSN")
    )
    odoo_prod_dsn: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ODOO_PROD_DSN")
    )
    odoo_environment: Environment = Field(
        default=Environment.PREPROD, validation_alias=AliasChoices("ODOO_ENVIRONMENT")
    )
    odoo_lang: str = Field(
        default="en_US",
        validation_alias=AliasChoices("ODOOBRIDGE_ODOO_LANG"),
        description="Language of translated names (falls back to en_US, then any).",
    )
    odoo_connect_timeout: int = Field(
        default=10, ge=1, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_CONNECT_TIMEOUT")
    )
    odoo_statement_timeout: int = Field(
        default=300, ge=1, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_STATEMENT_TIMEOUT")
    )
    odoo_batch_size: int = Field(
        default=10_000, ge=100, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_BATCH_SIZE")
    )

    # --- Odoo's external API (XML-RPC, JSON-RPC, JSON-2) ------------------------------------
    odoo_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOO_URL"),
        description="Odoo's web address for its external API, e.g. https://odoo.example.com.",
    )
    odoo_db: str | None = Field(default=None, validation_alias=AliasChoices("ODOO_DB"))
    odoo_username: str | None = Field(default=None, validation_alias=AliasChoices("ODOO_USERNAME"))
    odoo_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ODOO_PASSWORD")
    )
    odoo_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOO_API_KEY"),
        description="An Odoo API key: used instead of the password; required for json2.",
    )
    odoo_protocol: Literal["xmlrpc", "jsonrpc", "json2"] = Field(
        default="jsonrpc",
        validation_alias=AliasChoices("ODOOBRIDGE_ODOO_PROTOCOL"),
        description="jsonrpc (default: Odoo names each fault; 3-4x faster than xmlrpc), xmlrpc, "
        "or json2 (Odoo 19+, with ODOO_API_KEY).",
    )
    odoo_rpc_timeout: float = Field(
        default=30.0, gt=0, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_RPC_TIMEOUT")
    )
    odoo_rpc_retries: int = Field(
        default=2, ge=0, le=10, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_RPC_RETRIES")
    )
    odoo_context_lang: str | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_CONTEXT_LANG")
    )
    odoo_context_tz: str | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_ODOO_CONTEXT_TZ")
    )
    odoo_context_company_ids: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_ODOO_CONTEXT_COMPANY_IDS"),
        description="Comma-separated company ids sent as allowed_company_ids (first = current).",
    )

    # --- mocks ---------------------------------------------------------------------------------
    allow_sync_mocks: bool = Field(default=True, validation_alias=AliasChoices("ALLOW_SYNC_MOCKS"))
    odoo_sync_mock_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("ODOO_SYNC_MOCK_FILE")
    )

    # --- Microsoft Entra ID (Graph) -------------------------------------------------------------
    azure_tenant_id: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_TENANT_ID")
    )
    azure_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_CLIENT_ID")
    )
    azure_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_CLIENT_SECRET")
    )
    azure_graph_scope: str = Field(
        default="https://graph.microsoft.com/.default",
        validation_alias=AliasChoices("AZURE_GRAPH_SCOPE"),
    )
    azure_user_sync_mock_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_USER_SYNC_MOCK_FILE")
    )
    azure_client_cert_path: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_AZURE_CLIENT_CERT_PATH"),
        description="PEM (private key + certificate) or PFX file: certificate instead of secret.",
    )
    azure_client_cert_thumbprint: str | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_CLIENT_CERT_THUMBPRINT")
    )
    azure_client_cert_passphrase: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_CLIENT_CERT_PASSPHRASE")
    )
    azure_authority_host: str = Field(
        default="https://login.microsoftonline.com",
        validation_alias=AliasChoices("ODOOBRIDGE_AZURE_AUTHORITY_HOST"),
    )
    graph_base_url: str = Field(
        default="https://graph.microsoft.com/v1.0",
        validation_alias=AliasChoices("ODOOBRIDGE_GRAPH_BASE_URL"),
    )
    azure_ca_bundle: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_AZURE_CA_BUNDLE"),
        description="Extra CA certificates (PEM) trusted for the authority and Graph.",
    )
    azure_user_filter: str | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_USER_FILTER")
    )
    azure_signin_activity: bool = Field(
        default=False, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY")
    )
    azure_http_timeout: float = Field(
        default=30.0, gt=0, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_HTTP_TIMEOUT")
    )
    azure_max_retries: int = Field(
        default=6, ge=0, le=50, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_MAX_RETRIES")
    )
    azure_sync_deadline: float = Field(
        default=3600.0, gt=0, validation_alias=AliasChoices("ODOOBRIDGE_AZURE_SYNC_DEADLINE")
    )

    @field_validator("azure_authority_host", "graph_base_url")
    @classmethod
    def _check_https(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.lower().startswith("https://") or len(value) <= len("https://"):
            raise ValueError(f"{value!r} must be an https:// URL (Microsoft refuses plain http)")
        return value

    # --- sync runs -----------------------------------------------------------------------------
    sync_lock_timeout: int = Field(
        default=1800,
        ge=10,
        validation_alias=AliasChoices("ODOOBRIDGE_SYNC_LOCK_TIMEOUT"),
        description="Seconds without a heartbeat after which a running sync counts as abandoned.",
    )

    # --- access analysis ------------------------------------------------------------------------
    sensitive_models: str = Field(
        default=(
            "account.move,account.journal,res.users,res.groups,ir.model.access,ir.rule,"
            "ir.config_parameter"
        ),
        validation_alias=AliasChoices("ODOOBRIDGE_SENSITIVE_MODELS"),
        description="Models where write or unlink is a finding (comma-separated).",
    )
    dormant_days: int = Field(
        default=90, ge=1, validation_alias=AliasChoices("ODOOBRIDGE_DORMANT_DAYS")
    )
    sod_rules_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_SOD_RULES"),
        description="Segregation-of-duties rules (YAML); default: the bundled set.",
    )
    peer_threshold: float = Field(
        default=0.15, gt=0, lt=1, validation_alias=AliasChoices("ODOOBRIDGE_PEER_THRESHOLD")
    )
    identity_map_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_IDENTITY_MAP"),
        description="YAML: Odoo login → Entra UPN, mail or id, for accounts that differ.",
    )
    department_groups_file: Path | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_DEPARTMENT_GROUPS"),
        description="YAML: Entra department → groups its members are expected to hold.",
    )

    # --- web application (issue 5) ------------------------------------------------------------
    secret_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_SECRET_KEY"),
        description="Signs session cookies: 32+ random characters (python -c "
        "'import secrets; print(secrets.token_urlsafe(48))'). Required outside development.",
    )
    development: bool = Field(
        default=False,
        validation_alias=AliasChoices("ODOOBRIDGE_DEVELOPMENT"),
        description="Development mode: a missing secret key is replaced by a random one.",
    )
    session_minutes: int = Field(
        default=480,
        ge=5,
        le=60 * 24 * 30,
        validation_alias=AliasChoices("ODOOBRIDGE_SESSION_MINUTES"),
        description="How long a sign-in lasts.",
    )
    cookie_secure: bool = Field(
        default=False,
        validation_alias=AliasChoices("ODOOBRIDGE_COOKIE_SECURE"),
        description="Send the session cookie over HTTPS only (set it behind a TLS proxy).",
    )
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("ODOOBRIDGE_HOST"))
    port: int = Field(
        default=3200, ge=1, le=65535, validation_alias=AliasChoices("ODOOBRIDGE_PORT")
    )
    stale_hours: float = Field(
        default=24.0,
        gt=0,
        validation_alias=AliasChoices("ODOOBRIDGE_STALE_HOURS"),
        description="A source whose last successful sync is older than this shows as stale.",
    )
    schedule: str = Field(
        default="",
        validation_alias=AliasChoices("ODOOBRIDGE_SCHEDULE"),
        description="Scheduled syncs run by `serve`: 'odoo_postgres:PREPROD=0 2 * * *; …'.",
    )
    login_throttle: str = Field(
        default="5/minute",
        validation_alias=AliasChoices("ODOOBRIDGE_LOGIN_THROTTLE"),
        description="Failed sign-ins allowed per account and address (limits syntax).",
    )
    redis_url: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL"),
        description="Optional: share sign-in throttling across processes through Redis.",
    )

    sso_enabled: bool = Field(
        default=False,
        validation_alias=AliasChoices("ODOOBRIDGE_SSO_ENABLED"),
        description="Offer 'Sign in with Microsoft' (the AZURE_* app registration, delegated "
        "User.Read).",
    )
    sso_redirect_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_SSO_REDIRECT_URI"),
        description="The redirect URI registered for the app; default: this site's "
        "/auth/entra/callback as the request reached it.",
    )

    # --- Odoo gateway (search, propose → confirm → execute) ---------------------------------
    gateway_read_limit: str = Field(
        default="30/minute",
        validation_alias=AliasChoices("ODOOBRIDGE_GATEWAY_READ_LIMIT"),
        description="Gateway searches (and status, proposal lists) allowed per API key or person.",
    )
    gateway_propose_limit: str = Field(
        default="10/minute",
        validation_alias=AliasChoices("ODOOBRIDGE_GATEWAY_PROPOSE_LIMIT"),
        description="Gateway proposals (and cancellations) allowed per API key or person.",
    )
    gateway_execute_limit: str = Field(
        default="10/minute",
        validation_alias=AliasChoices("ODOOBRIDGE_GATEWAY_EXECUTE_LIMIT"),
        description="Gateway executions allowed per API key or person.",
    )
    gateway_proposal_ttl_minutes: int = Field(
        default=1440,
        ge=1,
        le=60 * 24 * 90,
        validation_alias=AliasChoices("ODOOBRIDGE_GATEWAY_PROPOSAL_TTL_MINUTES"),
        description="A pending proposal expires this many minutes after it was made.",
    )
    gateway_separate_confirmer: bool = Field(
        default=False,
        validation_alias=AliasChoices("ODOOBRIDGE_GATEWAY_SEPARATE_CONFIRMER"),
        description="1: whoever executes a proposal must not be whoever proposed it.",
    )
    gateway_name: str = Field(
        default="OdooBridge",
        min_length=1,
        max_length=40,
        validation_alias=AliasChoices("ODOOBRIDGE_GATEWAY_NAME"),
        description="The name in the audit tag of every write: [<name> Case: <case id>].",
    )

    # --- BI: analytics views, read-only role, Superset --------------------------------------
    bi_admin_dsn: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_BI_ADMIN_DSN"),
        description="Odoo's database with a login that may create the analytics schema.",
    )
    bi_read_dsn: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_BI_READ_DSN"),
        description="Odoo's database with the read-only BI login (the charts page reads it).",
    )
    bi_readonly_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_BI_READONLY_PASSWORD"),
        description="Password given to the read-only role when `bi grant` creates it.",
    )
    bi_statement_timeout: int = Field(
        default=30, ge=1, validation_alias=AliasChoices("ODOOBRIDGE_BI_STATEMENT_TIMEOUT")
    )
    bi_idle_timeout: int = Field(
        default=60, ge=1, validation_alias=AliasChoices("ODOOBRIDGE_BI_IDLE_TIMEOUT")
    )
    bi_rls_mode: str = Field(
        default="inline",
        validation_alias=AliasChoices("ODOOBRIDGE_BI_RLS_MODE"),
        description="inline: company ids in the clause; lookup: the seed's subquery.",
    )
    superset_url: str | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_SUPERSET_URL")
    )
    superset_username: str | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_SUPERSET_USERNAME")
    )
    superset_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ODOOBRIDGE_SUPERSET_PASSWORD")
    )
    superset_provider: str = Field(
        default="db", validation_alias=AliasChoices("ODOOBRIDGE_SUPERSET_PROVIDER")
    )
    superset_timeout: float = Field(
        default=10.0, gt=0, validation_alias=AliasChoices("ODOOBRIDGE_SUPERSET_TIMEOUT")
    )
    superset_dashboards: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_SUPERSET_DASHBOARDS"),
        description="Comma-separated embedded dashboard ids guest tokens may be asked for.",
    )

    # --- logging -------------------------------------------------------------------------------
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("ODOOBRIDGE_LOG_LEVEL"))
    log_format: str = Field(default="kv", validation_alias=AliasChoices("ODOOBRIDGE_LOG_FORMAT"))

    @field_validator("odoo_environment", mode="before")
    @classmethod
    def _parse_environment(cls, value: object) -> object:
        return Environment.parse(value) if isinstance(value, str) else value

    @field_validator("odoo_protocol", mode="before")
    @classmethod
    def _normalise_protocol(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("odoo_context_company_ids")
    @classmethod
    def _check_company_ids(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() and int(part) > 0 for part in parts):
            raise ValueError("use company ids separated by commas, e.g. 1,2")
        return ",".join(parts)

    @field_validator("login_throttle")
    @classmethod
    def _check_login_throttle(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError("use a rate such as 5/minute or 20 per hour") from None
        return value

    @field_validator("sso_redirect_uri")
    @classmethod
    def _check_redirect_uri(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from urllib.parse import urlsplit

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

    @field_validator("gateway_read_limit", "gateway_propose_limit", "gateway_execute_limit")
    @classmethod
    def _check_gateway_limits(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError:
            raise ValueError("use a rate such as 30/minute or 500 per hour") from None
        return value

    @field_validator("gateway_name")
    @classmethod
    def _check_gateway_name(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned or any(c in cleaned for c in "[]"):
            raise ValueError("use a short name without brackets, e.g. OdooBridge")
        return cleaned

    @field_validator("bi_rls_mode")
    @classmethod
    def _check_rls_mode(cls, value: str) -> str:
        if value not in {"inline", "lookup"}:
            raise ValueError("use inline or lookup")
        return value

    @field_validator("superset_provider")
    @classmethod
    def _check_superset_provider(cls, value: str) -> str:
        if value not in {"db", "ldap"}:
            raise ValueError("use db or ldap")
        return value

    @field_validator("log_format")
    @classmethod
    def _check_log_format(cls, value: str) -> str:
        if value not in {"kv", "json"}:
            raise ValueError("use kv or json")
        return value

    # --- derived -------------------------------------------------------------------------------
    @property
    def store_url(self) -> str:
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'odoobridge.sqlite'}"

    def session_secret(self) -> str:
        """The key that signs session cookies; refuses a missing or placeholder key outside
        development (where a random per-process key stands in)."""
        from odoobridge.errors import ConfigError

        raw = self.secret_key.get_secret_value().strip() if self.secret_key else ""
        placeholder = not raw or any(
            word in raw.lower() for word in ("change_me", "changeme", "placeholder", "example")
        )
        if placeholder or len(raw) < 32:
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

    def secret_values(self) -> list[str]:
        """Every secret's plain value, so redaction can scrub it from any text."""
        found: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                raw = value.get_secret_value()
                found.append(raw)
                password = url_password(raw)
                if password:
                    found.append(password)
        return found

    def public_view(self) -> dict[str, str | None]:
        """Every setting by its environment name, secrets redacted, URLs with passwords hidden."""
        shown: dict[str, str | None] = {}
        for name, field in type(self).model_fields.items():
            alias = field.validation_alias
            key = alias.choices[0] if isinstance(alias, AliasChoices) else name.upper()
            value = getattr(self, name)
            if value is None:
                shown[str(key)] = None
            elif isinstance(value, SecretStr):
                raw = value.get_secret_value()
                shown[str(key)] = redact_url(raw) if "://" in raw else "**********"
            else:
                shown[str(key)] = str(value)
        return shown

    # --- MCP server (issue 14) ------------------------------------------------------------------
    api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_API_KEY"),
        description="The API key `odoobridge mcp` (stdio) acts as: its role, scopes and name.",
    )
    public_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ODOOBRIDGE_PUBLIC_URL"),
        description="The app's address as people reach it (links in MCP proposal answers).",
    )

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = value.strip().rstrip("/")
        if not cleaned.startswith(("http://", "https://")) or " " in cleaned:
            raise ValueError("use the address people open, e.g. https://odoobridge.example.com")
        return cleaned


@lru_cache(maxsize=1)
def _development_secret() -> str:
    import secrets

    return secrets.token_urlsafe(48)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (read once). Tests build ``Settings(...)`` themselves."""
    return Settings()
