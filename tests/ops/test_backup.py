"""Backup and restore on both engines: a store with two runs of each source backed up,
restored into an empty SQLite and an empty PostgreSQL, and backed up again with the same
digests; a backup taken while another connection keeps writing is one consistent snapshot;
a damaged or altered backup is refused before anything is written; a target holding data is
refused unless forced; every kind of value comes back exactly across engines."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from odoobridge.auth.audit import record
from odoobridge.auth.models import AuditEvent
from odoobridge.errors import ConfigError, Conflict
from odoobridge.ops.backup import Manifest, snapshot, table_entry, table_lines, write_backup
from odoobridge.ops.backup_codec import column_kind, io_table, row_decoder
from odoobridge.ops.models import AlertState
from odoobridge.ops.restore import BackupRefused, restore_backup, verify_backup
from odoobridge.settings import Settings
from odoobridge.store.base import utcnow
from odoobridge.store.engine import Store, make_engine
from odoobridge.store.migrate import head_revisions
from odoobridge.sync.models import SyncRun
from tests.ops.backups import (
    digests,
    edit_manifest,
    edit_table,
    empty_postgres,
    manifest_of,
    rewrite,
)
from tests.ops.history import fill_history

Make = Callable[..., Settings]


@pytest.fixture(scope="module")
def demo_backup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    """One backup of a SQLite store with two runs of each source, shared by this module's
    tests that only read it."""
    folder = tmp_path_factory.mktemp("demo-backup")
    url = f"sqlite:///{folder / 'store.sqlite'}"
    store = Store(url)
    try:
        fill_history(store, Settings(_env_file=None, DATABASE_URL=url), folder)
        path = folder / "store.obk"
        return path, write_backup(store.engine, path)
    finally:
        store.dispose()


@pytest.fixture
def backed_up(demo_backup: tuple[Path, Manifest]) -> Path:
    return demo_backup[0]


def test_backup_then_restore_into_empty_sqlite_and_postgresql(
    store: Store, make_settings: Make, tmp_path: Path
) -> None:
    history = fill_history(store, make_settings(), tmp_path)
    path = tmp_path / "nested" / "store.obk"
    manifest = write_backup(store.engine, path)
    assert set(manifest.revisions) == head_revisions()
    assert manifest.source == store.dialect
    tables = {t.name: t for t in manifest.tables}
    assert "alembic_version" not in tables
    with store.session() as session:
        for name in ("sync_runs", "odoo_users", "odoo_memberships", "entra_users", "audit_events"):
            table = Table(name, MetaData())
            assert tables[name].rows == session.scalar(select(func.count()).select_from(table))
    assert tables["sync_runs"].rows == 6 == max(history.entra)
    # parents before children: the delta links point at their run
    order = [t.name for t in manifest.tables]
    assert order.index("sync_runs") < order.index("entra_delta_links")
    assert verify_backup(path).tables == manifest.tables

    sqlite_url = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    report = restore_backup(path, sqlite_url)
    assert (report.target, report.rows) == ("sqlite", manifest.total_rows)
    assert digests(sqlite_url, tmp_path) == manifest_of(manifest)
    with empty_postgres() as pg_url:
        report = restore_backup(path, pg_url)
        assert (report.target, report.rows) == ("postgresql", manifest.total_rows)
        assert report.as_dict()["verified"] is True
        assert digests(pg_url, tmp_path) == manifest_of(manifest)
        restored = Store(pg_url)  # upgrades nothing: already at head
        with restored.session() as session:  # sequences continue after the restored ids
            run = SyncRun(sync_type="odoo_postgres", environment="PREPROD", status="failed",
                          started_at=utcnow())  # fmt: skip
            session.add(run)
            session.flush()
            assert run.id == 7
        restored.dispose()


def test_a_backup_is_one_snapshot_while_another_connection_writes(
    store: Store, tmp_path: Path
) -> None:
    """A writer commits pairs of rows (an alert state and an audit event with the same key)
    without pause; the backup reads alert_states, waits until the writer has committed more
    pairs, then reads audit_events. One snapshot holds each pair whole."""
    committed = threading.Semaphore(0)
    stop = threading.Event()

    def write() -> None:
        k = 0
        while not stop.is_set():
            k += 1
            with store.write_session() as session:
                now = utcnow()
                session.add(AlertState(rule="tick", key=str(k), active=True, severity="info",
                                       title="t", detail={}, since=now, last_seen_at=now,
                                       notified=[], clear_notified=[]))  # fmt: skip
                record(session, actor="writer", action="tick", target=str(k))
            committed.release()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    for _ in range(3):
        assert committed.acquire(timeout=30)

    def between_tables(table: str, rows: int) -> None:
        if table == "alert_states":  # the writer goes on before audit_events is read
            for _ in range(3):
                assert committed.acquire(timeout=30)

    try:
        manifest = write_backup(store.engine, tmp_path / "live.obk", listener=between_tables)
    finally:
        stop.set()
        writer.join(30)
    restored = f"sqlite:///{tmp_path / 'live.sqlite'}"
    restore_backup(tmp_path / "live.obk", restored)
    check = Store(restored)
    with check.session() as session:
        states = set(session.scalars(select(AlertState.key).where(AlertState.rule == "tick")))
        ticks = set(session.scalars(select(AuditEvent.target).where(AuditEvent.action == "tick")))
    check.dispose()
    assert len(states) >= 3 and states == ticks
    with store.session() as session:  # the store itself went further
        later = session.scalar(select(func.count()).select_from(AlertState))
    assert later is not None and later >= len(states) + 3
    assert manifest_of(manifest)["alert_states"][0] == len(states)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda src, dst: rewrite(src, dst, edit_table("odoo_users", lambda d: d.replace(b"Mitchell Admin", b"Mitchell Admon"))),
         "was altered or damaged: table odoo_users does not match the digest in its manifest; nothing was restored"),
        (lambda src, dst: rewrite(src, dst, edit_table("sync_runs", lambda d: d + d.splitlines(keepends=True)[0])),
         "was altered or damaged: table sync_runs does not match the digest"),
        (lambda src, dst: rewrite(src, dst, edit_manifest(lambda m: m["tables"][0].update(rows=5))),
         "was altered or damaged: table accounts does not match the digest"),
        (lambda src, dst: dst.write_bytes(src.read_bytes()[: len(src.read_bytes()) // 2]) and dst,
         "is not a usable OdooBridge backup: a table's data cannot be read"),
        (lambda src, dst: dst.write_text("not a backup") and dst,
         "is not a usable OdooBridge backup: it is not a tar archive"),
        (lambda src, dst: rewrite(src, dst, edit_manifest(lambda m: m.update(format="pg_dump"))),
         "its manifest is not an OdooBridge backup manifest"),
        (lambda src, dst: rewrite(src, dst, edit_manifest(lambda m: m.update(version=2))),
         "is a backup of format version 2; this OdooBridge reads version 1"),
        (lambda src, dst: rewrite(src, dst, edit_manifest(lambda m: m.pop("tables"))),
         "its manifest lacks fields"),
        (lambda src, dst: rewrite(src, dst, lambda n, d: None if n == "manifest.json" else d),
         "it does not start with manifest.json"),
        (lambda src, dst: rewrite(src, dst, lambda n, d: None if n.endswith("_odoo_rules.jsonl.gz") else d),
         "the member for table odoo_rules is missing"),
        (lambda src, dst: rewrite(src, dst, lambda n, d: d, extra={"notes.txt": b"hello"}),
         "it holds members its manifest does not list"),
        (lambda src, dst: rewrite(src, dst, edit_manifest(lambda m: m["revisions"].append("29991231_future"))),
         r"the backup's schema \(.*29991231_future\) is newer than this OdooBridge knows"),
    ],
)  # fmt: skip
def test_a_damaged_or_altered_backup_is_refused(
    backed_up: Path, tmp_path: Path, damage: Callable[[Path, Path], Path], message: str
) -> None:
    broken = damage(backed_up, tmp_path / "broken.obk")
    target = tmp_path / "target" / "never.sqlite"
    with pytest.raises(BackupRefused, match=message) as refused:
        restore_backup(broken, f"sqlite:///{target}")
    assert "\n" not in str(refused.value)
    assert not target.exists()  # refused before the target was touched


def test_rows_that_do_not_fit_roll_everything_back(backed_up: Path, tmp_path: Path) -> None:
    """A manifest edited to drop a column still matches the digests: the load finds it out,
    and the transaction leaves the target without even the schema."""

    def drop_a_column(manifest: dict[str, object]) -> None:
        tables = manifest["tables"]
        assert isinstance(tables, list)
        users = next(t for t in tables if t["name"] == "odoo_users")
        users["columns"].pop()

    edited = rewrite(backed_up, tmp_path / "edited.obk", edit_manifest(drop_a_column))
    target = tmp_path / "target.sqlite"
    with pytest.raises(BackupRefused, match="a row of odoo_users does not fit its columns"):
        restore_backup(edited, f"sqlite:///{target}")
    engine = make_engine(f"sqlite:///{target}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT name FROM sqlite_master").all() == []
    engine.dispose()


def test_a_missing_backup_file(tmp_path: Path) -> None:
    with pytest.raises(BackupRefused, match="does not exist: give the path of a backup file"):
        restore_backup(tmp_path / "nowhere.obk", f"sqlite:///{tmp_path / 'x.sqlite'}")


def test_a_target_holding_data_is_refused_unless_forced(
    demo_backup: tuple[Path, Manifest], tmp_path: Path
) -> None:
    backed_up, manifest = demo_backup
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    restore_backup(backed_up, target)
    with pytest.raises(Conflict, match=r"target.sqlite already holds data \(table "):
        restore_backup(backed_up, target)
    other = Store(target)
    with other.session() as session:  # something only the target has
        record(session, actor="someone", action="only_in_target")
    other.dispose()
    restore_backup(backed_up, target, force=True)
    assert digests(target, tmp_path) == manifest_of(manifest)
    with empty_postgres() as url:  # the same into PostgreSQL, twice
        restore_backup(backed_up, url)
        with pytest.raises(Conflict, match="already holds data"):
            restore_backup(backed_up, url)
        restore_backup(backed_up, url, force=True)
        assert digests(url, tmp_path) == manifest_of(manifest)


def test_targets_that_are_not_an_empty_store(backed_up: Path, tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite"
    engine = make_engine(f"sqlite:///{foreign}")
    Table("invoices", MetaData(), Column("id", Integer, primary_key=True)).create(engine)
    engine.dispose()
    with pytest.raises(Conflict, match="holds tables that are not an OdooBridge store"):
        restore_backup(backed_up, f"sqlite:///{foreign}")

    # a backup made before the alerts migration, into a store already past it
    def older_edit(name: str, data: bytes) -> bytes | None:
        if name.endswith("_alert_states.jsonl.gz"):
            return None
        return edit_manifest(_without_alerts)(name, data)

    older = rewrite(backed_up, tmp_path / "older.obk", older_edit)
    ahead = tmp_path / "ahead.sqlite"
    Store(f"sqlite:///{ahead}").dispose()
    with pytest.raises(Conflict, match=r"is at schema .*20261202_alerts.*, ahead of the backup's"):
        restore_backup(older, f"sqlite:///{ahead}")
    # …restores into a new database at its own revision, and the store upgrades on opening
    report = restore_backup(older, f"sqlite:///{tmp_path / 'new.sqlite'}")
    assert "20261202_alerts" not in report.manifest.revisions


def _without_alerts(manifest: dict[str, object]) -> None:
    revisions = manifest["revisions"]
    tables = manifest["tables"]
    assert isinstance(revisions, list) and isinstance(tables, list)
    revisions.remove("20261202_alerts")
    tables[:] = [t for t in tables if t["name"] != "alert_states"]


# --- values, exactly, across engines ---------------------------------------------------------

SCRATCH_ROWS = [
    {"id": 1, "flag": True, "amount": Decimal("12.30"), "ratio": Decimal("0.125"), "f": 0.1,
     "data": {"z": 1, "a": [None, "é"], "nested": {"k": False}}, "blob": b"\x00\xffbinary",
     "at": datetime(2026, 12, 2, 9, 30, 0, 250000), "at_tz": datetime(2026, 12, 2, 9, 30, tzinfo=UTC),
     "day": date(2026, 2, 28), "t": time(23, 59, 59, 1), "name": "Ünïcode \"quoted\" \\ text", "note": None},
    {"id": 2, "flag": False, "amount": Decimal("-0.05"), "ratio": Decimal("100"), "f": -1e300,
     "data": None, "blob": None, "at": None, "at_tz": None, "day": None, "t": None, "name": "", "note": "x"},
    {"id": 3, "flag": None, "amount": None, "ratio": None, "f": None, "data": "JSON-NULL",
     "blob": b"", "at": datetime(1999, 1, 1), "at_tz": datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
     "day": date(1, 1, 1), "t": time(0, 0), "name": "a\nb", "note": "y"},
]  # fmt: skip


def _scratch(metadata: MetaData) -> Table:
    return Table(
        "scratch", metadata,
        Column("id", Integer, primary_key=True), Column("flag", Boolean),
        Column("amount", Numeric(12, 2)), Column("ratio", Numeric), Column("f", Float),
        Column("data", JSON(none_as_null=True)), Column("blob", LargeBinary),
        Column("at", DateTime()), Column("at_tz", DateTime(timezone=True)), Column("day", Date),
        Column("t", Time), Column("name", String(200)), Column("note", Text),
    )  # fmt: skip


def _lines(url: str) -> tuple[list[bytes], list[object]]:
    engine = make_engine(url)
    try:
        with snapshot(engine) as conn:
            reflected = MetaData()
            reflected.reflect(conn, only=["scratch"])
            entry = table_entry(reflected.tables["scratch"], 1)
            lines = list(table_lines(conn, entry))
        return lines, entry.columns
    finally:
        engine.dispose()


@pytest.mark.filterwarnings("ignore:Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")
def test_every_kind_of_value_comes_back_exactly(tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'scratch.sqlite'}"
    with empty_postgres() as pg_url, empty_postgres() as pg_copy:
        for url in (sqlite_url, pg_url):  # the same rows written by each engine's driver
            engine = make_engine(url)
            table = _scratch(MetaData())
            table.create(engine)
            rows = [{**r, "data": JSON.NULL if r["data"] == "JSON-NULL" else r["data"]}
                    for r in SCRATCH_ROWS]  # fmt: skip
            with engine.begin() as conn:
                conn.execute(insert(table), rows)
            engine.dispose()
        sqlite_lines, columns = _lines(sqlite_url)
        pg_lines, _ = _lines(pg_url)
        assert sqlite_lines == pg_lines  # one encoding, whichever engine holds the rows
        assert [c.kind for c in columns] == [  # type: ignore[attr-defined]
            "int", "bool", "decimal", "decimal", "float", "json", "bytes", "datetime",
            "datetime", "date", "time", "str", "str"]  # fmt: skip

        # the SQLite lines loaded into PostgreSQL read back as the values written
        engine = make_engine(pg_copy)
        _scratch(MetaData()).create(engine)
        decode = row_decoder(columns, "postgresql")  # type: ignore[arg-type]
        with engine.begin() as conn:
            conn.execute(insert(io_table("scratch", columns, "postgresql")),  # type: ignore[arg-type]
                         [decode(line) for line in sqlite_lines])  # fmt: skip
            typed = _scratch(MetaData())
            back = [dict(r._mapping) for r in conn.execute(select(typed).order_by(typed.c.id))]
            sql_null = conn.scalar(select(func.count()).where(typed.c.data.is_(None)))
        engine.dispose()
        assert pg_lines == _lines(pg_copy)[0]
    expected = [
        {**r, "data": None if r["data"] == "JSON-NULL" else r["data"]} for r in SCRATCH_ROWS
    ]
    assert back == expected
    assert sql_null == 1  # row 2 only: row 3's JSON null stayed JSON null


def test_a_column_type_a_backup_cannot_carry() -> None:
    with pytest.raises(ConfigError, match=r"column t.tags has the type ARRAY"):
        column_kind(ARRAY(Integer), "column t.tags")
