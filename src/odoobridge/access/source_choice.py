"""Which source the security sync of an environment reads, and the API source's settings.

``ODOO_<ENV>_SOURCE`` says it (``postgres`` or ``api``). Unset, the sync reads the mock file when
mocks are allowed and one is configured, else PostgreSQL when ``ODOO_<ENV>_DSN`` is set, else
Odoo's API when ``ODOO_<ENV>_URL`` is set — or, for the environment ``ODOO_ENVIRONMENT`` names,
when the gateway's ``ODOO_URL`` is: a user who set up the gateway for an Odoo Online database
expects its security sync to work with the same settings. The API source takes ``ODOO_<ENV>_URL``,
``_DB``, ``_USERNAME`` and ``_PASSWORD`` or ``_API_KEY`` together (or the gateway's ``ODOO_*``
together, never a mix), and the protocol and timeouts the gateway uses.
"""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from odoobridge.environment import Environment
from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.odoo_api import OdooApiTarget
from odoobridge.sources.odoo_rpc import OdooRpcConfig

SourceKind = Literal["postgres", "api", "mock"]
GATEWAY = "ODOO"


def _own(settings: Settings, environment: Environment, name: str) -> object:
    return getattr(settings, f"odoo_{environment.value.lower()}_{name}")


def _set(value: object) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(str(value or "").strip())


def api_prefix(settings: Settings, environment: Environment) -> str | None:
    """``ODOO_<ENV>`` when ``ODOO_<ENV>_URL`` is set; ``ODOO`` (the gateway's settings) for the
    ``ODOO_ENVIRONMENT`` environment when ``ODOO_URL`` is; else None."""
    if _set(_own(settings, environment, "url")):
        return f"ODOO_{environment.value}"
    if environment is settings.odoo_environment and _set(settings.odoo_url):
        return GATEWAY
    return None


def source_kind(settings: Settings, environment: Environment) -> SourceKind:
    explicit = _own(settings, environment, "source")
    if explicit in ("postgres", "api"):
        return explicit
    if settings.allow_sync_mocks and settings.odoo_sync_mock_file is not None:
        return "mock"
    if _set(settings.odoo_dsn(environment)):
        return "postgres"
    if api_prefix(settings, environment) is not None:
        return "api"
    return "postgres"  # unconfigured: the PostgreSQL source says which DSN to set


def source_configured(settings: Settings, environment: Environment) -> bool:
    kind = source_kind(settings, environment)
    if kind == "mock":
        return True
    if kind == "api":
        return api_prefix(settings, environment) is not None
    return _set(settings.odoo_dsn(environment))


def api_target(settings: Settings, environment: Environment) -> OdooApiTarget:
    """The API source of ``environment``, or a ConfigError naming every missing setting."""
    prefix = api_prefix(settings, environment)
    own = f"ODOO_{environment.value}"
    if prefix is None:
        raise ConfigError(
            f"{own}_URL is not set: Odoo's API source needs {own}_URL, {own}_DB, "
            f"{own}_USERNAME and {own}_PASSWORD or {own}_API_KEY (or set {own}_DSN to read "
            "Odoo's PostgreSQL)"
        )
    if prefix == GATEWAY:
        url, db, username = settings.odoo_url, settings.odoo_db, settings.odoo_username
        password, api_key = settings.odoo_password, settings.odoo_api_key
    else:
        url = _own(settings, environment, "url")  # type: ignore[assignment]
        db = _own(settings, environment, "db")  # type: ignore[assignment]
        username = _own(settings, environment, "username")  # type: ignore[assignment]
        password = _own(settings, environment, "password")  # type: ignore[assignment]
        api_key = _own(settings, environment, "api_key")  # type: ignore[assignment]
    missing = [f"{prefix}_{n}" for n, v in (("DB", db), ("USERNAME", username)) if not _set(v)]
    if not _set(password) and not _set(api_key):
        missing.append(f"{prefix}_PASSWORD or {prefix}_API_KEY")
    if missing:
        raise ConfigError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: Odoo's API "
            f"source needs {prefix}_URL, {prefix}_DB, {prefix}_USERNAME and {prefix}_PASSWORD "
            f"or {prefix}_API_KEY (an API key of a dedicated user is best)"
        )
    assert url and db and username
    config = OdooRpcConfig(
        url=url.strip().rstrip("/"),
        db=db,
        username=username,
        password=password if _set(password) else None,
        api_key=api_key if _set(api_key) else None,
        protocol=settings.odoo_protocol,
        timeout=settings.odoo_rpc_timeout,
        retries=settings.odoo_rpc_retries,
        names=prefix,
    )
    return OdooApiTarget(
        config,
        lang=settings.odoo_lang,
        page_size=settings.odoo_api_page_size,
        deadline=settings.odoo_api_deadline,
        rereads=settings.odoo_api_rereads,
        batch_size=settings.odoo_batch_size,
    )
