"""The Graph half of the fake: a directory of users behind ``GET /v1.0/users`` and
``GET /v1.0/users/delta``, answering in the documented shapes
(https://learn.microsoft.com/graph/api/user-list, /graph/api/user-delta,
/graph/delta-query-overview):

- ``$select`` is honoured (``id`` always comes back); unknown properties are a 400; ``$top`` is
  1..999 (at most 500 with ``signInActivity``); ``$filter`` knows ``accountEnabled eq true|false``
  and ``userType eq 'Member'|'Guest'``; ``$expand=manager($select=id)`` adds ``manager``.
- Paging with ``@odata.nextLink`` (``$skiptoken``); a delta round ends with ``@odata.deltaLink``.
- Delta: the initial round returns every user; ``$deltatoken=latest`` returns only a link; later
  rounds return users changed since the link (all selected properties, ``manager@delta`` when
  the manager changed) and ``{"id": …, "@removed": {"reason": "changed"|"deleted"}}``.
  :meth:`FakeDirectory.expire_delta_links` makes old links answer 410 Gone (with a ``Location``
  for a new initial round) or 400 ``syncStateNotFound``.
- ``signInActivity`` needs the AuditLog.Read.All role and a premium tenant (403 otherwise).
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakes.identity import Answer, FakeIdentityPlatform, Request

USER_PROPERTIES = (
    "id",
    "displayName",
    "mail",
    "userPrincipalName",
    "department",
    "jobTitle",
    "accountEnabled",
    "lastPasswordChangeDateTime",
    "employeeId",
    "userType",
    "givenName",
    "surname",
    "businessPhones",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "signInActivity",
)
# The properties Graph returns without $select.
DEFAULT_SELECT = (
    "businessPhones,displayName,givenName,jobTitle,mail,mobilePhone,"
    "officeLocation,preferredLanguage,surname,userPrincipalName,id"
)
_FILTERS = {
    "accountEnabled eq true": ("accountEnabled", True),
    "accountEnabled eq false": ("accountEnabled", False),
    "userType eq 'Member'": ("userType", "Member"),
    "userType eq 'Guest'": ("userType", "Guest"),
}


def _encode(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(token: str) -> dict[str, Any] | None:
    try:
        value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class FakeDirectory:
    def __init__(self, platform: FakeIdentityPlatform) -> None:
        self.platform = platform
        self.users: dict[str, dict[str, Any]] = {}
        self.version = 0
        self.changed: dict[str, int] = {}
        self.manager_changed: dict[str, int] = {}
        self.removed: dict[str, tuple[int, str]] = {}
        self.soft_deleted: dict[str, dict[str, Any]] = {}
        self.previous_manager: dict[str, str | None] = {}
        self.generation = 0
        self.expired_answer = "410"
        self.premium = True
        self.delta_page_size = 200
        self._cursors: dict[str, tuple[list[Any], int, dict[str, Any]]] = {}
        platform.route("GET", r"/v1\.0/users", "users")(self._users)
        platform.route("GET", r"/v1\.0/users/delta", "delta")(self._delta)

    # --- what the tests change -------------------------------------------------------------

    def load(self, users: list[dict[str, Any]]) -> None:
        """Users in Graph's shape (``manager`` may be ``{"id": …}``); they exist from the start."""
        for user in users:
            record = {k: v for k, v in user.items() if not k.startswith("@")}
            manager = record.get("manager")
            record["manager"] = manager.get("id") if isinstance(manager, dict) else manager
            self.users[record["id"]] = record
            self.changed[record["id"]] = 0
            if record["manager"]:
                self.manager_changed[record["id"]] = 0

    def _bump(self) -> int:
        self.version += 1
        return self.version

    def add(self, user: dict[str, Any]) -> None:
        version = self._bump()
        self.load([user])
        self.changed[user["id"]] = version
        if self.users[user["id"]]["manager"]:
            self.manager_changed[user["id"]] = version

    def update(self, azure_id: str, **properties: Any) -> None:
        version = self._bump()
        user = self.users[azure_id]
        if "manager" in properties:
            self.manager_changed[azure_id] = version
            self.previous_manager[azure_id] = user.get("manager")
        user.update(properties)
        self.changed[azure_id] = version

    def remove(self, azure_id: str, reason: str = "changed") -> None:
        """``changed``: soft-deleted (restorable for 30 days); ``deleted``: gone for good."""
        version = self._bump()
        user = self.users.pop(azure_id, None)
        self.removed[azure_id] = (version, reason)
        if reason == "changed" and user is not None:
            self.soft_deleted[azure_id] = user

    def restore(self, azure_id: str) -> None:
        version = self._bump()
        self.users[azure_id] = self.soft_deleted.pop(azure_id)
        self.removed.pop(azure_id, None)
        self.changed[azure_id] = version

    def expire_delta_links(self, answer: str = "410") -> None:
        """Every delta link issued so far stops working (``410`` or ``syncStateNotFound``)."""
        self.generation += 1
        self.expired_answer = answer

    # --- routing -----------------------------------------------------------------------------

    def route_name(self, request: Request, name: str) -> str:
        if name == "users" and "signInActivity" in request.query.get("$select", ""):
            return "sign-ins"
        return name

    def _error(self, status: int, code: str, message: str, **headers: str) -> Answer:
        from tests.fakes.identity import Answer, graph_error_body

        return Answer.json(graph_error_body(code, message), status, **headers)

    def _refused(self, request: Request, select: list[str]) -> Answer | None:
        refusal = self.platform.check_bearer(request)
        if refusal is not None:
            return refusal
        roles = self.platform.app_roles
        denied = (
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
        if not roles & {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All"}:
            return self._error(403, *denied)
        if "signInActivity" in select:
            if "AuditLog.Read.All" not in roles:
                return self._error(403, *denied)
            if not self.premium:
                return self._error(
                    403,
                    "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                    "Neither tenant is B2C or tenant doesn't have premium license",
                )
        return None

    def _select(self, request: Request) -> list[str] | Answer:
        select = [s.strip() for s in request.query.get("$select", DEFAULT_SELECT).split(",") if s]
        for prop in select:
            if prop not in USER_PROPERTIES and prop != "manager":
                return self._error(
                    400,
                    "Request_BadRequest",
                    f"Could not find a property named '{prop}' on type 'microsoft.graph.user'.",
                )
        return select

    def _render(self, user: dict[str, Any], select: list[str]) -> dict[str, Any]:
        item = {prop: user.get(prop) for prop in select if prop != "manager"}
        item["id"] = user["id"]
        return item

    def _page(
        self, url: str, cursor: str | None, state: dict[str, Any], items: list[Any]
    ) -> Answer:
        from tests.fakes.identity import Answer

        size = state["size"]
        offset = state.get("offset", 0)
        page = items[offset : offset + size]
        selected = ",".join(state["select"])
        body: dict[str, Any] = {
            "@odata.context": f"{self.platform.graph_base_url}/$metadata#users({selected})",
            "value": page,
        }
        if offset + size < len(items):
            token = cursor or secrets.token_urlsafe(12)
            self._cursors[token] = (items, offset + size, state)
            body["@odata.nextLink"] = f"{url}?$skiptoken={token}"
        elif "delta" in state:
            body["@odata.deltaLink"] = f"{url}?$deltatoken={_encode(state['delta'])}"
        return Answer.json(body)

    def _follow(self, request: Request, url: str) -> Answer:
        token = request.query["$skiptoken"]
        if token not in self._cursors:
            return self._error(400, "Request_BadRequest", "Invalid $skiptoken.")
        items, offset, state = self._cursors.pop(token)
        return self._page(url, token, {**state, "offset": offset}, items)

    # --- GET /users --------------------------------------------------------------------------

    def _users(self, request: Request) -> Answer:
        url = f"{self.platform.graph_base_url}/users"
        if "$skiptoken" in request.query:
            refusal = self.platform.check_bearer(request)
            return refusal or self._follow(request, url)
        select = self._select(request)
        if not isinstance(select, list):
            return select
        refusal = self._refused(request, select)
        if refusal is not None:
            return refusal
        top = int(request.query.get("$top", "100"))
        limit = 500 if "signInActivity" in select else 999
        if not 1 <= top <= limit:
            return self._error(
                400,
                "Request_UnsupportedQuery",
                f"Invalid page size specified: '{top}'. Must be between 1 and {limit} inclusive.",
            )
        users = sorted(self.users.values(), key=lambda u: u["id"])
        query_filter = request.query.get("$filter")
        if query_filter:
            if query_filter not in _FILTERS:
                return self._error(400, "Request_UnsupportedQuery", "Unsupported Query.")
            prop, value = _FILTERS[query_filter]
            users = [u for u in users if u.get(prop) == value]
        expand = request.query.get("$expand", "")
        items = []
        for user in users:
            item = self._render(user, select)
            if expand.startswith("manager") and user.get("manager"):
                item["manager"] = {"@odata.type": "#microsoft.graph.user", "id": user["manager"]}
            items.append(item)
        return self._page(url, None, {"size": top, "select": select}, items)

    # --- GET /users/delta --------------------------------------------------------------------

    def _delta(self, request: Request) -> Answer:
        url = f"{self.platform.graph_base_url}/users/delta"
        if "$skiptoken" in request.query:
            refusal = self.platform.check_bearer(request)
            return refusal or self._follow(request, url)
        if "$top" in request.query:
            return self._error(400, "Request_UnsupportedQuery", "$top is not supported on delta.")
        token = request.query.get("$deltatoken")
        since: int | None = None
        if token and token != "latest":
            state = _decode(token)
            if state is None or state.get("g") != self.generation:
                return self._expired(state)
            select, since = state["s"], state["v"]
        else:
            selected = self._select(request)
            if not isinstance(selected, list):
                return selected
            select = selected
        refusal = self._refused(request, select)
        if refusal is not None:
            return refusal
        link = {"v": self.version, "s": select, "g": self.generation}
        page_state = {"size": self.delta_page_size, "select": select, "delta": link}
        if token == "latest":
            return self._page(url, None, page_state, [])
        return self._page(url, None, page_state, self._changes(select, since))

    def _expired(self, state: dict[str, Any] | None) -> Answer:
        if self.expired_answer == "410":
            select = ",".join(state["s"]) if state else "id"
            location = f"{self.platform.graph_base_url}/users/delta?$select={select}"
            return self._error(
                410,
                "syncStateInvalid",
                "Resync required. Replace any local cached data with a full resync.",
                Location=location,
            )
        return self._error(
            400,
            "syncStateNotFound",
            "The sync state generation is not found. The delta token is expired and data must "
            "be synchronized again.",
        )

    def _changes(self, select: list[str], since: int | None) -> list[dict[str, Any]]:
        events: list[tuple[int, str, dict[str, Any]]] = []
        for azure_id, version in self.changed.items():
            if azure_id not in self.users or (since is not None and version <= since):
                continue
            user = self.users[azure_id]
            item = self._render(user, select)
            manager_version = self.manager_changed.get(azure_id)
            manager_moved = manager_version is not None and (
                since is None or manager_version > since
            )
            if "manager" in select and manager_moved:
                entry: dict[str, Any] = {"@odata.type": "#microsoft.graph.user"}
                if user.get("manager"):
                    item["manager@delta"] = [{**entry, "id": user["manager"]}]
                elif since is not None:
                    previous = self.previous_manager.get(azure_id)
                    item["manager@delta"] = [
                        {**entry, "id": previous, "@removed": {"reason": "deleted"}}
                    ]
            events.append((version, azure_id, item))
        if since is not None:
            for azure_id, (version, reason) in self.removed.items():
                if version > since:
                    events.append(
                        (version, azure_id, {"id": azure_id, "@removed": {"reason": reason}})
                    )
        events.sort(key=lambda e: (e[0], e[1]))
        return [item for _v, _id, item in events]
