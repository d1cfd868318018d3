"""The security sync over Odoo's API stores exactly what the sync over PostgreSQL stores: the same
digests per entity, the same facts, the same who-can answers; switching sources writes nothing;
a failed API read leaves the store as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from odoobridge.access.analysis.answers import who_can
from odoobridge.access.analysis.effective import index_for
from odoobridge.access.analysis.state import fact_rows, read_state
from odoobridge.access.sync import SYNC_TYPE, sync_odoo
from odoobridge.environment import Environment
from odoobridge.errors import AppError
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.models import RunStatus
from odoobridge.sync.runs import latest_success
from tests.fakes.odoo_rpc_fixtures import RunningStub

PREPROD = Environment.PREPROD
STUBS = [{"version": 16, "protocol": "xmlrpc"}, {"version": 18, "protocol": "jsonrpc"},
         {"version": 19, "protocol": "json2"}]  # fmt: skip


def settings_for(stub: RunningStub, store_url: str, **extra: Any) -> Settings:
    """The API source of PREPROD on the stub (and its PostgreSQL, for the other source)."""
    config = stub.config
    values: dict[str, Any] = {
        "DATABASE_URL": store_url, "ODOO_PREPROD_DSN": stub.database.reader_dsn,
        "ODOO_PREPROD_SOURCE": "api", "ODOO_PREPROD_URL": config.url,
        "ODOO_PREPROD_DB": config.db, "ODOO_PREPROD_USERNAME": config.username,
        "ODOOBRIDGE_ODOO_PROTOCOL": config.protocol, "ODOOBRIDGE_ODOO_API_PAGE_SIZE": 200,
    }  # fmt: skip
    if config.api_key is not None:
        values["ODOO_PREPROD_API_KEY"] = config.api_key.get_secret_value()
    else:
        values["ODOO_PREPROD_PASSWORD"] = "admin"
    return Settings(_env_file=None, **{**values, **extra})


def who_can_everything(store: Store) -> dict[tuple[str, str], Any]:
    with store.session() as session:
        index = index_for(session, PREPROD)
    models = sorted({acl.model for acl in index.snap.acls})
    return {
        (model, perm): who_can(index, model, perm, include_inactive=True).as_dict()
        for model in models
        for perm in ("read", "write", "create", "unlink")
    }


def state(store: Store, run_id: int) -> dict[str, list[Any]]:
    with store.session() as session:
        return {k: sorted(v) for k, v in read_state(session, PREPROD, run_id).items()}


@pytest.mark.parametrize("odoo_rpc_stub", STUBS, indirect=True, ids=lambda p: f"odoo{p['version']}")
def test_api_and_postgresql_syncs_store_the_same(
    odoo_rpc_stub: RunningStub, tmp_path: Path
) -> None:
    by_api, by_db = (
        Store(f"sqlite:///{tmp_path / 'api.sqlite'}"),
        Store(f"sqlite:///{tmp_path / 'db.sqlite'}"),
    )
    api_run = sync_odoo(by_api, settings_for(odoo_rpc_stub, by_api.url), PREPROD)
    db_settings = settings_for(odoo_rpc_stub, by_db.url, ODOO_PREPROD_SOURCE="postgres")
    db_run = sync_odoo(by_db, db_settings, PREPROD)
    assert api_run.status == db_run.status == RunStatus.SUCCESS
    assert api_run.sync_type == db_run.sync_type == SYNC_TYPE
    assert (api_run.stats["source"], db_run.stats["source"]) == ("api", "postgres")
    assert api_run.stats["odoo"]["retries"] == 0
    assert api_run.digests == db_run.digests
    for name, value in db_run.stats.items():
        if isinstance(value, dict) and "count" in value:
            assert api_run.stats[name] == value, name
    assert state(by_api, api_run.id) == state(by_db, db_run.id)
    assert who_can_everything(by_api) == who_can_everything(by_db)


def test_switching_source_writes_nothing(odoo_rpc_stub: RunningStub, sqlite_store_url: str) -> None:
    """A PostgreSQL sync, then an API sync of the same Odoo: the second finds every digest
    equal, so it writes no fact and becomes "current" for the environment."""
    store = Store(sqlite_store_url)
    settings = settings_for(odoo_rpc_stub, sqlite_store_url)
    first = sync_odoo(store, settings_for(odoo_rpc_stub, sqlite_store_url,
                                          ODOO_PREPROD_SOURCE="postgres"), PREPROD)  # fmt: skip
    with store.session() as session:
        rows = fact_rows(session)
    second = sync_odoo(store, settings, PREPROD)
    with store.session() as session:
        assert fact_rows(session) == rows
        current = latest_success(session, SYNC_TYPE, PREPROD.value)
    assert current is not None and current.id == second.id
    for value in second.stats.values():
        if isinstance(value, dict) and "added" in value:
            assert value["added"] == value["changed"] == value["removed"] == 0
    assert state(store, second.id) == state(store, first.id)


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("password", "refused the credentials of 'admin' on database 'odoo18demo' (Access "
         "Denied): check ODOO_PREPROD_USERNAME, ODOO_PREPROD_DB and ODOO_PREPROD_PASSWORD"),
        ("right", "may not read ir.model: give it Administration/Access Rights"),
        ("restart", "reading res.users: Odoo at "),
        ("throttled", "would pass the read's deadline of 30 s (ODOOBRIDGE_ODOO_API_DEADLINE)"),
    ],
)  # fmt: skip
def test_a_failed_api_read_leaves_the_store_as_it_was(
    odoo_rpc_stub: RunningStub, sqlite_store_url: str, fault: str, message: str
) -> None:
    store = Store(sqlite_store_url)
    good = sync_odoo(store, settings_for(odoo_rpc_stub, sqlite_store_url), PREPROD)
    with store.session() as session:
        rows = fact_rows(session)
    odoo_rpc_stub.database.execute("UPDATE res_groups SET name = '{\"en_US\": \"Changed\"}' "
                                   "WHERE id = 1")  # fmt: skip
    extra: dict[str, Any] = {}
    if fault == "password":
        extra = {"ODOO_PREPROD_PASSWORD": "wrong"}
    elif fault == "right":
        extra = {"ODOO_PREPROD_USERNAME": "demo", "ODOO_PREPROD_PASSWORD": "demo"}
    elif fault == "restart":
        odoo_rpc_stub.stub.drop_connection("res.users", "search_read", apply=False)
    else:
        odoo_rpc_stub.stub.throttle("res.users", "search_read", retry_after=90)
        extra = {"ODOOBRIDGE_ODOO_API_DEADLINE": 30}
    with pytest.raises(AppError) as caught:
        sync_odoo(store, settings_for(odoo_rpc_stub, sqlite_store_url, **extra), PREPROD)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    with store.session() as session:
        assert fact_rows(session) == rows
        current = latest_success(session, SYNC_TYPE, PREPROD.value)
        failed = session.query(type(good)).order_by(type(good).id.desc()).first()
    assert current is not None and current.id == good.id
    assert failed is not None and failed.status == RunStatus.FAILED
    assert failed.error is not None and message in failed.error


def test_progress_names_the_api_reads(odoo_rpc_stub: RunningStub, sqlite_store_url: str) -> None:
    phases: list[str] = []
    sync_odoo(
        Store(sqlite_store_url),
        settings_for(odoo_rpc_stub, sqlite_store_url),
        PREPROD,
        listeners=[lambda state: phases.append(state.phase)],
    )
    for phase in ("reading res.users", "reading ir.model.access",
                  "checking for changes made in Odoo during the read", "reading memberships"):  # fmt: skip
        assert phase in phases


def test_settings_choose_the_source(make_settings: Callable[..., Settings]) -> None:
    from odoobridge.access.source_choice import api_target, source_configured, source_kind

    dsn = "postgresql+psycopg://r:pw@db/odoo"
    api = {"ODOO_PROD_URL": "https://acme.odoo.com/", "ODOO_PROD_DB": "acme",
           "ODOO_PROD_USERNAME": "sync@acme.com", "ODOO_PROD_API_KEY": "k" * 40}  # fmt: skip
    prod = Environment.PROD
    assert source_kind(make_settings(ODOO_PROD_DSN=dsn, **api), prod) == "postgres"
    assert source_kind(make_settings(**api), prod) == "api"
    assert (
        source_kind(make_settings(ODOO_PROD_DSN=dsn, ODOO_PROD_SOURCE="api", **api), prod) == "api"
    )
    mock = make_settings(ODOO_SYNC_MOCK_FILE="demo.json", **api)
    assert source_kind(mock, prod) == "mock"
    assert source_kind(make_settings(ODOO_SYNC_MOCK_FILE="demo.json", ODOO_PROD_SOURCE="api", **api),
                       prod) == "api"  # fmt: skip
    assert not source_configured(make_settings(ODOO_PROD_SOURCE="api"), prod)
    assert source_configured(make_settings(**api), prod)
    target = api_target(make_settings(**api), prod)
    assert (target.config.url, target.config.names, target.config.protocol) == (
        "https://acme.odoo.com", "ODOO_PROD", "jsonrpc")  # fmt: skip
    assert target.config.password is None and target.page_size == 500
    # the gateway's ODOO_URL … serve the environment ODOO_ENVIRONMENT names, and only that one
    gateway = {"ODOO_URL": "https://acme.odoo.com", "ODOO_DB": "acme", "ODOO_USERNAME": "bot",
               "ODOO_PASSWORD": "pw", "ODOO_ENVIRONMENT": "prod"}  # fmt: skip
    assert source_kind(make_settings(**gateway), prod) == "api"
    assert api_target(make_settings(**gateway), prod).config.names == "ODOO"
    assert source_kind(make_settings(**gateway), Environment.PREPROD) == "postgres"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ODOO_PROD_SOURCE": "api"}, "ODOO_PROD_URL is not set: Odoo's API source needs "
         "ODOO_PROD_URL, ODOO_PROD_DB, ODOO_PROD_USERNAME and ODOO_PROD_PASSWORD or "
         "ODOO_PROD_API_KEY (or set ODOO_PROD_DSN to read Odoo's PostgreSQL)"),
        ({"ODOO_PROD_URL": "https://acme.odoo.com"}, "ODOO_PROD_DB, ODOO_PROD_USERNAME, "
         "ODOO_PROD_PASSWORD or ODOO_PROD_API_KEY are not set: Odoo's API source needs"),
        ({"ODOO_PROD_URL": "acme.odoo.com", "ODOO_PROD_DB": "a", "ODOO_PROD_USERNAME": "u",
          "ODOO_PROD_PASSWORD": "p"}, "ODOO_PROD_URL 'acme.odoo.com' is not a URL"),
        ({"ODOO_PROD_URL": "https://a.odoo.com", "ODOO_PROD_DB": "a", "ODOO_PROD_USERNAME": "u",
          "ODOO_PROD_PASSWORD": "p", "ODOOBRIDGE_ODOO_PROTOCOL": "json2"},
         "ODOO_PROD_API_KEY is not set: Odoo 19's JSON-2 API"),
    ],
)  # fmt: skip
def test_missing_api_settings_are_named(
    make_settings: Callable[..., Settings], values: dict[str, str], message: str
) -> None:
    from odoobridge.access.sync import open_source
    from odoobridge.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        open_source(make_settings(**values), Environment.PROD)
    assert str(caught.value).startswith(message)
