"""The Odoo environments OdooBridge knows: Pre-Production and Production live side by side in the
store, each fact tagged with its environment."""

from __future__ import annotations

from enum import StrEnum

from odoobridge.errors import ConfigError


class Environment(StrEnum):
    """An Odoo environment. Both live side by side in the store, tagged with this value."""

    PREPROD = "PREPROD"
    PROD = "PROD"

    @property
    def label(self) -> str:
        return "Odoo (Pre-Production)" if self is Environment.PREPROD else "Odoo (Production)"

    @classmethod
    def parse(cls, value: str) -> Environment:
        """Accept preprod/prod in any case (and production/pre-production)."""
        normalised = value.strip().upper().replace("-", "").replace("_", "")
        aliases = {"PREPROD": cls.PREPROD, "PREPRODUCTION": cls.PREPROD, "PROD": cls.PROD}
        aliases["PRODUCTION"] = cls.PROD
        if normalised not in aliases:
            raise ConfigError(f"unknown environment {value!r}: use preprod or prod")
        return aliases[normalised]
