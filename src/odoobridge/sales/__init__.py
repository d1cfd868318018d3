"""Sales: Odoo CRM served from the store, seen through Odoo\x27s own record rules."""
