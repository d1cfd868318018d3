"""The gateway's reads: searches over Odoo's partners, leads, projects, tasks, activities and
calendar events, a partner's history, and the connection status.

Each search turns its criteria into an Odoo domain, reads one page (``limit``, ``offset``, in id
order so pages never overlap) and answers ``{"count": total matches, "<records>": [...]}``:
``count`` comes from ``search_count`` unless the first page already holds every match. Records
are as Odoo returns them (many2one as ``[id, "Name"]``, empty values ``false``).
"""

from __future__ import annotations

import re
from typing import Any, TypedDict
from urllib.parse import urlsplit

from odoobridge.errors import AppError, NotFound, Unprocessable
from odoobridge.gateway.paging import DEFAULT_LIMIT
from odoobridge.gateway.schemas import (
    ActivitySearch,
    CalendarSearch,
    LeadSearch,
    PartnerSearch,
    ProjectSearch,
    TaskSearch,
)
from odoobridge.redact import redact
from odoobridge.sources.odoo_rpc import OdooRpcClient, OdooRpcConfig

Domain = list[Any]

PARTNER_FIELDS = ["name", "email", "phone", "website", "is_company", "city", "country_id"]
PARTNER_DETAIL_FIELDS = [
    *PARTNER_FIELDS,
    *("street", "zip", "parent_id", "function", "comment", "vat", "ref", "user_id"),
]
LEAD_FIELDS = [
    *("name", "type", "partner_id", "email_from", "phone", "stage_id", "user_id", "team_id"),
    *("expected_revenue", "probability", "date_deadline", "create_date"),
]
PROJECT_FIELDS = ["name", "partner_id", "user_id", "company_id", "date_start", "date"]
TASK_FIELDS = [
    *("name", "project_id", "partner_id", "user_ids", "stage_id", "priority", "date_deadline"),
]
ACTIVITY_FIELDS = [
    *("res_model", "res_id", "res_name", "activity_type_id", "summary", "note"),
    *("date_deadline", "user_id"),
]
EVENT_FIELDS = [
    *("name", "start", "stop", "allday", "user_id", "partner_ids", "location", "description"),
]
ORDER = "id"
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


# --- domains -----------------------------------------------------------------------------------
# Every domain here is built fully explicit (prefix operators written out), so it means the same
# to any server, whatever its normalisation of implicit ANDs.


def leaf(field: str, operator: str, value: Any) -> Domain:
    return [[field, operator, value]]


def every(*parts: Domain) -> Domain:
    """AND of complete domains; no parts → ``[]`` (everything)."""
    kept = [p for p in parts if p]
    domain: Domain = ["&"] * (len(kept) - 1)
    for part in kept:
        domain.extend(part)
    return domain


def either(*parts: Domain) -> Domain:
    """OR of complete domains; no parts → a domain that matches nothing."""
    kept = [p for p in parts if p]
    if not kept:
        return leaf("id", "=", 0)
    domain: Domain = ["|"] * (len(kept) - 1)
    for part in kept:
        domain.extend(part)
    return domain


def like_literal(text: str) -> str:
    """``text`` as a LIKE pattern that matches only itself (for ``=ilike``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def site_host(website: str) -> str:
    """``https://www.Example.com/about`` → ``example.com``; 422 when it names no site."""
    text = website.strip().lower()
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        host = ""
    host = host.removeprefix("www.")
    if not _HOST.match(host):
        raise Unprocessable(f"website: {website!r} names no site: send a host such as example.com")
    return host


def website_domain(website: str) -> Domain:
    """Partners whose website is this host, with or without scheme, ``www.`` or a path."""
    host = site_host(website)
    return either(
        *(
            leaf("website", "=ilike", f"{prefix}{host}{suffix}")
            for prefix in ("", "www.", "http://", "https://", "http://www.", "https://www.")
            for suffix in ("", "/%")
        )
    )


