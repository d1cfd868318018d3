"""What the application keeps between requests, typed: settings, store, templates, the per-run
caches and the clients of outside systems. ``create_app`` builds one :class:`AppState`; routes
reach it through the ``State`` dependency (``web/deps.py``), never through ``app.state.…``.

The caches are :class:`~odoobridge.runcache.RunCache` instances (bounded, one build per key):
the views of the last runs, the headline figures per run, the latest run per environment
(re-checked every second) and checked credentials (re-checked every five seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from fastapi.templating import Jinja2Templates

from odoobridge.access.views.runview import RunViews, run_views
from odoobridge.access.views.stats import (
    HeadlineStats,
    LatestRuns,
    headline_stats_cache,
    latest_runs_cache,
)
from odoobridge.auth.apikeys import KeyUseRecorder
from odoobridge.auth.principal import Principal
from odoobridge.auth.sso import EntraSignIn
from odoobridge.bi.tokens import superset_client
from odoobridge.gateway.ratelimit import GatewayLimits
from odoobridge.runcache import RunCache
from odoobridge.settings import Settings
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig
from odoobridge.sources.superset import SupersetClient
from odoobridge.store.engine import Store
from odoobridge.web.throttle import LoginThrottle

Credentials = RunCache[Hashable, Principal]


def credentials_cache() -> Credentials:
    """Checked credentials, re-checked every 5 s (one request re-checks a due entry while the
    others keep it for at most 1 s more); a key is never used past its own expiry. The process
    that revokes a key or changes an account clears it at once; another process notices within
    6 s. Keys are cached under their SHA-256, never in plain text."""
    return RunCache(size=10_000, ttl=5.0, grace=1.0, expires=lambda p: p.expires_at)


@dataclass
class AppState:
    settings: Settings
    store: Store
    templates: Jinja2Templates
    throttle: LoginThrottle
    gateway_limits: GatewayLimits
    key_use: KeyUseRecorder
    sso: EntraSignIn | None
    run_scheduler: bool
    run_views: RunViews = field(default_factory=run_views)
    latest_runs: LatestRuns = field(default_factory=latest_runs_cache)
    headline_stats: HeadlineStats = field(default_factory=headline_stats_cache)
    credentials: Credentials = field(default_factory=credentials_cache)
    scheduler: Any = None  # APScheduler's BackgroundScheduler while serving with a schedule
    mcp_server: Any = None  # the MCP server mounted at /mcp (odoobridge.mcp.http)
    odoo: OdooRpcClient | None = None  # made on first use by odoo_client()
    _superset: SupersetClient | None = None
    _clients_lock: threading.Lock = field(default_factory=threading.Lock)

    def odoo_client(self) -> OdooRpcClient:
        """The app's one client of Odoo's API (pooled connections, cached uid), made on first
        use (no I/O: it connects on its first call)."""
        with self._clients_lock:
            if self.odoo is None:
                self.odoo = OdooRpcClient(OdooRpcConfig.from_settings(self.settings))
            return self.odoo

    def superset(self) -> SupersetClient:
        """The app's one Superset client (it keeps Superset's session between tokens)."""
        with self._clients_lock:
            if self._superset is None:
                self._superset = superset_client(self.settings)
            return self._superset

    def close(self) -> None:
        """Close the clients of outside systems (on shutdown)."""
        with self._clients_lock:
            odoo, self.odoo = self.odoo, None
        if odoo is not None:
            odoo.close()
        if self.sso is not None:
            self.sso.close()
