"""Odoo's security model in the store, and the answers built on it."""
