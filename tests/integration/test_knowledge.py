"""The knowledge base: storage, versions, import/export, owner edits, and retrieval."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from voice_platform.db import platform_session, tenant_session
from voice_platform.knowledge.document import KnowledgeInvalid
from voice_platform.knowledge.schemas import Conflict as SiteConflict
from voice_platform.knowledge.schemas import Fact, KnowledgeBase, Method
from voice_platform.models import AgentCreate, Role, Tenant
from voice_platform.providers.llm import get_embedder
from voice_platform.services import agents, knowledge
from voice_platform.services.errors import Conflict, NotFound
from voice_platform.services.principal import Principal

pytestmark = pytest.mark.usefixtures("db")
FIXTURE = Path(__file__).parent.parent / "fixtures" / "bright_smile_kb.json"


def new_tenant(name: str = "Bright Smile") -> Principal:
    tenant_id = uuid.uuid4()
    with platform_session("test tenant") as s:
        s.add(
            Tenant(
                id=tenant_id, slug=f"t-{tenant_id.hex[:8]}", name=name, time_zone="America/Chicago"
            )
        )
    return Principal(tenant_id=tenant_id, role=Role.OWNER, user_id=None)


def new_agent(owner: Principal) -> uuid.UUID:
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        agent = agents.create_agent(
            s, principal=owner, tenant_id=owner.tenant_id, data=AgentCreate(name="Front desk")
        )
        return agent.id


def fixture_kb() -> KnowledgeBase:
    return KnowledgeBase.model_validate_json(FIXTURE.read_text())


def import_fixture(owner: Principal, agent_id: uuid.UUID) -> knowledge.Snapshot:
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        return knowledge.import_document(
            s, get_embedder(), principal=owner, agent_id=agent_id, data=FIXTURE.read_text()
        )


def search(owner: Principal, agent_id: uuid.UUID, query: str, k: int = 3) -> list[knowledge.Hit]:
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        return knowledge.search(
            s, get_embedder(), principal=owner, agent_id=agent_id, query=query, k=k
        )


def test_a_new_agent_starts_with_an_empty_kb_named_after_the_business() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        snap = knowledge.load(s, principal=owner, agent_id=agent_id)
    assert snap.version == 1
    assert snap.kb.business_name == "Bright Smile"
    assert snap.kb.categories.faqs.faqs == []


def test_retrieval_finds_the_friday_hours() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    import_fixture(owner, agent_id)
    hits = search(owner, agent_id, "what time do you close on friday")
    assert hits[0].category == "hours"
    assert "Friday" in hits[0].text
    assert "1:00 PM" in hits[0].text
    assert hits[0].source_url == "https://brightsmile.example/contact/"
    assert hits[0].score > hits[-1].score or len(hits) == 1


def test_retrieval_by_words_and_by_meaning() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    import_fixture(owner, agent_id)
    assert "Delta Dental" in search(owner, agent_id, "do you take delta dental?")[0].text
    assert search(owner, agent_id, "is there somewhere to leave my car")[0].category == "locations"


def test_export_import_export_is_byte_identical() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    import_fixture(owner, agent_id)
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        first = knowledge.export_json(s, principal=owner, agent_id=agent_id)
    other = new_agent(owner)
    with tenant_session(owner.tenant_id) as s:
        knowledge.import_document(s, get_embedder(), principal=owner, agent_id=other, data=first)
    with tenant_session(owner.tenant_id) as s:
        second = knowledge.export_json(s, principal=owner, agent_id=other)
    assert second.encode() == first.encode()
    assert json.loads(first)["format"] == "voice-platform.kb/1"


def test_a_stale_save_is_a_conflict_and_changes_nothing() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        opened = knowledge.load(s, principal=owner, agent_id=agent_id)
    mine, theirs = opened.kb.model_copy(deep=True), opened.kb.model_copy(deep=True)
    theirs.categories.amenities.amenities = ["Free wifi"]
    mine.categories.amenities.amenities = ["Coffee"]
    with tenant_session(owner.tenant_id) as s:
        saved = knowledge.save(
            s, get_embedder(), principal=owner, agent_id=agent_id, kb=theirs, version=opened.version
        )
    assert saved.version == opened.version + 1
    with pytest.raises(Conflict, match="reload"), tenant_session(owner.tenant_id) as s:
        knowledge.save(
            s, get_embedder(), principal=owner, agent_id=agent_id, kb=mine, version=opened.version
        )
    with tenant_session(owner.tenant_id) as s:
        assert knowledge.load(
            s, principal=owner, agent_id=agent_id
        ).kb.categories.amenities.amenities == ["Free wifi"]


def test_owner_edits_are_marked_as_such() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    snap = import_fixture(owner, agent_id)
    kb = snap.kb.model_copy(deep=True)
    kb.categories.faqs.faqs[0].answer = "Yes, and we have a play corner."
    untouched_id = kb.categories.faqs.faqs[1].id
    assert owner.tenant_id is not None
    with tenant_session(owner.tenant_id) as s:
        saved = knowledge.save(
            s, get_embedder(), principal=owner, agent_id=agent_id, kb=kb, version=snap.version
        )
    faqs = {faq.id: faq for faq in saved.kb.categories.faqs.faqs}
    edited = saved.kb.categories.faqs.faqs[0]
    assert edited.provenance.method is Method.OWNER
    assert edited.provenance.updated_at is not None
    assert faqs[untouched_id].provenance.method is Method.PAGE_TEXT


def test_validation_names_category_field_and_problem() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    bad = json.loads(FIXTURE.read_text())
    bad["categories"]["hours"]["weekly"]["friday"][0]["close"] = "25:00"
    bad["categories"]["services"]["services"][0]["price"]["currency"] = "dollars"
    assert owner.tenant_id is not None
    with pytest.raises(KnowledgeInvalid) as err, tenant_session(owner.tenant_id) as s:
        knowledge.import_document(s, get_embedder(), principal=owner, agent_id=agent_id, data=bad)
    problems = {(p["category"], p["field"]) for p in err.value.problems}
    assert ("hours", "weekly.friday.0.close") in problems
    assert ("services", "services.0.price.currency") in problems
    with tenant_session(owner.tenant_id) as s:
        assert knowledge.load(s, principal=owner, agent_id=agent_id).version == 1


def test_another_tenants_agent_is_invisible() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    stranger = new_tenant("Other")
    assert stranger.tenant_id is not None
    with pytest.raises(NotFound), tenant_session(stranger.tenant_id) as s:
        knowledge.load(s, principal=stranger, agent_id=agent_id)
    with pytest.raises(NotFound), tenant_session(stranger.tenant_id) as s:
        knowledge.search(s, get_embedder(), principal=stranger, agent_id=agent_id, query="hours")


def test_a_flagged_disagreement_is_settled_once_and_the_facts_stay() -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    assert owner.tenant_id is not None
    kb = fixture_kb()
    versions = [Fact(text="Open 8-5 (structured data)"), Fact(text="Open 8-6 (contact page)")]
    kb.conflicts = [SiteConflict(category="hours", about="Opening hours", versions=versions)]
    flag_id = kb.conflicts[0].id
    with tenant_session(owner.tenant_id) as s:
        opened = knowledge.import_document(
            s, get_embedder(), principal=owner, agent_id=agent_id, data=kb.model_dump(mode="json")
        )
    assert [c.about for c in opened.kb.conflicts] == ["Opening hours"]
    with tenant_session(owner.tenant_id) as s:
        settled = knowledge.settle_conflict(
            s,
            get_embedder(),
            principal=owner,
            agent_id=agent_id,
            conflict_id=flag_id,
            version=opened.version,
        )
    assert settled.kb.conflicts == []
    assert settled.kb.categories == opened.kb.categories
    with pytest.raises(NotFound, match="already settled"), tenant_session(owner.tenant_id) as s:
        knowledge.settle_conflict(
            s,
            get_embedder(),
            principal=owner,
            agent_id=agent_id,
            conflict_id=flag_id,
            version=settled.version,
        )
