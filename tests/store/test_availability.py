"""An unusable store is one clear line (issue 18.12): a read-only folder or file, a path through
a file, a folder that cannot be made, a port that is not a number, an invalid option, a
read-only server. The CLI exits non-zero without a traceback, ``serve`` refuses to start saying
why, and ``/readyz`` answers 503 while the store takes no writes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text

from odoobridge.settings import Settings
from odoobridge.store.availability import StoreUnavailable, check_writable
from odoobridge.store.engine import Store
from odoobridge.store.migrate import head_revisions
from odoobridge.web.app import create_app
from tests import pg
from tests.web.live import client, live_server

ROOT = Path(__file__).resolve().parents[2]
MOCK = ROOT / "src" / "odoobridge" / "demo" / "data" / "odoo18_preprod.json"


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make ``paths`` unwritable, even for root (``chattr +i``), for the block."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        return
    modes = {p: p.stat().st_mode for p in paths}
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def odoobridge(
    *args: str, database_url: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ALLOW_SYNC_MOCKS": "1",
        "ODOO_SYNC_MOCK_FILE": str(MOCK),
        "ODOOBRIDGE_SECRET_KEY": "s" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "odoobridge", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr.removeprefix("error: ").rstrip("\n")


def migrated(path: Path) -> str:
    url = f"sqlite:///{path}"
    Store(url).dispose()
    return url


def test_a_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        line = one_line(odoobridge("sync", "odoo", database_url=f"sqlite:///{folder}/s.sqlite"))
    assert line == (
        f"the store {folder}/s.sqlite cannot be opened: this user must be able to write the "
        f"file and its folder {folder} (or point DATABASE_URL / ODOOBRIDGE_DATA_DIR elsewhere)"
    )


def test_a_read_only_file(tmp_path: Path) -> None:
    url = migrated(tmp_path / "s.sqlite")
    with read_only(tmp_path / "s.sqlite"):
        line = one_line(odoobridge("sync", "odoo", database_url=url))
    assert line == (
        f"the store {tmp_path}/s.sqlite is read-only: this user must be able to write the file "
        f"and its folder {tmp_path} (or point DATABASE_URL / ODOOBRIDGE_DATA_DIR elsewhere)"
    )


def test_a_path_through_a_file(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    line = one_line(odoobridge("db", "upgrade", database_url=f"sqlite:///{tmp_path}/afile/s.db"))
    assert line == (
        f"the store's folder {tmp_path}/afile cannot be made: {tmp_path}/afile is a file, not a "
        "folder (point DATABASE_URL or ODOOBRIDGE_DATA_DIR at a folder)"
    )


def test_a_missing_folder_that_cannot_be_made(tmp_path: Path) -> None:
    with read_only(tmp_path):
        result = odoobridge("db", "upgrade", database_url=f"sqlite:///{tmp_path}/new/s.sqlite")
    line = one_line(result)
    assert line.startswith(f"the store's folder {tmp_path}/new cannot be made (")
    assert line.endswith(
        "): create it, or point DATABASE_URL or ODOOBRIDGE_DATA_DIR at a folder this user may write"
    )


def test_a_missing_folder_that_can_be_made_is_made(tmp_path: Path) -> None:
    result = odoobridge("db", "upgrade", database_url=f"sqlite:///{tmp_path}/a/b/s.sqlite")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a" / "b" / "s.sqlite").is_file()


def test_a_port_that_is_not_a_number() -> None:
    url = "postgresql://store:Sekrit-Pw-1@127.0.0.1:notaport/ob"
    line = one_line(odoobridge("db", "upgrade", database_url=url))
    assert line == (
        "DATABASE_URL 'postgresql+psycopg://store:***@127.0.0.1:notaport/ob' is not a database "
        "URL (its port 'notaport' is not a number): use sqlite:///path/to/file or "
        "postgresql+psycopg://user:password@host:5432/dbname"
    )


def test_an_invalid_option_is_named() -> None:
    url = pg.url_for("postgres") + "?sslmode=bogus"
    line = one_line(odoobridge("db", "upgrade", database_url=url))
    assert line == 'DATABASE_URL has an invalid option: invalid sslmode value: "bogus": fix it'


def test_serve_refuses_a_read_only_store(tmp_path: Path) -> None:
    url = migrated(tmp_path / "s.sqlite")
    with read_only(tmp_path / "s.sqlite"):
        result = odoobridge("serve", "--port", str(pg.free_port()), database_url=url, timeout=30)
    assert one_line(result).startswith(f"the store {tmp_path}/s.sqlite is read-only: ")


@pytest.fixture
def read_only_database(store_url: str) -> Iterator[Callable[[], None]]:
    """``make()`` turns the store's database read-only (new connections only, like a standby);
    a no-op on SQLite, whose file is made read-only by the test itself."""
    database = store_url.rsplit("/", 1)[1]
    made: list[bool] = []

    def make() -> None:
        with pg.connect() as conn:
            conn.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
        made.append(True)

    yield make
    if made:
        with pg.connect() as conn:
            conn.execute(f'ALTER DATABASE "{database}" RESET default_transaction_read_only')


def test_readyz_fails_while_the_store_takes_no_writes(
    store: Store, make_settings: Callable[..., Settings], read_only_database: Callable[[], None]
) -> None:
    app = create_app(make_settings(ODOOBRIDGE_SECRET_KEY="k" * 40), store)
    with live_server(app) as base, client(base) as c:
        assert c.get("/readyz").status_code == 200
        store.engine.dispose()
        if store.dialect == "sqlite":
            path = Path(store.engine.url.database or "")
            with read_only(path):
                answer = c.get("/readyz")
                with pytest.raises(StoreUnavailable, match="is read-only"):
                    check_writable(store.engine)
                store.engine.dispose()
            expected = (
                f"the store {path} is read-only: this user must be able to write the file and "
                f"its folder {path.parent} (or point DATABASE_URL / ODOOBRIDGE_DATA_DIR elsewhere)"
            )
        else:
            read_only_database()
            answer = c.get("/readyz")
            with pytest.raises(StoreUnavailable, match="takes no writes"):
                check_writable(store.engine)
            url = store.engine.url
            expected = (
                f"the store at {url.host}:{url.port}/{url.database} takes no writes (cannot "
                "execute UPDATE in a read-only transaction): point DATABASE_URL at the primary "
                "server, with a login that may write"
            )
        assert (answer.status_code, answer.json()) == (503, {"detail": expected})


def test_a_writable_store_passes_the_probe_and_keeps_its_rows(store: Store) -> None:
    check_writable(store.engine)
    with store.engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert set(versions) == head_revisions()
