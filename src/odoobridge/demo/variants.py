"""The demo's Production: the Pre-Production demo data with three edits a hurried administrator
made in production only, so that the demo shows drift between the two environments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HOTFIX_GROUP = 900


def production_variant(preprod: Path) -> dict[str, Any]:
    """The PREPROD mock document, edited: Sales users may delete leads, "Personal Leads" opens
    every lead, and a hotfix group exists with Marc Demo in it."""
    document: dict[str, Any] = json.loads(preprod.read_text(encoding="utf-8"))
    for acl in document["acls"]:
        if acl["model"] == "crm.lead" and acl["name"] == "crm.lead":
            acl["perm_unlink"] = True
    for rule in document["rules"]:
        if rule["name"] == "Personal Leads":
            rule["domain"] = "[(1, '=', 1)]"
    document["groups"].append(
        {
            "odoo_id": HOTFIX_GROUP,
            "name": "Discount Approval (hotfix)",
            "category_id": None,
            "privilege_id": None,
            "share": False,
            "comment": "added in production during an incident",
        }
    )
    demo = next(u["odoo_id"] for u in document["users"] if u["login"] == "demo")
    document["memberships"].append({"user_id": demo, "group_id": HOTFIX_GROUP})
    return document
