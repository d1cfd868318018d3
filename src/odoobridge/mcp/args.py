"""Arguments of the MCP tools whose REST routes take them in the path and query rather than in a
body model, with the same bounds as those routes' parameters. (The searches and proposals take
the gateway's own payload models, :mod:`odoobridge.gateway.schemas`.)"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from odoobridge.access.findings.base import SEVERITIES
from odoobridge.gateway.paging import DEFAULT_LIMIT
from odoobridge.gateway.schemas import Limit, Offset, Payload, ProposalStatusFilter, RecordId
from odoobridge.web.schemas import EnvironmentName

Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
RunId = Annotated[int, Field(ge=1, description="A sync run's id (default: the latest sync).")]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
ENVIRONMENT = "PREPROD or PROD (default: ODOO_ENVIRONMENT)."


class InRun(Payload):
    environment: EnvironmentName | None = Field(None, description=ENVIRONMENT)
    run_id: RunId | None = None


class PartnerHistoryArgs(Payload):
    partner_id: RecordId
    limit: Limit = DEFAULT_LIMIT


class ProposalsArgs(Payload):
    status: ProposalStatusFilter = Field("pending", description="Which proposals (or all).")
    limit: Limit = DEFAULT_LIMIT
    offset: Offset = 0


class ProposalRef(Payload):
    proposal_id: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
    ]


class WhoCanArgs(InRun):
    model: Ref = Field(description="An Odoo model, e.g. crm.lead or account.move.")
    operation: Literal["read", "write", "create", "unlink"] = "read"
    include_inactive: bool = Field(False, description="Count archived users too.")
    offset: Offset = 0
    limit: Annotated[int, Field(ge=1, le=1000, description="Page size (at most 1000).")] = 100


class UserAccessArgs(InRun):
    login: Ref = Field(description="The user's login (or Odoo user id).")


class GroupGrantsArgs(InRun):
    group: Ref = Field(
        description="The group's external id (base.group_system), full or short name, or id."
    )


class FindingsArgs(InRun):
    severity: Severity = Field("info", description="This severity or worse.")
    kind: Ref | None = Field(None, description="Only findings of this kind, e.g. sod.")


class DiffRunsArgs(Payload):
    from_run: RunId
    to_run: RunId
    environment: EnvironmentName | None = Field(None, description=ENVIRONMENT)


class UserTimelineArgs(Payload):
    user_id: RecordId = Field(description="The Odoo user id (user_access answers it).")
    environment: EnvironmentName | None = Field(None, description=ENVIRONMENT)
