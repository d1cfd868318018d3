"""``odoobridge check azure``: token, one page of users, change tracking and the optional
sign-in activity — each step reported with what fixes it, without writing anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from odoobridge.settings import Settings
from odoobridge.sources.graph import GraphClient, GraphError
from odoobridge.sources.graph_mock import GraphMockFile
from odoobridge.sources.graph_records import USER_SELECT


@dataclass
class Step:
    name: str
    status: str  # ok, FAIL, warn, skip
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail}


@dataclass
class GraphReport:
    target: str
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.status != "FAIL" for step in self.steps)

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "ok": self.ok, "steps": [s.as_dict() for s in self.steps]}


def check_mock(settings: Settings) -> GraphReport:
    path = settings.azure_user_sync_mock_file
    assert path is not None
    report = GraphReport(target=f"mock file {path} (ALLOW_SYNC_MOCKS=1)")
    mock = GraphMockFile(path)
    report.steps.append(
        Step("mock file", "ok", f"{len(mock.users)} users, {len(mock.sign_ins)} with sign-ins")
    )
    return report


def check_graph(graph: GraphClient, settings: Settings) -> GraphReport:
    """Run every step (a failed step does not hide the ones after it, except without a token)."""
    config = graph.config
    report = GraphReport(
        target=f"tenant {config.credentials.tenant_id}, app {config.credentials.client_id} "
        f"at {config.graph_base_url}"
    )
    try:
        graph.tokens.token()
    except GraphError as exc:
        report.steps.append(Step("token", "FAIL", exc.message))
        return report
    credential = "certificate" if config.credentials.cert_path else "client secret"
    report.steps.append(
        Step("token", "ok", f"{config.scope} from {graph.tokens.authority} ({credential})")
    )
    params = {"$select": USER_SELECT, "$top": "1"}
    if settings.azure_user_filter:
        params["$filter"] = settings.azure_user_filter
    try:
        graph.get_json(graph.url("users"), params)
    except GraphError as exc:
        report.steps.append(Step("users", "FAIL", exc.message))
    else:
        report.steps.append(Step("users", "ok", "read one page of /users (User.Read.All)"))
    try:
        graph.latest_delta_link()
    except GraphError as exc:
        report.steps.append(Step("change tracking", "FAIL", exc.message))
    else:
        report.steps.append(Step("change tracking", "ok", "users/delta answers with a link"))
    if not settings.azure_signin_activity:
        report.steps.append(
            Step("sign-in activity", "skip", "ODOOBRIDGE_AZURE_SIGNIN_ACTIVITY is off")
        )
        return report
    try:
        graph.get_json(
            graph.url("users"), {"$select": "id,signInActivity", "$top": "1"}, kind="sign-ins"
        )
    except GraphError as exc:
        report.steps.append(Step("sign-in activity", "warn", exc.message))
    else:
        report.steps.append(
            Step("sign-in activity", "ok", "signInActivity readable (AuditLog.Read.All)")
        )
    return report