def partner_domain(criteria: PartnerSearch) -> Domain:
    return every(
        either(leaf("name", "ilike", criteria.query), leaf("email", "ilike", criteria.query))
        if criteria.query
        else [],
        leaf("email", "=ilike", like_literal(criteria.email)) if criteria.email else [],
        leaf("phone", "ilike", criteria.phone) if criteria.phone else [],
        website_domain(criteria.website) if criteria.website else [],
        leaf("is_company", "=", criteria.is_company) if criteria.is_company is not None else [],
    )


# --- reading -----------------------------------------------------------------------------------


def read_page(
    client: OdooRpcClient,
    model: str,
    domain: Domain,
    fields: list[str],
    *,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> tuple[int, list[dict[str, Any]]]:
    """One page of records and the number of matches in all."""
    records = client.search_read(model, domain, fields, limit=limit, offset=offset, order=ORDER)
    if offset == 0 and len(records) < limit:
        return len(records), records
    return client.search_count(model, domain), records


def record_ids(client: OdooRpcClient, model: str, domain: Domain) -> list[int]:
    ids = client.execute(model, "search", domain)
    return [int(i) for i in ids]


def search_partners(client: OdooRpcClient, criteria: PartnerSearch) -> dict[str, Any]:
    count, found = read_page(
        client,
        "res.partner",
        partner_domain(criteria),
        PARTNER_FIELDS,
        limit=criteria.limit,
        offset=criteria.offset,
    )
    return {"count": count, "partners": found}


def search_leads(client: OdooRpcClient, criteria: LeadSearch) -> dict[str, Any]:
    stage: Domain = []
    if criteria.stage:
        stages = record_ids(client, "crm.stage", leaf("name", "ilike", criteria.stage))
        if not stages:
            return {"count": 0, "leads": []}
        stage = leaf("stage_id", "in", stages)
    domain = every(
        leaf("partner_id", "=", criteria.partner_id) if criteria.partner_id else [],
        leaf("email_from", "=ilike", like_literal(criteria.email)) if criteria.email else [],
        leaf("name", "ilike", criteria.name) if criteria.name else [],
        stage,
    )
    count, found = read_page(
        client, "crm.lead", domain, LEAD_FIELDS, limit=criteria.limit, offset=criteria.offset
    )
    return {"count": count, "leads": found}


def search_projects(client: OdooRpcClient, criteria: ProjectSearch) -> dict[str, Any]:
    domain = every(
        leaf("partner_id", "=", criteria.partner_id) if criteria.partner_id else [],
        leaf("name", "ilike", criteria.name) if criteria.name else [],
    )
    count, found = read_page(
        client,
        "project.project",
        domain,
        PROJECT_FIELDS,
        limit=criteria.limit,
        offset=criteria.offset,
    )
    return {"count": count, "projects": found}


def search_tasks(client: OdooRpcClient, criteria: TaskSearch) -> dict[str, Any]:
    domain = every(
        leaf("project_id", "=", criteria.project_id) if criteria.project_id else [],
        leaf("partner_id", "=", criteria.partner_id) if criteria.partner_id else [],
        leaf("name", "ilike", criteria.name) if criteria.name else [],
    )
    count, found = read_page(
        client, "project.task", domain, TASK_FIELDS, limit=criteria.limit, offset=criteria.offset
    )
    return {"count": count, "tasks": found}


def activities_domain(partners: list[int], leads: list[int], tasks: list[int]) -> Domain:
    """Activities on these partners, leads or tasks (nothing when all three are empty)."""
    return either(
        *(
            every(leaf("res_model", "=", model), leaf("res_id", "in", ids))
            for model, ids in (
                ("res.partner", partners),
                ("crm.lead", leads),
                ("project.task", tasks),
            )
            if ids
        )
    )


def partner_family(client: OdooRpcClient, partner_id: int) -> list[int]:
    """The partner and its contacts (the partners whose parent it is); [] when it is missing."""
    return record_ids(
        client,
        "res.partner",
        either(leaf("id", "=", partner_id), leaf("parent_id", "=", partner_id)),
    )


def related_activities(client: OdooRpcClient, partner_id: int) -> Domain:
    """Activities on the partner or its contacts, and on their leads and tasks."""
    family = partner_family(client, partner_id)
    if not family:
        return leaf("id", "=", 0)
    leads = record_ids(client, "crm.lead", leaf("partner_id", "in", family))
    tasks = record_ids(client, "project.task", leaf("partner_id", "in", family))
    return activities_domain(family, leads, tasks)


def search_activities(client: OdooRpcClient, criteria: ActivitySearch) -> dict[str, Any]:
    domain = every(
        related_activities(client, criteria.partner_id) if criteria.partner_id else [],
        leaf("res_model", "=", criteria.res_model) if criteria.res_model else [],
        leaf("res_id", "=", criteria.res_id) if criteria.res_id else [],
    )
    count, found = read_page(
        client,
        "mail.activity",
        domain,
        ACTIVITY_FIELDS,
        limit=criteria.limit,
        offset=criteria.offset,
    )
    return {"count": count, "activities": found}


def search_calendar(client: OdooRpcClient, criteria: CalendarSearch) -> dict[str, Any]:
    domain = every(
        leaf("partner_ids", "in", criteria.partner_ids) if criteria.partner_ids else [],
        leaf("name", "ilike", criteria.name) if criteria.name else [],
    )
    count, found = read_page(
        client,
        "calendar.event",
        domain,
        EVENT_FIELDS,
        limit=criteria.limit,
        offset=criteria.offset,
    )
    return {"count": count, "calendar_events": found}


def partner_history(client: OdooRpcClient, partner_id: int, limit: int) -> dict[str, Any]:
    """The partner and what hangs on it or on its contacts: leads, projects, tasks (its own and
    its projects'), activities (on it, its leads and tasks) and calendar events it attends. Each
    list holds up to ``limit`` records, oldest first; ``counts`` says how many there are."""
    found = client.read("res.partner", [partner_id], PARTNER_DETAIL_FIELDS)
    if not found:
        raise NotFound(f"there is no partner {partner_id} in Odoo: search partners to find one")
    family = partner_family(client, partner_id)
    counts: dict[str, int] = {}
    answer: dict[str, Any] = {"partner": found[0]}

    def page(key: str, model: str, domain: Domain, fields: list[str]) -> list[int]:
        """Read one list; the ids of all its matches (from the page when it holds them all)."""
        counts[key], answer[key] = read_page(client, model, domain, fields, limit=limit)
        if counts[key] == len(answer[key]):
            return [int(r["id"]) for r in answer[key]]
        return record_ids(client, model, domain)

    of_family = leaf("partner_id", "in", family)
    leads = page("leads", "crm.lead", of_family, LEAD_FIELDS)
    projects = page("projects", "project.project", of_family, PROJECT_FIELDS)
    task_domain = either(of_family, leaf("project_id", "in", projects) if projects else [])
    tasks = page("tasks", "project.task", task_domain, TASK_FIELDS)
    page("activities", "mail.activity", activities_domain(family, leads, tasks), ACTIVITY_FIELDS)
    page("calendar_events", "calendar.event", leaf("partner_ids", "in", family), EVENT_FIELDS)
    answer["counts"] = counts
    return answer


class GatewayStatus(TypedDict):
    connected: bool
    odoo_version: str | None
    database: str | None
    username: str | None
    protocol: str | None
    url: str | None
    error: str | None


def gateway_status(
    client: OdooRpcClient | None,
    config: OdooRpcConfig | None,
    problem: str | None,
    secrets: list[str],
) -> GatewayStatus:
    """Whether Odoo answers and we may sign in: ``connected`` with the server's version, or
    ``connected: false`` with what is wrong (never a secret)."""
    answer: GatewayStatus = {
        "connected": False,
        "odoo_version": None,
        "database": None,
        "username": None,
        "protocol": None,
        "url": None,
        "error": None,
    }
    if config is not None:
        answer["database"], answer["username"] = config.db, config.username
        answer["protocol"], answer["url"] = config.protocol, config.url
    if client is None or config is None:
        answer["error"] = redact(problem or "Odoo's API is not configured", secrets)
        return answer
    try:
        version = client.version()
        client.authenticate()
    except AppError as exc:
        answer["error"] = redact(exc.message, secrets)
        return answer
    answer["connected"] = True
    answer["odoo_version"] = str(version.get("server_version", ""))
    return answer
