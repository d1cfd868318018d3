"""A store holding two runs of each source, from the bundled demo data (the `odoobridge demo`
code path: the Odoo mock documents and the Entra users file), with real changes in between:

- Pre-Production: the demo data, then the same with Marc Demo (``demo``) given Settings — new
  high findings (administration, sensitive writes);
- Production: the demo's production variant, then the same without its hotfix group;
- Entra ID: the demo users, then the same with one department changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from odoobridge.access.sync import sync_odoo
from odoobridge.demo import ENTRA_USERS, ODOO_PREPROD
from odoobridge.demo.variants import HOTFIX_GROUP, production_variant
from odoobridge.directory.reading import MockSource
from odoobridge.directory.sync import sync_azure
from odoobridge.environment import Environment
from odoobridge.settings import Settings
from odoobridge.sources.odoo_mock import OdooMockReader
from odoobridge.store.engine import Store

DEMO_USER = 6  # Marc Demo's odoo_id in the demo data
SETTINGS_GROUP = 4  # base.group_system ("Settings") in the demo data


@dataclass(frozen=True)
class History:
    preprod: tuple[int, int]
    prod: tuple[int, int]
    entra: tuple[int, int]


def preprod_with_admin_demo() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(ODOO_PREPROD.read_text(encoding="utf-8"))
    document["memberships"].append({"user_id": DEMO_USER, "group_id": SETTINGS_GROUP})
    return document


def prod_without_hotfix() -> dict[str, Any]:
    document = production_variant(ODOO_PREPROD)
    document["groups"] = [g for g in document["groups"] if g["odoo_id"] != HOTFIX_GROUP]
    document["memberships"] = [m for m in document["memberships"] if m["group_id"] != HOTFIX_GROUP]
    return document


def entra_with_a_move(folder: Path) -> Path:
    document = json.loads(ENTRA_USERS.read_text(encoding="utf-8"))
    document["value"][0]["department"] = "Moved Department"
    path = folder / "entra_moved.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def sync_preprod(store: Store, settings: Settings, document: dict[str, Any] | None = None) -> int:
    source = OdooMockReader(ODOO_PREPROD) if document is None else OdooMockReader(document=document)
    return sync_odoo(store, settings, Environment.PREPROD, source=source).id


def fill_history(store: Store, settings: Settings, folder: Path) -> History:
    pre1 = sync_preprod(store, settings)
    prod1 = sync_odoo(store, settings, Environment.PROD,
                      source=OdooMockReader(document=production_variant(ODOO_PREPROD))).id  # fmt: skip
    entra1 = sync_azure(store, settings, source=MockSource(ENTRA_USERS)).id
    pre2 = sync_preprod(store, settings, preprod_with_admin_demo())
    prod2 = sync_odoo(store, settings, Environment.PROD,
                      source=OdooMockReader(document=prod_without_hotfix())).id  # fmt: skip
    entra2 = sync_azure(store, settings, source=MockSource(entra_with_a_move(folder))).id
    return History((pre1, pre2), (prod1, prod2), (entra1, entra2))
