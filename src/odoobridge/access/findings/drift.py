"""PREPROD ↔ PROD drift: groups, implications, ACL rows and record rules that differ between the
two environments. Records are matched by external id where both databases have one, else by
name (database ids differ between environments)."""

from __future__ import annotations

from typing import Any

from odoobridge.access.analysis.effective import PERMS, AccessIndex, acl_grants
from odoobridge.access.findings.base import Finding, finding_id


def _group_keys(index: AccessIndex) -> dict[int, str]:
    snap = index.snap
    return {g: snap.xml_id("res.groups", g) or snap.group_name(g) for g in snap.groups}


def _groups(index: AccessIndex) -> dict[str, dict[str, Any]]:
    keys = _group_keys(index)
    return {keys[g]: {"name": index.snap.group_name(g)} for g in index.snap.groups}


def _implications(index: AccessIndex) -> dict[str, dict[str, Any]]:
    keys = _group_keys(index)
    return {
        f"{keys.get(g, str(g))} → {keys.get(h, str(h))}": {"present": True}
        for g, implied in index.snap.implied.items()
        for h in implied
    }


def _acls(index: AccessIndex) -> dict[str, dict[str, Any]]:
    keys = _group_keys(index)
    found = {}
    for acl in index.snap.acls:
        group = keys.get(acl.group_id, "everyone") if acl.group_id is not None else "everyone"
        key = (
            index.snap.xml_id("ir.model.access", acl.odoo_id)
            or f"{acl.name} ({acl.model}, {group})"
        )
        found[key] = {
            "model": acl.model,
            "group": group,
            "operations": [p for p in PERMS if acl_grants(acl, p)],
            "active": acl.active,
        }
    return found


def _rules(index: AccessIndex) -> dict[str, dict[str, Any]]:
    keys = _group_keys(index)
    found = {}
    for rule in index.snap.rules.values():
        key = index.snap.xml_id("ir.rule", rule.odoo_id) or f"{rule.name} ({rule.model})"
        found[key] = {
            "model": rule.model,
            "domain": rule.domain,
            "operations": [p for p in PERMS if getattr(rule, f"perm_{p}")],
            "groups": sorted(
                keys.get(g, str(g)) for g in index.snap.rule_groups.get(rule.odoo_id, ())
            ),
            "active": rule.active,
        }
    return found


ENTITIES = (
    ("group", _groups, "low"),
    ("implication", _implications, "medium"),
    ("acl", _acls, "medium"),
    ("rule", _rules, "medium"),
)


def shown(value: Any) -> str:
    """A fact's value as a person reads it: lists joined, yes/no, a dash for nothing."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def drift_table(
    env_a: str, env_b: str, mine: dict[str, Any] | None, theirs: dict[str, Any] | None
) -> list[list[str]]:
    """A before/after table: a row per field, each side's value (— where it does not exist)."""
    fields = list((mine or theirs or {}).keys())
    rows = [["", env_a, env_b]]
    for name in fields:
        rows.append(
            [
                name,
                shown(mine.get(name)) if mine is not None else "(does not exist)",
                shown(theirs.get(name)) if theirs is not None else "(does not exist)",
            ]
        )
    return rows


def env_drift(index: AccessIndex, other: AccessIndex) -> list[Finding]:
    """Every difference between the two environments' runs."""
    a, b = sorted((index, other), key=lambda i: i.snap.environment.value)
    env_a, env_b = a.snap.environment.value, b.snap.environment.value
    pair = f"{env_a}/{env_b}"
    found = []
    for entity, read, severity in ENTITIES:
        left, right = read(a), read(b)
        for key in sorted(set(left) | set(right)):
            mine, theirs = left.get(key), right.get(key)
            if mine == theirs:
                continue
            if mine is None or theirs is None:
                where = env_a if theirs is None else env_b
                title = f"{entity} {key} exists in {where} only"
                present = mine if theirs is None else theirs
                assert present is not None
                evidence = [f"{where}: " + "; ".join(f"{k} {shown(v)}" for k, v in present.items())]
            else:
                changed = sorted(k for k in mine if mine[k] != theirs.get(k))
                title = f"{entity} {key} differs: {', '.join(changed)}"
                evidence = [
                    f"{k}: {shown(mine[k])} in {env_a}, {shown(theirs.get(k))} in {env_b}"
                    for k in changed
                ]
            found.append(
                Finding(
                    id=finding_id("env_drift", pair, entity, key),
                    kind="env_drift",
                    severity=severity,
                    environment=pair,
                    title=title,
                    subject={"type": entity, "key": key, "runs": [a.snap.run_id, b.snap.run_id]},
                    evidence=evidence,
                    fix=f"apply the change to both environments (or revert it) so {env_a} tests "
                    f"what {env_b} runs",
                    table=drift_table(env_a, env_b, mine, theirs),
                )
            )
    return found
