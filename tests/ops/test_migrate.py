"""Moving the embedded SQLite store to PostgreSQL (``store migrate``): a store holding two runs
of each source (the bundled demo data, with changes between the runs) is copied, and every
analysis answer — who can, what a user can do, what a group grants, findings, the diff of two
runs, timelines, Entra users, Merge & Compare — is the same on both stores, at every run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import pytest

from odoobridge.access.analysis.answers import group_grants, user_access, who_can
from odoobridge.access.analysis.effective import PERMS, index_for
from odoobridge.access.analysis.history import diff_runs, group_timeline, user_timeline
from odoobridge.access.comparisons import latest_comparison, run_compare
from odoobridge.access.findings.reports import findings_for
from odoobridge.directory.state import entra_users
from odoobridge.environment import Environment
from odoobridge.errors import ConfigError, Conflict
from odoobridge.ops.jobs import migrate_store
from odoobridge.settings import Settings
from odoobridge.store.engine import Store
from odoobridge.sync.runs import list_runs
from tests.ops.backups import digests, empty_postgres, manifest_of
from tests.ops.history import History, fill_history


def plain(value: Any) -> Any:
    """Answers as plain data (dataclasses, named tuples, lists) so two stores compare."""
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return value._asdict()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def answers(store: Store, settings: Settings, history: History) -> dict[str, Any]:
    """Every analysis answer the service functions give, at every run of the history."""
    found: dict[str, Any] = {}
    with store.session() as session:
        found["runs"] = [r.as_dict() for r in list_runs(session, limit=100)[1]]
        for environment, runs in ((Environment.PREPROD, history.preprod),
                                  (Environment.PROD, history.prod)):  # fmt: skip
            env = environment.value
            for run in runs:
                index = index_for(session, environment, run)
                snap = index.snap
                models = sorted({acl.model for acl in snap.acls})
                for model in models:
                    for perm in PERMS:
                        found[f"{env}/{run}/who-can/{model}/{perm}"] = plain(
                            who_can(index, model, perm, include_inactive=True)
                        )
                for user in snap.users.values():
                    found[f"{env}/{run}/user/{user.login}"] = plain(user_access(index, user.login))
                for group_id in sorted(snap.groups):
                    found[f"{env}/{run}/group/{group_id}"] = plain(group_grants(index, group_id))
                _index, findings = findings_for(session, settings, environment, run)
                found[f"{env}/{run}/findings"] = [f.as_dict() for f in findings]
            found[f"{env}/diff"] = plain(diff_runs(session, environment, *runs))
            last = index_for(session, environment, runs[1]).snap
            for user_id in sorted(last.users):
                found[f"{env}/timeline/user/{user_id}"] = plain(
                    user_timeline(session, environment, user_id)
                )
            for group_id in sorted(last.groups)[:40]:
                found[f"{env}/timeline/group/{group_id}"] = plain(
                    group_timeline(session, environment, group_id)
                )
        for run in history.entra:
            found[f"entra/{run}"] = [plain(u) for u in entra_users(session, run)]
        comparison = latest_comparison(session, Environment.PREPROD)
        found["compare"] = (comparison.summary, comparison.items, comparison.odoo_run_id)
    return found


def test_sqlite_to_postgresql_keeps_every_answer(sqlite_store_url: str, tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, DATABASE_URL=sqlite_store_url, ODOOBRIDGE_DATA_DIR=str(tmp_path)
    )
    source = Store(sqlite_store_url)
    history = fill_history(source, settings, tmp_path)
    with source.session() as session:
        run_compare(session, settings, Environment.PREPROD, actor="auditor@example.com")
    before = answers(source, settings, history)
    assert len(before) > 2_000  # every model, user, group and run
    assert before["PREPROD/diff"]["entities"]["memberships"]["added"] == [
        {"user_id": 6, "group_id": 4, "login": "demo", "group": "Settings"}]  # fmt: skip
    assert before["PROD/diff"]["counts"]["groups"]["removed"] == 1  # the hotfix group
    assert len([k for k in before if "/who-can/" in k]) > 1_000

    with empty_postgres() as url:
        manifest, report = migrate_store(source, settings, url)
        assert (manifest.source, report.target) == ("sqlite", "postgresql")
        assert report.rows == manifest.total_rows and manifest.tables
        assert not list(tmp_path.glob(".store-migrate-*"))  # the interim file is gone
        assert digests(url, tmp_path) == manifest_of(manifest)
        target = Store(url)
        try:
            pg_settings = settings.model_copy(update={"database_url": None})
            after = answers(target, pg_settings, history)
        finally:
            target.dispose()
        with pytest.raises(Conflict, match="already holds data"):
            migrate_store(source, settings, url)
    source.dispose()
    assert after.keys() == before.keys()
    differing = [key for key in before if before[key] != after[key]]
    assert differing == []


def test_migrating_onto_itself_is_refused(
    sqlite_store_url: str, make_settings: Callable[..., Settings]
) -> None:
    store = Store(sqlite_store_url)
    with pytest.raises(ConfigError, match="the target is the store itself"):
        migrate_store(store, make_settings(), sqlite_store_url)
    store.dispose()
