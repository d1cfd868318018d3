"""Imports every domain's tables so that ``metadata`` knows them all (for Alembic and tests)."""

from odoobridge.access import models as _access_models  # noqa: F401
from odoobridge.access.findings import models as _findings_models  # noqa: F401
from odoobridge.auth import models as _auth_models  # noqa: F401
from odoobridge.bi import models as _bi_models  # noqa: F401
from odoobridge.directory import models as _directory_models  # noqa: F401
from odoobridge.gateway import models as _gateway_models  # noqa: F401
from odoobridge.ops import models as _ops_models  # noqa: F401
from odoobridge.sales import models as _sales_models  # noqa: F401
from odoobridge.store.base import Base
from odoobridge.sync import models as _sync_models  # noqa: F401

metadata = Base.metadata
