"""Write a security source's snapshot as a mock file (the format :mod:`odoo_mock` reads).

This is how the bundled demo data was made from the real Odoo 18.0 fixture, and how a team can
capture a live database for offline work: ``odoobridge demo export --env preprod out.json``.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from odoobridge.access.sync import SecuritySource
from odoobridge.sources.odoo_records import ENTITIES


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def snapshot_document(source: SecuritySource) -> dict[str, Any]:
    with source:
        assert source.info is not None
        document: dict[str, Any] = {"odoo_version": source.info.odoo_version}
        for spec in ENTITIES:
            if spec.name not in source.info.entities:
                continue
            document[spec.name] = [
                {field: _plain(value) for field, value in zip(spec.fields, row, strict=True)}
                for batch in source.batches(spec.name)
                for row in batch
            ]
    return document


def write_mock_file(source: SecuritySource, path: Path) -> dict[str, int]:
    document = snapshot_document(source)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return {k: len(v) for k, v in document.items() if isinstance(v, list)}
