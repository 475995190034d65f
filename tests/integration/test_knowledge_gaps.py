"""The knowledge-gap loop on the embedded PostgreSQL, through the API: the open gaps of a
business (grouped, the answered and unanalysed left out, by agent and period), a drafted answer
from the kept pages, approving it into the knowledge base and hearing the agent answer it,
dismissing; another business never sees or touches any of it; bad input is a 4xx; a site read
at creation leaves its pages for drafts."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from tests.conftest import Servers
from tests.integration.test_crawler import serve
from voice_platform.api import create_api
from voice_platform.config import get_settings
from voice_platform.creation.pipeline import run_job
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import (
    Agent,
    AuditEntry,
    Call,
    CrawledPage,
    CreationOptions,
    CreationStart,
    GapResolution,
    JobStatus,
    KnowledgeRecord,
    Membership,
    Role,
    Tenant,
    User,
)
from voice_platform.providers.llm import get_embedder
from voice_platform.services import creation, knowledge_gaps
from voice_platform.services.principal import Principal
from voice_platform.services.security import issue_access_token

KB = json.loads((Path(__file__).parents[1] / "fixtures" / "bright_smile_kb.json").read_text())
NOW = datetime.now(UTC)
COSMETIC = "https://brightsmile.example/cosmetic"
WHITENING = "Yes. In-office whitening is $450 and take-home trays are $250."
PAGES = {
    COSMETIC: (
        "Cosmetic dentistry",
        f"Professional Teeth Whitening\nDo you offer teeth whitening?\n{WHITENING}\n",
    ),
    "https://brightsmile.example/shop": (
        "Shop",
        "Gift cards\nGift cards come in any amount from $25 to $500 and never expire. "
        "Buy one at the front desk.\n",
    ),
}


@dataclass
class World:
    api: TestClient
    a: uuid.UUID
    b: uuid.UUID
    front: uuid.UUID
    b_agent: uuid.UUID
    headers: dict[str, dict[str, str]]

    def get(self, who: str, **params: Any) -> Any:
        return self.api.get("/api/knowledge-gaps", params=params, headers=self.headers[who])

    def post(self, who: str, path: str, body: Any) -> Any:
        return self.api.post(f"/api/knowledge-gaps/{path}", json=body, headers=self.headers[who])

    def questions(self, who: str = "ann", **params: Any) -> dict[str, int]:
        response = self.get(who, **params)
        assert response.status_code == 200, response.text
        return {g["question"]: g["count"] for g in response.json()["groups"]}


def a_call(
    tenant: uuid.UUID, agent: uuid.UUID, days_ago: float, *questions: str, analysed: bool = True
) -> Call:
    started = NOW - timedelta(days=days_ago)
    return Call(
        tenant_id=tenant,
        agent_id=agent,
        call_sid=f"CA{uuid.uuid4().hex}",
        status="completed",
        outcome="message",
        started_at=started,
        unanswered=list(questions),
        analyzed_at=started + timedelta(minutes=5) if analysed else None,
    )


def add_calls(*calls: Call) -> None:
    with platform_session("test seed") as s:
        s.add_all(calls)


@pytest.fixture
def world(db: Servers) -> World:
    a, b = uuid.uuid4(), uuid.uuid4()
    users = {name: uuid.uuid4() for name in ("ann", "mia", "bob")}
    front, b_agent = uuid.uuid4(), uuid.uuid4()
    with platform_session("test seed") as s:
        s.add(Tenant(id=a, slug="alpha", name="Alpha Dental", time_zone="America/Chicago"))
        s.add(Tenant(id=b, slug="bravo", name="Bravo Plumbing"))
        for name, user_id in users.items():
            s.add(User(id=user_id, email=f"{name}@example.com", password_hash="x"))
        s.flush()
        s.add(Membership(tenant_id=a, user_id=users["ann"], role=Role.OWNER))
        s.add(Membership(tenant_id=a, user_id=users["mia"], role=Role.MEMBER))
        s.add(Membership(tenant_id=b, user_id=users["bob"], role=Role.OWNER))
        s.add(Agent(id=front, tenant_id=a, name="Front desk"))
        s.add(Agent(id=b_agent, tenant_id=b, name="Bravo desk"))
        s.flush()
        s.add(KnowledgeRecord(agent_id=front, tenant_id=a, document=KB))
        s.add(KnowledgeRecord(agent_id=b_agent, tenant_id=b, document={}))
        for url, (title, text) in PAGES.items():
            s.add(CrawledPage(tenant_id=a, agent_id=front, url=url, title=title, text=text))
        s.add_all(
            [
                # The knowledge base answers Delta Dental: not a gap.
                a_call(a, front, 3, "Do you do teeth whitening?", "Do you take Delta Dental?"),
                a_call(a, front, 2, "Hi, um, can I get my teeth whitened there?"),
                a_call(a, front, 1, "Do you sell gift cards?"),
                a_call(a, front, 1, "Do you have gift cards?", "Do you do house calls?"),
                # Not analysed yet: its questions are not known to be unanswered.
                a_call(a, front, 1, "Do you offer Botox?", analysed=False),
                a_call(a, front, 40, "Is there a playground nearby?"),
                a_call(b, b_agent, 1, "Do you fix tankless water heaters?"),
            ]
        )
    settings = get_settings()

    def token(user: str, tenant: uuid.UUID, role: Role) -> dict[str, str]:
        value, _ = issue_access_token(
            settings, user_id=users[user], tenant_id=tenant, role=role.value, is_staff=False
        )
        return {"Authorization": f"Bearer {value}"}

    return World(
        api=TestClient(create_api(), raise_server_exceptions=False),
        a=a,
        b=b,
        front=front,
        b_agent=b_agent,
        headers={
            "ann": token("ann", a, Role.OWNER),
            "mia": token("mia", a, Role.MEMBER),
            "bob": token("bob", b, Role.OWNER),
        },
    )


def kb_version(tenant: uuid.UUID, agent: uuid.UUID) -> int:
    with tenant_session(tenant) as s:
        record = s.get(KnowledgeRecord, agent)
        assert record is not None
        return record.version


def test_the_gaps_are_grouped_by_meaning_most_asked_first(world: World) -> None:
    response = world.get("mia")
    assert response.status_code == 200, response.text
    groups = response.json()["groups"]
    assert [(g["question"], g["count"]) for g in groups] == [
        ("Do you have gift cards?", 2),
        ("Do you do teeth whitening?", 2),
        ("Do you do house calls?", 1),
        ("Is there a playground nearby?", 1),
    ]
    whitening = groups[1]
    assert whitening["phrasings"] == [
        "Do you do teeth whitening?",
        "Can I get my teeth whitened there?",
    ]
    assert (whitening["agent_id"], whitening["agent_name"]) == (str(world.front), "Front desk")
    assert len(whitening["calls"]) == 2
    assert datetime.fromisoformat(whitening["last_asked"]) > NOW - timedelta(days=2, minutes=1)


def test_the_gaps_of_an_agent_and_a_period(world: World) -> None:
    since = (NOW - timedelta(days=30)).date().isoformat()
    assert "Is there a playground nearby?" not in world.questions(since=since)
    until = (NOW - timedelta(days=30)).date().isoformat()
    assert world.questions(until=until) == {"Is there a playground nearby?": 1}
    assert len(world.questions(agent_id=str(world.front))) == 4


def test_another_business_never_sees_them(world: World) -> None:
    assert world.questions("bob") == {"Do you fix tankless water heaters?": 1}
    assert "Do you fix tankless water heaters?" not in world.questions("ann")
    # Another business's agent does not exist for this one.
    response = world.get("ann", agent_id=str(world.b_agent))
    assert response.status_code == 404
    # Under the other business's row-level security, the pages and settled questions hide.
    with tenant_session(world.b) as s:
        assert s.exec(select(CrawledPage)).all() == []
        assert s.exec(select(GapResolution)).all() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"agent_id": "not-an-id"}, "agent_id"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-03-05", "until": "2026-03-01"}, "since"),
    ],
)
def test_bad_filters_are_named(world: World, params: dict[str, str], field: str) -> None:
    response = world.get("ann", **params)
    assert response.status_code == 422
    assert field in response.json()["error"]["message"]


def test_a_draft_comes_from_the_kept_pages_with_its_source(world: World) -> None:
    response = world.post(
        "mia", "draft", {"agent_id": str(world.front), "question": "Do you do teeth whitening?"}
    )
    assert response.status_code == 200, response.text
    drafted = response.json()
    assert drafted["found"] is True
    assert drafted["answer"] == WHITENING
    assert (drafted["source_url"], drafted["source_title"]) == (COSMETIC, "Cosmetic dentistry")

    nothing = world.post(
        "ann", "draft", {"agent_id": str(world.front), "question": "Do you do house calls?"}
    ).json()
    assert (nothing["found"], nothing["answer"], nothing["source_url"]) == (False, None, None)


def test_approving_an_answer_updates_the_kb_and_the_agent_answers(world: World) -> None:
    before = kb_version(world.a, world.front)
    response = world.post(
        "ann",
        "answer",
        {
            "agent_id": str(world.front),
            "question": "Do you do teeth whitening?",
            "answer": WHITENING,
            "source_url": COSMETIC,
            "questions": ["Can I get my teeth whitened there?"],
        },
    )
    assert response.status_code == 200, response.text
    approved = response.json()
    assert approved["version"] == before + 1
    assert approved["settled"] == [
        "Do you do teeth whitening?",
        "Can I get my teeth whitened there?",
    ]
    reasked = approved["reasked"]
    assert reasked["answered"] is True
    assert reasked["action"] == "answer"
    assert "$450" in reasked["answer"]
    assert any(fact["category"] == "faqs" for fact in reasked["facts"])

    with tenant_session(world.a) as s:
        record = s.get(KnowledgeRecord, world.front)
        assert record is not None
        [faq] = [
            f
            for f in record.document["categories"]["faqs"]["faqs"]
            if f["id"] == approved["faq_id"]
        ]
        actions = set(s.exec(select(AuditEntry.action).where(AuditEntry.tenant_id == world.a)))
    assert (faq["question"], faq["answer"]) == ("Do you do teeth whitening?", WHITENING)
    assert faq["provenance"]["method"] == "owner"
    assert faq["provenance"]["source_url"] == COSMETIC
    assert {"knowledge.gap_answered", "knowledge_gap.answered"} <= actions
    assert "Do you do teeth whitening?" not in world.questions()

    # Answered again with new words: the same FAQ, not a second one.
    again = world.post(
        "ann",
        "answer",
        {"agent_id": str(world.front), "question": "do you do teeth whitening", "answer": "Yes."},
    ).json()
    assert again["faq_id"] == approved["faq_id"]


def test_a_dismissed_question_stays_dismissed(world: World) -> None:
    response = world.post(
        "ann", "dismiss", {"agent_id": str(world.front), "question": "Do you do house calls?"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"settled": ["Do you do house calls?"]}
    add_calls(a_call(world.a, world.front, 0, "Do you make house calls?"))
    assert "Do you make house calls?" not in world.questions()
    assert "Do you do house calls?" not in world.questions()


def test_only_owners_and_admins_close_gaps(world: World) -> None:
    body = {"agent_id": str(world.front), "question": "Do you sell gift cards?", "answer": "Yes."}
    assert world.post("mia", "answer", body).status_code == 403
    assert world.post("mia", "dismiss", body).status_code == 403
    assert "Do you have gift cards?" in world.questions()


def test_another_business_cannot_touch_the_agent(world: World) -> None:
    before = kb_version(world.a, world.front)
    body = {"agent_id": str(world.front), "question": "Do you sell gift cards?", "answer": "No."}
    for path in ("draft", "answer", "dismiss"):
        response = world.post("bob", path, body)
        assert response.status_code == 404, (path, response.text)
    assert kb_version(world.a, world.front) == before
    with platform_session("test read") as s:
        assert s.exec(select(GapResolution)).all() == []
    assert "Do you have gift cards?" in world.questions()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("draft", {"question": "Do you sell gift cards?"}, "agent_id"),
        ("draft", {"agent_id": "x", "question": "Do you sell gift cards?"}, "agent_id"),
        ("draft", {"agent_id": "{front}", "question": "   "}, "question"),
        ("draft", {"agent_id": "{front}", "question": "why? " * 100}, "question"),
        ("answer", {"agent_id": "{front}", "question": "Gift cards?", "answer": " "}, "answer"),
        (
            "answer",
            {"agent_id": "{front}", "question": "Gift cards?", "answer": "a" * 3000},
            "answer",
        ),
        (
            "answer",
            {"agent_id": "{front}", "question": "Gift?", "answer": "Yes.", "source_url": "ftp://x"},
            "source_url",
        ),
        (
            "answer",
            {
                "agent_id": "{front}",
                "question": "Gift?",
                "answer": "Yes.",
                "questions": ["Gift?"] * 60,
            },
            "questions",
        ),
        ("dismiss", {"agent_id": "{front}", "question": ""}, "question"),
        ("dismiss", {"agent_id": "{front}", "question": 12}, "question"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    world: World, path: str, body: dict[str, Any], field: str
) -> None:
    sent = {k: v.format(front=world.front) if v == "{front}" else v for k, v in body.items()}
    response = world.post("ann", path, sent)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["message"]
    assert any(field in detail["field"] for detail in error["details"]), error
    assert kb_version(world.a, world.front) == 1


def test_a_body_that_is_not_json_is_refused(world: World) -> None:
    response = world.api.post(
        "/api/knowledge-gaps/answer",
        content=b"question=hello",
        headers={**world.headers["ann"], "Content-Type": "application/json"},
    )
    assert response.status_code == 422


def test_a_site_read_at_creation_keeps_its_pages_for_drafts(db: Servers, tmp_path: Path) -> None:
    tenant_id = uuid.uuid4()
    with platform_session("test tenant") as s:
        s.add(Tenant(id=tenant_id, slug=f"t-{tenant_id.hex[:8]}", name="Bright Smile"))
    owner = Principal(tenant_id=tenant_id, role=Role.OWNER)
    for url, _ in serve("bright-smile-dental", tmp_path):
        with tenant_session(tenant_id) as s:
            agent_id = creation.start(
                s,
                principal=owner,
                tenant_id=tenant_id,
                data=CreationStart(url=url, options=CreationOptions(allow_private_networks=True)),
            ).id
        status = asyncio.run(
            run_job(
                agent_id, tenant_id, settings=get_settings(), embedder=get_embedder(), backoff=0
            )
        )
        assert status is JobStatus.SUCCEEDED
    with tenant_session(tenant_id) as s:
        pages = s.exec(select(CrawledPage).order_by(col(CrawledPage.url))).all()
        assert len(pages) >= 10
        faq = next(p for p in pages if p.url.rstrip("/").endswith("/faq"))
        assert "Can I bring my service dog?" in faq.text
        assert faq.title
        drafted = knowledge_gaps.draft(
            s,
            get_embedder(),
            principal=owner,
            agent_id=agent_id,
            question="can I bring my dog with me to the appointment?",
        )
    assert drafted.answer is not None
    assert "Service animals are always welcome" in drafted.answer
    assert drafted.source_url is not None
    assert drafted.source_url.rstrip("/").endswith("/faq")
