"""One-URL creation, run by the pipeline on the real database and Redis: a corpus site read
offline on the sandbox providers ends with an active agent, its knowledge and its number."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.integration.accounts_helpers import bearer, client, sign_up
from tests.integration.test_crawler import serve
from tests.integration.test_knowledge import new_tenant
from tests.integration.test_numbers import tid
from voice_platform.config import get_settings
from voice_platform.creation.pipeline import run_job
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import (
    Agent,
    AgentStatus,
    CreationOptions,
    CreationStart,
    JobStatus,
    PhoneNumber,
    Tenant,
)
from voice_platform.providers.llm import get_embedder
from voice_platform.services import creation, knowledge
from voice_platform.services.principal import Principal

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def owner_api() -> tuple[TestClient, dict[str, str]]:
    api = client()
    return api, bearer(sign_up(api)["access_token"])


def start(owner: Principal, url: str, **options: object) -> uuid.UUID:
    with tenant_session(tid(owner)) as s:
        agent = creation.start(
            s,
            principal=owner,
            tenant_id=tid(owner),
            data=CreationStart(
                url=url, options=CreationOptions(allow_private_networks=True, **options)
            ),
        )
        return agent.id


def run(owner: Principal, agent_id: uuid.UUID) -> JobStatus:
    return asyncio.run(
        run_job(agent_id, tid(owner), settings=get_settings(), embedder=get_embedder(), backoff=0)
    )


def test_a_site_becomes_an_active_agent_with_knowledge_and_a_number(tmp_path: Path) -> None:
    owner = new_tenant("Nonna")
    for url, _ in serve("nonna-rosa-pizzeria", tmp_path):
        agent_id = start(owner, url, area_code="630")
        assert run(owner, agent_id) is JobStatus.SUCCEEDED
    with tenant_session(tid(owner)) as s:
        agent = s.get(Agent, agent_id)
        assert agent is not None
        assert agent.status is AgentStatus.ACTIVE
        assert agent.name == "Nonna Rosa Pizzeria"
        assert "Nonna Rosa Pizzeria" in agent.greeting
        assert agent.voice["voice_id"].startswith("sandbox-")
        assert agent.phone_number
        assert agent.phone_number.startswith("+1630555")
        kb = knowledge.load(s, principal=owner, agent_id=agent_id).kb
        assert kb.categories.hours.weekly is not None
        seen = creation.snapshot(s, principal=owner, agent_id=agent_id)
    assert seen.status == "succeeded"
    assert {name: step["status"] for name, step in seen.steps.items()} == dict.fromkeys(
        ("crawl", "extract", "persona", "voice", "number", "activate"), "done"
    )
    assert seen.steps["crawl"]["result"]["pages"] == 17
    assert seen.events[-1].message == "Active"
    assert any(e.step == "crawl" and e.data.get("pages") for e in seen.events)


def test_a_failed_creation_gives_the_number_back_and_can_be_retried(tmp_path: Path) -> None:
    owner = new_tenant()
    agent_id = start(owner, "http://127.0.0.1:9/", area_code="512")  # nothing listens there
    assert run(owner, agent_id) is JobStatus.FAILED
    with tenant_session(tid(owner)) as s:
        agent = s.get(Agent, agent_id)
        assert agent is not None
        assert agent.status is AgentStatus.FAILED
        assert agent.status_reason
        assert agent.status_reason.startswith("Crawl failed")
        seen = creation.snapshot(s, principal=owner, agent_id=agent_id)
        assert seen.steps["crawl"]["status"] == "failed"
    with platform_session("test") as s:
        assert s.exec(select(PhoneNumber)).all() == []  # the number it bought was released
    with tenant_session(tid(owner)) as s:
        creation.retry(s, principal=owner, agent_id=agent_id)
        seen = creation.snapshot(s, principal=owner, agent_id=agent_id)
    assert seen.status == "queued"
    assert seen.steps["crawl"]["status"] == "pending"


def test_an_area_code_is_three_digits() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="three digits"):
        CreationOptions(area_code="82")
    assert CreationOptions(area_code="").area_code is None


def test_cancel_stops_between_steps_and_rolls_back() -> None:
    owner = new_tenant()
    agent_id = start(owner, "https://example.invalid/")
    with tenant_session(tid(owner)) as s:
        creation.cancel(s, principal=owner, agent_id=agent_id)
    assert run(owner, agent_id) is JobStatus.CANCELLED
    with tenant_session(tid(owner)) as s:
        assert s.get(Agent, agent_id).status is AgentStatus.FAILED  # type: ignore[union-attr]
    with platform_session("test") as s:
        assert s.exec(select(PhoneNumber)).all() == []


def test_the_api_starts_a_creation_and_streams_its_progress(
    owner_api: tuple[TestClient, dict[str, str]], tmp_path: Path
) -> None:
    api, headers = owner_api
    bad = api.post("/api/agents/from-website", json={"url": "not a site"}, headers=headers)
    assert bad.status_code == 422
    assert "website" in bad.json()["error"]["message"]
    for url, _ in serve("rapid-rooter-plumbing", tmp_path):
        body = {"url": url, "options": {"area_code": "614", "allow_private_networks": True}}
        started = api.post("/api/agents/from-website", json=body, headers=headers)
        assert started.status_code == 201, started.text
        agent = started.json()
        assert agent["status"] == "creating"
        again = api.post(f"/api/agents/{agent['id']}/creation/retry", headers=headers)
        assert again.status_code == 409  # only a failed or cancelled one is retried
        me = api.get("/api/auth/me", headers=headers).json()
        tenant = uuid.UUID(me["tenant_id"])
        status = asyncio.run(
            run_job(
                uuid.UUID(agent["id"]),
                tenant,
                settings=get_settings(),
                embedder=get_embedder(),
                backoff=0,
            )
        )
        assert status is JobStatus.SUCCEEDED
    with api.stream("GET", f"/api/agents/{agent['id']}/creation/events", headers=headers) as sse:
        assert sse.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in sse.iter_lines() if line.startswith("data: ")]
    events = [json.loads(line.removeprefix("data: ")) for line in lines]
    assert events[0]["step"] == "start"
    assert events[-1] == {**events[-1], "step": "done", "message": "Active"}
    progress = api.get(f"/api/agents/{agent['id']}/creation", headers=headers).json()
    assert progress["status"] == "succeeded"
    assert progress["steps"]["number"]["result"]["number"].startswith("+1614555")
    assert api.get(f"/api/agents/{agent['id']}", headers=headers).json()["status"] == "active"


def test_the_command_line_creates_an_agent_with_a_progress_bar(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from voice_platform.cli import app

    owner = new_tenant("Fade")
    with platform_session("test") as s:
        slug = s.get(Tenant, tid(owner)).slug  # type: ignore[union-attr]
    runner = CliRunner()
    refused = runner.invoke(app, ["create", "ftp://nowhere", "--tenant", slug])
    assert refused.exit_code == 1
    assert "website" in refused.output
    assert runner.invoke(app, ["create", "https://x.example", "--tenant", "nobody"]).exit_code == 1
    for url, _ in serve("fade-and-fringe-salon", tmp_path):
        result = runner.invoke(
            app,
            ["create", url, "--tenant", slug, "--area-code", "828", "--allow-private-networks"],
        )
    assert result.exit_code == 0, result.output
    assert "Fade & Fringe" in result.output
    assert "is active on +1828555" in result.output
