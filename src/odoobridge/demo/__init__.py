"""Bundled demo data (derived from the real Odoo 18.0 fixture) and the scale generator."""

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
ODOO_PREPROD = DATA_DIR / "odoo18_preprod.json"
# Microsoft Entra ID users in Graph's /users answer shape, matching the Odoo demo's people.
ENTRA_USERS = DATA_DIR / "entra_users.json"
