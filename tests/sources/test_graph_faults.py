"""Graph faults: throttling, outages, refused tokens, missing permissions, broken answers. The
fake answers over real HTTPS; the client's clock is instant, so waits are recorded, not slept."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from odoobridge.sources.graph import (
    GraphAuthError,
    GraphClient,
    GraphDeltaExpired,
    GraphPermissionError,
    GraphResponseError,
    GraphThrottled,
    GraphUnavailable,
)
from odoobridge.sources.graph_records import PageReader
from tests.fakes.identity import FakeIdentityPlatform, Fault, graph_error_body
from tests.fakes.identity_fixtures import FakeClock, generated_users

Graph = Callable[..., GraphClient]


def listing(client: GraphClient) -> list[object]:
    return [item for page in client.users() for item in page.items]


def test_429_waits_for_retry_after_then_succeeds(
    fake: FakeIdentityPlatform, graph: Graph, clock: FakeClock
) -> None:
    fake.fail(
        "users", Fault(429, headers={"Retry-After": "7"}), Fault(429, headers={"Retry-After": "2"})
    )
    client = graph()
    assert len(listing(client)) == 12
    assert clock.sleeps == [7.0, 2.0]
    assert client.stats.retries == 2 and client.stats.seconds_throttled == 9.0
    assert len(fake.calls("users")) == 3


def test_retry_after_as_http_date_is_honoured(
    fake: FakeIdentityPlatform, graph: Graph, clock: FakeClock
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    fake.fail("users", Fault(503, headers={"Retry-After": when}))
    listing(graph())
    assert 25 <= clock.sleeps[0] <= 31


def test_without_retry_after_the_backoff_grows_exponentially(
    fake: FakeIdentityPlatform, graph: Graph, clock: FakeClock
) -> None:
    fake.fail("users", Fault(503), Fault(504), Fault(502), Fault(503))
    listing(graph())
    # 2**attempt, with jitter between half and all of it (the test clock's jitter is 0.5).
    assert clock.sleeps == [0.75, 1.5, 3.0, 6.0]


def test_a_503_storm_gives_up_at_the_deadline(
    fake: FakeIdentityPlatform, graph: Graph, clock: FakeClock
) -> None:
    fake.fail("users", *[Fault(503, headers={"Retry-After": "20"}) for _ in range(50)])
    client = graph(ODOOBRIDGE_AZURE_SYNC_DEADLINE="100", ODOOBRIDGE_AZURE_MAX_RETRIES="50")
    with pytest.raises(GraphThrottled) as error:
        listing(client)
    assert error.value.message == (
        "Graph answered 503 serviceNotAvailable on /v1.0/users; giving up: waiting 20 s more "
        "would pass the deadline of 100 s (ODOOBRIDGE_AZURE_SYNC_DEADLINE)"
    )
    assert clock.sleeps == [20.0] * 5  # 5 waits fit in 100 s; the 6th would not
    assert len(fake.calls("users")) == 6


def test_retries_are_bounded(fake: FakeIdentityPlatform, graph: Graph, clock: FakeClock) -> None:
    fake.fail("users", *[Fault(429, headers={"Retry-After": "1"}) for _ in range(10)])
    with pytest.raises(GraphThrottled, match=r"429 TooManyRequests on /v1.0/users 4 times"):
        listing(graph(ODOOBRIDGE_AZURE_MAX_RETRIES="3"))
    assert len(clock.sleeps) == 3


def test_401_refreshes_the_token_once_then_succeeds(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    client = graph()
    client.tokens.token()
    fake.revoke_tokens()  # the cached token is still "valid" for MSAL, but Graph refuses it
    assert len(listing(client)) == 12
    assert len(fake.calls("token")) == 2
    assert client.stats.token_refreshes_after_401 == 1


def test_401_after_the_refresh_is_a_clear_error(fake: FakeIdentityPlatform, graph: Graph) -> None:
    fake.fail("users", Fault(401), Fault(401))
    with pytest.raises(GraphAuthError) as error:
        listing(graph())
    assert error.value.message.startswith(
        "Graph refused the access token twice on /v1.0/users (401 InvalidAuthenticationToken: "
        "Access token has expired or is not yet valid.)"
    )
    assert "AZURE_GRAPH_SCOPE" in error.value.message
    assert len(fake.calls("token")) == 2


def test_403_names_the_missing_permission(fake: FakeIdentityPlatform, graph: Graph) -> None:
    fake.app_roles.clear()
    with pytest.raises(GraphPermissionError) as error:
        listing(graph())
    message = error.value.message
    assert "Authorization_RequestDenied" in message
    assert "application permission User.Read.All" in message
    assert "admin consent" in message


def test_sign_in_activity_refusals_name_the_permission_and_the_licence(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    with pytest.raises(GraphPermissionError, match=r"AuditLog\.Read\.All"):
        list(graph().sign_ins())
    fake.app_roles.add("AuditLog.Read.All")
    fake.directory.premium = False
    with pytest.raises(GraphPermissionError, match="Entra ID P1 or P2 licence"):
        list(graph().sign_ins())


def test_malformed_json_is_a_response_error(fake: FakeIdentityPlatform, graph: Graph) -> None:
    fake.directory.load(generated_users(1_200))
    fake.fail("users", Fault(transform=lambda body: body), Fault(200, body=b'{"value": [{"id": '))
    with pytest.raises(GraphResponseError, match=r"/v1.0/users with malformed JSON"):
        listing(graph())


def test_a_page_with_missing_fields(fake: FakeIdentityPlatform, graph: Graph) -> None:
    def drop_department(body: dict[str, object]) -> dict[str, object]:
        for item in body["value"]:  # type: ignore[attr-defined]
            item.pop("department")
        return body

    fake.fail("users", Fault(transform=drop_department))
    reader = PageReader()
    pages = list(graph().users())
    users = [u for p in pages for u in reader.users(p.items, p.where)]
    assert reader.missing == {"department": 12}
    assert {u.department for u in users} == {None}

    def drop_id(body: dict[str, object]) -> dict[str, object]:
        del body["value"][3]["id"]  # type: ignore[index]
        return body

    fake.fail("users", Fault(transform=drop_id))
    page = next(graph().users())
    with pytest.raises(GraphResponseError) as error:
        PageReader().users(page.items, page.where)
    assert error.value.message == (
        "Graph answered page 1 of /v1.0/users, item 3 without a user id (field 'id')"
    )


def test_a_property_of_the_wrong_type_is_named(fake: FakeIdentityPlatform, graph: Graph) -> None:
    def break_enabled(body: dict[str, object]) -> dict[str, object]:
        body["value"][0]["accountEnabled"] = "yes"  # type: ignore[index]
        return body

    fake.fail("users", Fault(transform=break_enabled))
    page = next(graph().users())
    with pytest.raises(GraphResponseError, match="item 0 with accountEnabled='yes': not a boolean"):
        PageReader().users(page.items, page.where)


@pytest.mark.parametrize("answer", ["410", "syncStateNotFound"])
def test_an_expired_delta_link(fake: FakeIdentityPlatform, graph: Graph, answer: str) -> None:
    client = graph()
    link = client.latest_delta_link()
    fake.directory.expire_delta_links(answer)
    with pytest.raises(GraphDeltaExpired, match="no longer accepts the saved delta link"):
        list(client.delta(link))


def test_a_delta_link_for_another_graph_is_not_followed(graph: Graph) -> None:
    with pytest.raises(GraphDeltaExpired, match="another Graph endpoint"):
        list(graph().delta("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc"))


def test_an_unexpected_status_is_reported_with_graphs_message(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    fake.fail(
        "users", Fault(400, body=graph_error_body("Request_UnsupportedQuery", "Bad $filter."))
    )
    with pytest.raises(GraphResponseError) as error:
        listing(graph())
    assert error.value.message == (
        "Graph answered 400 on /v1.0/users: Request_UnsupportedQuery: Bad $filter."
    )


def test_an_unreachable_graph_is_retried_then_reported(
    graph: Graph, clock: FakeClock, fake: FakeIdentityPlatform
) -> None:
    client = graph(
        ODOOBRIDGE_GRAPH_BASE_URL="https://127.0.0.1:9/v1.0", ODOOBRIDGE_AZURE_MAX_RETRIES="2"
    )
    started = time.monotonic()
    with pytest.raises(GraphUnavailable) as error:
        listing(client)
    assert time.monotonic() - started < 10
    assert error.value.message.startswith("cannot reach https://127.0.0.1:9: ")
    assert len(clock.sleeps) == 2
