"""The Odoo gateway: search Odoo's business records, and change them only through
propose → confirm → execute, with an audit trail (routes under ``/odoo``)."""
