"""Install, upgrade and uninstall the ``analytics`` schema in Odoo's database.

``install`` runs in one transaction under an advisory lock: it creates the schema (when absent),
the label functions and every view whose Odoo modules and tables are there, each with its
documentation as comments; with ``materialized`` also ``mv_…`` copies with a unique index on their
key, so ``REFRESH MATERIALIZED VIEW CONCURRENTLY`` works. Each object is recorded with the checksum
of its SQL (:mod:`odoobridge.bi.records`): a second install with the same package changes nothing;
a newer package rebuilds exactly the objects whose SQL changed. A view whose module is missing is
skipped and reported; one installed earlier whose module is gone since is removed and reported.

``uninstall`` removes the recorded objects only, gives back what ``bi grant`` changed, and drops
the schema only when install created it and nothing else lives in it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import sql

from odoobridge.bi import records
from odoobridge.bi.access_publish import unpublish
from odoobridge.bi.connection import BiDatabaseError, OdooCatalog, read_odoo_catalog
from odoobridge.bi.grants import regrant, revoke_grant
from odoobridge.bi.policies import disable_policies, drop_policy_table, ensure_policies
from odoobridge.bi.records import Record, qualified
from odoobridge.bi.specs import SCHEMA, ViewSpec, function_spec, view_specs

MATERIALIZED = ("setting", "materialized")
POLICIES = ("setting", "policies")


@dataclass
class InstallReport:
    database: str
    schema_created: bool = False
    materialized: bool = False
    installed: list[str] = field(default_factory=list)
    upgraded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    regranted: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.installed or self.upgraded or self.removed or self.schema_created)

    def as_dict(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "schema": SCHEMA,
            "schema_created": self.schema_created,
            "materialized": self.materialized,
            "installed": self.installed,
            "upgraded": self.upgraded,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": self.skipped,
            "regranted": self.regranted,
        }


def unavailable(spec: ViewSpec, catalog: OdooCatalog) -> str | None:
    """Why ``spec`` cannot be built on this Odoo (None when it can)."""
    modules = catalog.absent_modules(spec.modules)
    if modules:
        return f"Odoo module {', '.join(modules)} not installed"
    gaps = catalog.missing(spec.requires)
    if gaps:
        return "; ".join(gaps)
    return None


def install(
    conn: psycopg.Connection[Any], database: str, *, materialized: bool | None = None
) -> InstallReport:
    """Bring the analytics schema to this package's version (see the module docstring)."""
    report = InstallReport(database=database)
    records.lock(conn)
    if not records.schema_exists(conn):
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
        report.schema_created = True
    if not records.table_exists(conn):
        records.create_table(conn)
        records.save(conn, Record("schema", SCHEMA, detail={"created": report.schema_created}))
        records.save(conn, Record("table", records.TABLE))
    known = records.load(conn)
    catalog = read_odoo_catalog(conn)
    _install_functions(conn, known, report)

    setting = known.get(MATERIALIZED)
    wanted = bool(setting and setting.detail.get("on")) if materialized is None else materialized
    report.materialized = wanted
    if setting is None or bool(setting.detail.get("on")) != wanted:
        records.save(conn, Record(*MATERIALIZED, detail={"on": wanted}))

    for spec in view_specs():
        _install_view(conn, spec, catalog, known, wanted, report)
    policies = known.get(POLICIES)
    if policies is not None and (report.installed or report.upgraded or report.removed):
        ensure_policies(conn, records.load(conn), str(policies.detail["prefix"]))
    if report.installed or report.upgraded:
        report.regranted = regrant(conn, records.load(conn))
    return report


def _install_functions(
    conn: psycopg.Connection[Any], known: dict[tuple[str, str], Record], report: InstallReport
) -> None:
    spec = function_spec()
    record = known.get(("function", spec.name))
    if record is not None and record.checksum == spec.checksum:
        return
    conn.execute(spec.render())  # CREATE OR REPLACE: the views using it stay
    for signature in ("jsonb", "text"):
        conn.execute(
            sql.SQL("COMMENT ON FUNCTION {}({}) IS {}").format(
                qualified(spec.name), sql.SQL(signature), sql.Literal(spec.doc)
            )
        )
    records.save(conn, Record("function", spec.name, spec.version, spec.checksum))
    (report.upgraded if record else report.installed).append(spec.name)


def _install_view(
    conn: psycopg.Connection[Any],
    spec: ViewSpec,
    catalog: OdooCatalog,
    known: dict[tuple[str, str], Record],
    materialized: bool,
    report: InstallReport,
) -> None:
    view = known.get(("view", spec.name))
    matview = had_matview = known.get(("matview", spec.materialized_name))
    reason = unavailable(spec, catalog)
    if reason is not None:
        report.skipped[spec.name] = reason
        if matview is not None:
            _drop_matview(conn, spec.materialized_name)
            report.removed[spec.materialized_name] = reason
        if view is not None:
            _drop(conn, "VIEW", spec.name, "view")
            report.removed[spec.name] = reason
        return

    present = records.relation_kind(conn, spec.name)
    if view is None and present is not None:
        raise BiDatabaseError(
            f"{SCHEMA}.{spec.name} exists but OdooBridge did not create it: rename or drop it, "
            "then install again"
        )
    if view is None or view.checksum != spec.checksum or present != "v":
        if matview is not None:
            _drop_matview(conn, spec.materialized_name)
            matview = None
        if present == "v":
            conn.execute(sql.SQL("DROP VIEW {}").format(qualified(spec.name)))
        _create_view(conn, spec)
        records.save(conn, Record("view", spec.name, spec.version, spec.checksum))
        (report.installed if view is None else report.upgraded).append(spec.name)
    else:
        report.unchanged.append(spec.name)

    mv = spec.materialized_name
    if materialized:
        current = records.relation_kind(conn, mv)
        if matview is None and current is not None:
            raise BiDatabaseError(
                f"{SCHEMA}.{mv} exists but OdooBridge did not create it: rename or drop it"
            )
        if matview is None or matview.checksum != spec.checksum or current != "m":
            if current == "m":
                _drop_matview(conn, mv)
            _create_matview(conn, spec)
            records.save(conn, Record("matview", mv, spec.version, spec.checksum))
            (report.installed if had_matview is None else report.upgraded).append(mv)
        else:
            report.unchanged.append(mv)
    elif matview is not None:
        _drop_matview(conn, mv)
        report.removed[mv] = "materialized views turned off"


