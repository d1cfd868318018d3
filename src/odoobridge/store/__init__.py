"""The local store: engine, sessions, the declarative Base, migrations and temporal rows."""

from odoobridge.store.base import Base
from odoobridge.store.engine import Store, make_engine

__all__ = ["Base", "Store", "make_engine"]
