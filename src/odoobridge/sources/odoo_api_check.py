"""What ``odoobridge check odoo`` reports about an API source: it signs in, names the server's
version and the protocol, tries one read of every model the sync reads (with the very fields it
reads) and says which right is missing where Odoo refuses, and warns when the user is more than
the sync needs — it can change Odoo's settings, signs in with a password rather than an API key,
or is not allowed in every company (multi-company rules would hide records from it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odoobridge.sources.odoo_api import OdooApiTarget, adapter_for
from odoobridge.sources.odoo_api_calls import ApiCaller, OdooApiRightMissing, is_unknown_model
from odoobridge.sources.odoo_api_reads import ModelRead, ReadPlan
from odoobridge.sources.odoo_db import parse_major
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcError
from odoobridge.sources.odoo_schema import SchemaAdapter

SETTINGS_MODEL = "ir.config_parameter"  # who may write it may change Odoo's settings


@dataclass
class ModelCheck:
    model: str
    why: str
    optional: bool
    ok: bool
    exists: bool = True
    fix: str = ""  # the right to give, as Odoo names the groups that grant it
    problem: str = ""  # any other refusal, in Odoo's words


@dataclass
class ApiDiagnosis:
    where: str
    user: str
    uid: int
    protocol: str
    server_version: str
    major: int | None
    adapter: str
    checks: list[ModelCheck] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks if not c.optional)

    def as_dict(self) -> dict[str, Any]:
        """The shape of the PostgreSQL check's answer (``tables`` are models here)."""
        return {
            "ok": self.ok,
            "source": "api",
            "database": self.where,
            "role": self.user,
            "uid": self.uid,
            "protocol": self.protocol,
            "server_version": self.server_version,
            "read_only": True,  # the API source sends reads only
            "odoo": {
                "odoo_version": self.server_version,
                "major": self.major,
                "adapter": self.adapter,
            },
            "tables": [
                {
                    "table": c.model,
                    "optional": c.optional,
                    "why": c.why,
                    "ok": c.ok,
                    "exists": c.exists,
                    "missing_columns": [],
                    "fix": c.fix or None,
                    "problem": c.problem or None,
                }
                for c in self.checks
            ],
            "warnings": self.warnings,
        }


def diagnose_api(target: OdooApiTarget) -> ApiDiagnosis:
    """Sign in and check every read the sync makes; the client's errors (wrong password,
    unreachable Odoo) propagate as they are."""
    with OdooRpcClient(target.config) as client:
        version = str(client.version().get("server_version") or "")
        uid = client.authenticate()
        caller = ApiCaller(client, target.lang, target.deadline)
        fields = caller.call("res.groups", "fields_get", attributes=["type"])
        adapter = adapter_for(fields, parse_major(version), target.lang)
        plan = ReadPlan(adapter)
        reasons = {n.table.replace("_", "."): n.why for n in adapter.needs()}
        checks = [_check(caller, read, reasons, False) for read in plan.required()]
        checks += [_check(caller, read, reasons, True) for read in plan.optional()]
        diagnosis = ApiDiagnosis(
            where=target.where,
            user=target.config.username,
            uid=uid,
            protocol=target.config.protocol,
            server_version=version,
            major=parse_major(version),
            adapter=f"{adapter.name} ({adapter.generations})",
            checks=checks,
        )
        diagnosis.warnings = _warnings(caller, target, adapter, uid)
    return diagnosis


def _check(
    caller: ApiCaller, read: ModelRead, reasons: dict[str, str], optional: bool
) -> ModelCheck:
    check = ModelCheck(read.model, reasons.get(read.model, ""), optional, ok=False)
    try:
        caller.call(
            read.model,
            "search_read",
            [list(t) for t in read.domain],
            fields=list(read.fields),
            limit=1,
        )
    except OdooApiRightMissing as exc:
        check.fix = exc.needs
    except OdooRpcError as exc:
        if is_unknown_model(exc):
            check.exists = False
            module = f" (the {read.module} module is not installed)" if read.module else ""
            check.problem = f"no such model{module}"
        else:
            check.problem = exc.odoo_message or exc.message
    else:
        check.ok = True
    return check


def _warnings(
    caller: ApiCaller, target: OdooApiTarget, adapter: SchemaAdapter, uid: int
) -> list[str]:
    config = target.config
    warnings = []
    user = config.username
    try:
        settings_groups = _settings_groups(caller, adapter, uid)
        [me] = caller.call("res.users", "read", [uid], fields=["company_ids"])
        companies = caller.call("res.company", "search_read", [], fields=["name"])
    except (OdooRpcError, OdooApiRightMissing):
        settings_groups, me, companies = [], {"company_ids": []}, []  # the checks say why
    if settings_groups:
        warnings.append(
            f"{user!r} can change Odoo's settings (through {', '.join(settings_groups)}): the "
            "sync only reads and needs Administration / Access Rights (and Employees: Officer "
            "for employees) — give it a dedicated user with just those and an API key"
        )
    if config.api_key is None:
        warnings.append(
            f"{user!r} signs in with a password: create an API key for it (Preferences → "
            f"Account Security → New API Key) and set {config.setting('API_KEY')} instead of "
            f"{config.setting('PASSWORD')}"
        )
    outside = [c["name"] for c in companies if c["id"] not in set(me["company_ids"])]
    if outside:
        warnings.append(
            f"{user!r} is not allowed in {', '.join(outside)}: Odoo's multi-company rules may "
            "hide that company's users and employees from it — allow it every company"
        )
    return warnings


def _settings_groups(caller: ApiCaller, adapter: SchemaAdapter, uid: int) -> list[str]:
    """The user's groups (implied ones included) that may write Odoo's settings."""
    [me] = caller.call("res.users", "read", [uid], fields=[adapter.api_user_groups])
    implied = {
        int(r["id"]): [int(h) for h in r["implied_ids"]]
        for r in caller.call("res.groups", "search_read", [], fields=["implied_ids"])
    }
    held: set[int] = set()
    todo = [int(g) for g in me[adapter.api_user_groups]]
    while todo:
        group = todo.pop()
        if group not in held:
            held.add(group)
            todo += implied.get(group, [])
    writers = caller.call(
        "ir.model.access",
        "search_read",
        [["model_id.model", "=", SETTINGS_MODEL], ["perm_write", "=", True], ["active", "=", True]],
        fields=["group_id"],
    )
    return sorted({w["group_id"][1] for w in writers if w["group_id"] and w["group_id"][0] in held})
