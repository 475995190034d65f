"""Agents and their knowledge through the REST API, as an integrator would use it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.accounts_helpers import bearer, client, sign_up

pytestmark = pytest.mark.usefixtures("db")
FIXTURE = Path(__file__).parent.parent / "fixtures" / "bright_smile_kb.json"


@pytest.fixture
def owner() -> tuple[TestClient, dict[str, str]]:
    api = client()
    return api, bearer(sign_up(api)["access_token"])


def make_agent(api: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = api.post("/api/agents", json={"name": "Front desk", **fields}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_agents_are_created_listed_changed_and_deleted(
    owner: tuple[TestClient, dict[str, str]],
) -> None:
    api, headers = owner
    agent = make_agent(api, headers, greeting="Thanks for calling!")
    assert agent["status"] == "draft"
    assert agent["time_zone"] == "UTC"
    make_agent(api, headers, name="Night line")
    assert [a["name"] for a in api.get("/api/agents?q=night", headers=headers).json()] == [
        "Night line"
    ]

    changed = api.put(
        f"/api/agents/{agent['id']}",
        json={
            "after_hours": "transfer",
            "transfer_number": "+15125550147",
            "voice": {"speed": 1.1},
        },
        headers=headers,
    )
    assert changed.status_code == 200
    assert changed.json()["voice"]["speed"] == 1.1
    assert (
        api.post(f"/api/agents/{agent['id']}/activate", headers=headers).json()["status"]
        == "active"
    )
    assert (
        api.post(f"/api/agents/{agent['id']}/deactivate", headers=headers).json()["status"]
        == "paused"
    )
    assert api.delete(f"/api/agents/{agent['id']}", headers=headers).status_code == 204
    assert api.get(f"/api/agents/{agent['id']}", headers=headers).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Moon/Base"}, "time_zone"),
        ({"transfer_number": "call me"}, "transfer_number"),
        ({"languages": []}, "languages"),
        ({"languages": ["english please"]}, "languages"),
        ({"name": ""}, "body.name"),
        ({"voice": {"speed": 3}}, "body.voice.speed"),
    ],
)
def test_agent_validation_names_the_field(
    owner: tuple[TestClient, dict[str, str]], change: dict[str, Any], field: str
) -> None:
    api, headers = owner
    agent = make_agent(api, headers)
    response = api.put(f"/api/agents/{agent['id']}", json=change, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == field


def test_knowledge_versions_and_a_stale_save(owner: tuple[TestClient, dict[str, str]]) -> None:
    api, headers = owner
    agent = make_agent(api, headers)
    url = f"/api/agents/{agent['id']}/knowledge"
    first = api.get(url, headers=headers).json()
    assert first["version"] == 1
    document = first["document"]
    document["categories"]["amenities"]["amenities"] = ["Free wifi"]
    saved = api.put(url, json={"version": 1, "document": document}, headers=headers)
    assert saved.status_code == 200
    assert saved.json()["version"] == 2
    document["categories"]["amenities"]["amenities"] = ["Coffee"]
    stale = api.put(url, json={"version": 1, "document": document}, headers=headers)
    assert stale.status_code == 409
    assert "reload" in stale.json()["error"]["message"]
    now = api.get(url, headers=headers).json()
    assert now["version"] == 2
    assert now["document"]["categories"]["amenities"]["amenities"] == ["Free wifi"]


def test_one_category_at_a_time(owner: tuple[TestClient, dict[str, str]]) -> None:
    api, headers = owner
    agent = make_agent(api, headers)
    url = f"/api/agents/{agent['id']}/knowledge/hours"
    hours = {
        "time_zone": "America/Chicago",
        "weekly": {"friday": [{"open": "08:00", "close": "13:00"}]},
    }
    saved = api.put(url, json={"version": 1, "data": hours}, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["data"]["weekly"]["friday"] == [{"open": "08:00", "close": "13:00"}]
    bad = api.put(
        url,
        json={"version": 2, "data": {"weekly": {"friday": [{"open": "13:00", "close": "08:00"}]}}},
        headers=headers,
    )
    assert bad.status_code == 422
    detail = bad.json()["error"]["details"][0]
    assert detail["category"] == "hours"
    assert detail["field"] == "hours.weekly.friday.0"
    assert "before it opens" in detail["problem"]
    unknown = api.get(f"/api/agents/{agent['id']}/knowledge/weather", headers=headers)
    assert unknown.status_code == 422


def test_import_checks_everything_before_changing_anything(
    owner: tuple[TestClient, dict[str, str]],
) -> None:
    api, headers = owner
    agent = make_agent(api, headers)
    document = json.loads(FIXTURE.read_text())
    document["categories"]["languages"]["codes"] = ["en", "Klingon!"]
    document["categories"]["faqs"]["faqs"][0]["answer"] = ""
    document["categories"]["hours"]["colour"] = "blue"
    response = api.post(
        f"/api/agents/{agent['id']}/knowledge/import", json=document, headers=headers
    )
    assert response.status_code == 422
    fields = {d["field"] for d in response.json()["error"]["details"]}
    assert {"languages.codes", "faqs.faqs.0.answer", "hours.colour"} <= fields
    assert api.get(f"/api/agents/{agent['id']}/knowledge", headers=headers).json()["version"] == 1
    wrong_format = api.post(
        f"/api/agents/{agent['id']}/knowledge/import", json={"format": "other"}, headers=headers
    )
    assert wrong_format.status_code == 422
    assert wrong_format.json()["error"]["details"][0]["field"] == "format"


def test_export_import_export_through_the_api_is_byte_identical(
    owner: tuple[TestClient, dict[str, str]],
) -> None:
    api, headers = owner
    one, two = make_agent(api, headers), make_agent(api, headers, name="Copy")
    imported = api.post(
        f"/api/agents/{one['id']}/knowledge/import",
        json=json.loads(FIXTURE.read_text()),
        headers=headers,
    )
    assert imported.status_code == 200
    exported = api.get(f"/api/agents/{one['id']}/knowledge/export", headers=headers)
    assert exported.headers["content-type"] == "application/json"
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.content == FIXTURE.read_bytes()
    api.post(
        f"/api/agents/{two['id']}/knowledge/import",
        content=exported.content,
        headers={**headers, "Content-Type": "application/json"},
    )
    again = api.get(f"/api/agents/{two['id']}/knowledge/export", headers=headers)
    assert again.content == exported.content


def test_faqs_as_csv(owner: tuple[TestClient, dict[str, str]]) -> None:
    api, headers = owner
    agent = make_agent(api, headers)
    url = f"/api/agents/{agent['id']}/knowledge/faqs.csv"
    csv_headers = {**headers, "Content-Type": "text/csv"}
    csv_text = (
        'question,answer,source_url\nDo you open Sundays?,"No, we rest.",https://x.example/faq\n'
    )
    assert api.post(url, content=csv_text, headers=csv_headers).status_code == 200
    assert (
        api.post(
            url, content="question,answer\nParking?,Behind the building.\n", headers=csv_headers
        ).json()["version"]
        == 3
    )
    exported = api.get(url, headers=headers)
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines() == [
        "question,answer,source_url",
        'Do you open Sundays?,"No, we rest.",https://x.example/faq',
        "Parking?,Behind the building.,",
    ]
    replaced = api.post(
        url + "?replace=true", content="question,answer\nOnly?,This.\n", headers=csv_headers
    )
    assert len(replaced.json()["document"]["categories"]["faqs"]["faqs"]) == 1
    bad = api.post(url, content="q;a\nx;y\n", headers=csv_headers)
    assert bad.status_code == 422
    empty_answer = api.post(url, content="question,answer\nWhy?,\n", headers=csv_headers)
    assert empty_answer.json()["error"]["details"][0]["field"].startswith("faqs.row 2")


def test_search_shows_what_the_agent_would_retrieve(
    owner: tuple[TestClient, dict[str, str]],
) -> None:
    api, headers = owner
    agent = make_agent(api, headers)
    api.post(
        f"/api/agents/{agent['id']}/knowledge/import",
        json=json.loads(FIXTURE.read_text()),
        headers=headers,
    )
    hits = api.get(
        f"/api/agents/{agent['id']}/knowledge/search",
        params={"q": "what time do you close on friday", "k": 3},
        headers=headers,
    ).json()
    assert len(hits) == 3
    assert hits[0]["category"] == "hours"
    assert "1:00 PM" in hits[0]["text"]
    assert hits[0]["source_url"].endswith("/contact/")
    empty = api.get(
        f"/api/agents/{agent['id']}/knowledge/search", params={"q": " "}, headers=headers
    )
    assert empty.status_code == 422


def test_staff_outside_a_business_are_told_to_impersonate() -> None:
    from tests.integration.test_team_and_staff import make_staff

    api = client()
    staff = make_staff(api)
    response = api.get("/api/agents", headers=bearer(staff))
    assert response.status_code == 403
    assert "impersonate" in response.json()["error"]["message"]