def _create_view(conn: psycopg.Connection[Any], spec: ViewSpec) -> None:
    conn.execute(
        sql.SQL("CREATE VIEW {} AS\n").format(qualified(spec.name)) + sql.SQL(spec.render())
    )
    _comment(conn, "VIEW", spec.name, spec)


def _create_matview(conn: psycopg.Connection[Any], spec: ViewSpec) -> None:
    mv = spec.materialized_name
    conn.execute(
        sql.SQL("CREATE MATERIALIZED VIEW {} AS SELECT * FROM {}").format(
            qualified(mv), qualified(spec.name)
        )
    )
    conn.execute(
        sql.SQL("CREATE UNIQUE INDEX {} ON {} ({})").format(
            sql.Identifier(f"{mv}_key"),
            qualified(mv),
            sql.SQL(", ").join(map(sql.Identifier, spec.key)),
        )
    )
    _comment(conn, "MATERIALIZED VIEW", mv, spec, prefix="Materialized copy of vw: ")


def _comment(
    conn: psycopg.Connection[Any], kind: str, name: str, spec: ViewSpec, prefix: str = ""
) -> None:
    conn.execute(
        sql.SQL("COMMENT ON {} {} IS {}").format(
            sql.SQL(kind), qualified(name), sql.Literal(prefix.replace("vw", spec.name) + spec.doc)
        )
    )
    for column, doc in spec.columns.items():
        conn.execute(
            sql.SQL("COMMENT ON COLUMN {}.{} IS {}").format(
                qualified(name), sql.Identifier(column), sql.Literal(doc)
            )
        )


def _drop(conn: psycopg.Connection[Any], kind: str, name: str, record_kind: str) -> None:
    conn.execute(sql.SQL("DROP {} IF EXISTS {}").format(sql.SQL(kind), qualified(name)))
    records.delete(conn, record_kind, name)


def _drop_matview(conn: psycopg.Connection[Any], name: str) -> None:

    drop_policy_table(conn, name)
    _drop(conn, "MATERIALIZED VIEW", name, "matview")


def data_objects(conn: psycopg.Connection[Any]) -> list[str]:
    """Installed views and materialized views, by name."""
    known = records.load(conn)
    return [r.name for r in records.of_kind(known, "view") + records.of_kind(known, "matview")]


@dataclass
class UninstallReport:
    database: str
    removed: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"database": self.database, "removed": self.removed, "kept": self.kept}


def uninstall(conn: psycopg.Connection[Any], database: str) -> UninstallReport:
    """Remove what install, grant, publish and native RLS recorded; nothing else."""

    report = UninstallReport(database=database)
    records.lock(conn)
    known = records.load(conn)
    if not known:
        report.kept[SCHEMA] = "nothing of OdooBridge's is installed in this database"
        return report
    report.removed += disable_policies(conn, known, report.kept)
    report.removed += unpublish(conn, known)
    for record in records.of_kind(known, "matview"):
        _drop(conn, "MATERIALIZED VIEW", record.name, "matview")
        report.removed.append(record.name)
    for record in records.of_kind(known, "view"):
        _drop(conn, "VIEW", record.name, "view")
        report.removed.append(record.name)
    for record in records.of_kind(known, "function"):
        for signature in ("jsonb", "text"):
            conn.execute(
                sql.SQL("DROP FUNCTION IF EXISTS {}({})").format(
                    qualified(record.name), sql.SQL(signature)
                )
            )
        report.removed.append(record.name)
    for record in records.of_kind(known, "grant"):
        report.removed += revoke_grant(conn, database, record, report.kept)
    conn.execute(sql.SQL("DROP TABLE {}").format(qualified(records.TABLE)))
    report.removed.append(records.TABLE)
    schema = known.get(("schema", SCHEMA))
    if schema is not None and schema.detail.get("created"):
        conn.execute("SAVEPOINT drop_schema")
        try:
            conn.execute(sql.SQL("DROP SCHEMA {}").format(sql.Identifier(SCHEMA)))
            report.removed.append(SCHEMA)
        except pg_errors.DependentObjectsStillExist:
            conn.execute("ROLLBACK TO SAVEPOINT drop_schema")
            report.kept[SCHEMA] = "it holds objects OdooBridge did not create"
        conn.execute("RELEASE SAVEPOINT drop_schema")
    else:
        report.kept[SCHEMA] = "it existed before OdooBridge installed"
    return report
