"""The gateway's searches, end to end: app → client → stub Odoo on the Odoo 18 fixture."""

from __future__ import annotations

from tests.gateway.conftest import Caller


def test_status_names_the_server(reader: Caller) -> None:
    answer = reader.get("/odoo/status")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["connected"] is True
    assert body["odoo_version"] == "18.0"
    assert body["username"] == "admin"


def test_partners_by_website(reader: Caller) -> None:
    answer = reader.post("/odoo/search/partners", json={"website": "gemini-furniture.com"})
    assert answer.status_code == 200, answer.text
    print(answer.json())
