"""OdooBridge: reads Odoo's security model and Entra ID into a history-keeping store, and answers
what access reviewers ask."""

__version__ = "0.1.0"
