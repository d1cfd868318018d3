"""``odoobridge check odoo`` for a database: connect, detect the version, check every grant the
sync needs and every credential column the login should not read (:mod:`.odoo_secrets`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odoobridge.sources.odoo_db import OdooDbReader, OdooDbTarget, SourceInfo
from odoobridge.sources.odoo_grants import GrantReport
from odoobridge.sources.odoo_secrets import ReadableSecret, readable_secrets, secret_warnings


@dataclass
class Diagnosis:
    """What ``odoobridge check odoo`` reports about a DSN."""

    database: str
    role: str
    server_version: str
    read_only: bool
    info: SourceInfo
    grants: GrantReport
    secrets: list[ReadableSecret] = field(default_factory=list)  # credentials it may read

    @property
    def ok(self) -> bool:
        return self.read_only and not self.grants.required_problems()

    def warnings(self) -> list[str]:
        return self.grants.warnings() + secret_warnings(self.secrets, self.grants)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "database": self.database,
            "role": self.role,
            "server_version": self.server_version,
            "read_only": self.read_only,
            "odoo": self.info.as_dict(),
            "tables": [
                {
                    "table": s.need.table,
                    "optional": s.need.optional,
                    "why": s.need.why,
                    "ok": s.ok,
                    "exists": s.exists,
                    "missing_columns": list(s.missing_columns),
                    "fix": s.fix(self.grants.role),
                }
                for s in self.grants.statuses
            ],
            "secrets": [secret.as_dict() for secret in self.secrets],
            "warnings": self.warnings(),
        }


def diagnose(target: OdooDbTarget) -> Diagnosis:
    """Connect, detect the Odoo version, check every grant the sync needs and every credential
    column the login should not read."""
    with OdooDbReader(target, check_only=True) as reader:
        assert reader.grants is not None and reader.info is not None
        (server_version, read_only), *_ = reader.execute(
            "SELECT current_setting('server_version'), current_setting('transaction_read_only')"
        )
        with reader.translating():
            secrets = readable_secrets(reader.driver)
        return Diagnosis(
            database=target.where,
            role=reader.grants.role,
            server_version=str(server_version),
            read_only=read_only == "on",
            info=reader.info,
            grants=reader.grants,
            secrets=secrets,
        )
