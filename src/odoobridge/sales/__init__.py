"""Sales: Odoo's CRM in the store, and Odoo's own record rules deciding who sees which record.

The visibility engine is three modules: :mod:`.domain` reads a rule's ``domain_force`` (``ast``
only, never ``eval``), binds it to one Odoo user and evaluates it in Python; :mod:`.domain_sql`
compiles the bound domain to a SQLAlchemy WHERE clause over a serving table; :mod:`.rules` picks
the rules that apply to an Odoo user for a model and operation and combines them as Odoo's
``ir.rule._compute_domain`` does. A rule the engine cannot evaluate denies (fail closed) and is
listed by :func:`.rules.unsupported_rules`.
"""
