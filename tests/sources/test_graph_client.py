"""The Graph client and MSAL against the fake identity platform over real HTTPS: tokens, TLS
trust, credentials, paging, $select, delta and sign-in activity."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from odoobridge.errors import ConfigError
from odoobridge.settings import Settings
from odoobridge.sources.graph import (
    USERS_PAGE_SIZE,
    GraphAuthError,
    GraphClient,
    GraphConfig,
    GraphUnavailable,
)
from odoobridge.sources.graph_records import USER_SELECT, DeltaRemoval, DeltaUpdate, PageReader
from tests.fakes.certs import make_client_certificate
from tests.fakes.identity import CLIENT_SECRET, FakeIdentityPlatform
from tests.fakes.identity_fixtures import ADMIN, DEMO, GUEST, KELLY, generated_users

Graph = Callable[..., GraphClient]


def all_users(client: GraphClient) -> list[dict[str, object]]:
    return [item for page in client.users() for item in page.items]


def test_token_is_fetched_once_and_reused_across_pages(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    fake.directory.load(generated_users(2_500))
    client = graph()
    items = all_users(client)
    assert len(items) == 2_512  # 2,500 generated + the 12 demo users
    assert client.stats.pages == 3  # 999 + 999 + 514
    assert len(fake.calls("token")) == 1
    assert client.tokens.acquired == 1
    # The custom authority is used as given: discovery on the fake, no instance discovery.
    assert [r.route for r in fake.requests[:2]] == ["discovery", "token"]
    assert all(r.route in {"discovery", "token", "users"} for r in fake.requests)


def test_select_top_and_manager_expansion_reach_graph(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    items = {item["id"]: item for item in all_users(graph())}
    first = fake.calls("users")[0].query
    assert first["$select"] == USER_SELECT
    assert first["$top"] == str(USERS_PAGE_SIZE)
    assert first["$expand"] == "manager($select=id)"
    # Only the selected properties come back (the fake's givenName/businessPhones stay out).
    assert set(items[ADMIN]) == set(USER_SELECT.split(","))
    assert items[DEMO]["manager"] == {"@odata.type": "#microsoft.graph.user", "id": ADMIN}
    reader = PageReader()
    demo = reader.user(items[DEMO], "page 1")
    assert demo.mail == "Mark.Brown23@example.com" and demo.account_enabled is False
    assert demo.manager_id == ADMIN and demo.department == "Research & Development"
    guest = reader.user(items[GUEST], "page 1")
    assert guest.user_type == "Guest" and guest.mail == "joel.willis63@example.com"
    assert guest.user_principal_name == "joel.willis63_example.com#EXT#@yourcompany.onmicrosoft.com"
    admin = reader.user(items[ADMIN], "page 1")
    assert admin.mail is None and admin.user_principal_name == "Admin@YourCompany.example.com"
    assert reader.missing == {}


def test_filter_setting_is_passed_to_the_listing(fake: FakeIdentityPlatform, graph: Graph) -> None:
    items = [i for p in graph().users("userType eq 'Guest'") for i in p.items]
    assert [item["id"] for item in items] == [GUEST]
    assert fake.calls("users")[0].query["$filter"] == "userType eq 'Guest'"


def test_delta_from_latest_link_reports_updates_and_removals(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    client = graph()
    link = client.latest_delta_link()
    assert fake.calls("delta")[0].query["$deltatoken"] == "latest"
    assert fake.calls("delta")[0].query["$select"] == f"{USER_SELECT},manager"
    fake.directory.update(KELLY, department="Marketing", manager=None)
    fake.directory.remove(DEMO, "changed")
    fake.directory.remove(ADMIN, "deleted")
    pages = list(client.delta(link))
    assert pages[-1].delta_link and pages[-1].delta_link != link
    changes = PageReader().delta_items([i for p in pages for i in p.items], "delta")
    update = changes[0]
    assert isinstance(update, DeltaUpdate) and update.azure_id == KELLY
    assert update.values["department"] == "Marketing"
    assert update.values["mail"] == "jeffrey.kelly72@example.com"  # unchanged, still sent
    assert update.manager_id is None  # manager@delta with @removed: the manager was taken away
    assert changes[1:] == [DeltaRemoval(DEMO, "changed"), DeltaRemoval(ADMIN, "deleted")]
    # Nothing changed since the new link: an empty round with yet another link.
    again = list(client.delta(str(pages[-1].delta_link)))
    assert again[0].items == [] and again[0].delta_link


def test_token_within_five_minutes_of_expiry_counts_as_expired(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    fake.token_lifetime = 299  # MSAL refreshes any token closer than 5 minutes to expiry
    fake.directory.load(generated_users(1_500))
    client = graph()
    all_users(client)
    assert client.stats.pages == 2
    assert len(fake.calls("token")) == 2  # one per request: the cached one is never good enough


def test_tls_needs_the_configured_ca(
    live_settings: Callable[..., Settings], fake: FakeIdentityPlatform
) -> None:
    settings = live_settings(ODOOBRIDGE_AZURE_CA_BUNDLE=None)
    with GraphClient.from_settings(settings) as client, pytest.raises(GraphUnavailable) as error:
        client.tokens.token()
    assert "TLS verification of https://127.0.0.1:" in error.value.message
    assert "ODOOBRIDGE_AZURE_CA_BUNDLE" in error.value.message
    assert fake.requests == []  # the handshake failed before any request


def test_ca_bundle_that_is_not_pem_is_a_config_error(
    live_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(ConfigError, match=r"ODOOBRIDGE_AZURE_CA_BUNDLE .* is not a readable PEM"):
        GraphClient.from_settings(live_settings(ODOOBRIDGE_AZURE_CA_BUNDLE=str(bogus)))


def test_plain_http_authority_is_refused_by_the_settings() -> None:
    with pytest.raises(ValidationError, match="must be an https:// URL"):
        Settings(_env_file=None, ODOOBRIDGE_AZURE_AUTHORITY_HOST="http://127.0.0.1:1234")
    with pytest.raises(ValidationError, match="must be an https:// URL"):
        Settings(_env_file=None, ODOOBRIDGE_GRAPH_BASE_URL="http://graph.example/v1.0")


def test_missing_configuration_names_every_setting() -> None:
    settings = Settings(_env_file=None, ALLOW_SYNC_MOCKS="0", AZURE_CLIENT_ID="x")
    with pytest.raises(ConfigError) as error:
        GraphConfig.from_settings(settings)
    assert error.value.message.startswith(
        "AZURE_TENANT_ID, AZURE_CLIENT_SECRET (or ODOOBRIDGE_AZURE_CLIENT_CERT_PATH) not set"
    )
    assert "User.Read.All" in error.value.message
    assert "ALLOW_SYNC_MOCKS=0 forces live calls" in error.value.message


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"AZURE_CLIENT_SECRET": "wrong-secret-value"}, "check AZURE_CLIENT_SECRET"),
        ({"AZURE_CLIENT_ID": "11111111-2222-3333-4444-555555555555"}, "check AZURE_CLIENT_ID"),
        ({"AZURE_TENANT_ID": "contoso-typo"}, "does not know tenant 'contoso-typo'"),
        ({"AZURE_GRAPH_SCOPE": "https://graph.microsoft.com/User.Read.All"}, "AZURE_GRAPH_SCOPE"),
    ],
)
def test_token_refusals_say_which_setting_to_fix(
    graph: Graph, override: dict[str, str], needle: str
) -> None:
    client = graph(**override)
    with pytest.raises(GraphAuthError) as error:
        client.tokens.token()
    assert needle in error.value.message
    assert CLIENT_SECRET not in error.value.message
    assert "wrong-secret-value" not in error.value.message


def test_certificate_credential_with_thumbprint_and_without(
    fake: FakeIdentityPlatform, graph: Graph, tmp_path: Path
) -> None:
    certificate = make_client_certificate(tmp_path / "app.pem")
    fake.client_certificates.append(certificate.certificate.public_key())
    fake.client_secret = None  # only the certificate's signed assertion is accepted
    with_thumbprint = graph(
        AZURE_CLIENT_SECRET=None,
        ODOOBRIDGE_AZURE_CLIENT_CERT_PATH=str(certificate.pem),
        ODOOBRIDGE_AZURE_CLIENT_CERT_THUMBPRINT=certificate.sha1_thumbprint.upper(),
    )
    assert len(all_users(with_thumbprint)) == 12
    from_certificate = graph(
        AZURE_CLIENT_SECRET=None, ODOOBRIDGE_AZURE_CLIENT_CERT_PATH=str(certificate.pem)
    )
    assert len(all_users(from_certificate)) == 12
    forms = [call.form for call in fake.calls("token")]
    assert all("client_assertion" in form and "client_secret" not in form for form in forms)


def test_certificate_from_another_app_is_refused(
    fake: FakeIdentityPlatform, graph: Graph, tmp_path: Path
) -> None:
    registered = make_client_certificate(tmp_path / "registered.pem")
    other = make_client_certificate(tmp_path / "other.pem")
    fake.client_certificates.append(registered.certificate.public_key())
    client = graph(AZURE_CLIENT_SECRET=None, ODOOBRIDGE_AZURE_CLIENT_CERT_PATH=str(other.pem))
    with pytest.raises(GraphAuthError, match="check the certificate"):
        client.tokens.token()


def test_certificate_file_without_key_is_a_config_error(graph: Graph, tmp_path: Path) -> None:
    path = tmp_path / "cert-only.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    client = graph(AZURE_CLIENT_SECRET=None, ODOOBRIDGE_AZURE_CLIENT_CERT_PATH=str(path))
    with pytest.raises(ConfigError, match="holds no PEM private key"):
        client.tokens.token()


def test_sign_in_activity_listing_uses_pages_of_500(
    fake: FakeIdentityPlatform, graph: Graph
) -> None:
    fake.app_roles.add("AuditLog.Read.All")
    fake.directory.load(generated_users(600))
    client = graph()
    pages = list(client.sign_ins())
    assert [len(p.items) for p in pages] == [500, 112]
    assert fake.calls("sign-ins")[0].query == {"$select": "id,signInActivity", "$top": "500"}
    records = {r.azure_id: r for p in pages for r in PageReader().sign_ins(p.items, p.where)}
    assert records[ADMIN].last_sign_in is not None
    assert records[ADMIN].last_sign_in.isoformat() == "2026-11-22T08:02:41+00:00"
    assert records["u-000001"].last_sign_in is None


def test_an_injected_http_client_is_used_and_left_open(
    fake: FakeIdentityPlatform, live_settings: Callable[..., Settings]
) -> None:
    import httpx

    from odoobridge.sources.graph_auth import tls_context

    seen: list[str] = []
    with httpx.Client(
        verify=tls_context(fake.tls.ca_pem),
        event_hooks={"request": [lambda request: seen.append(request.url.path)]},
    ) as http:
        config = GraphConfig.from_settings(live_settings())
        with GraphClient(config, client=http) as client:
            assert len(all_users(client)) == 12
        assert not http.is_closed  # the caller's client stays the caller's
    assert seen[-1] == "/v1.0/users"
    assert any(path.endswith("/oauth2/v2.0/token") for path in seen)  # MSAL went through it too
