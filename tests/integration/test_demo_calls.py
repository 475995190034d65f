"""`voice-platform demo seed` and `demo clear`: a realistic call history for the demo business,
marked as demo data, reproducible with --seed, and removable without touching real calls."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from tests.conftest import Servers
from voice_platform.cli import app
from voice_platform.config import get_settings
from voice_platform.conversation.engine import answer as rules_answer
from voice_platform.conversation.retrieval import Retriever
from voice_platform.db import platform_session, tenant_session
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import (
    Agent,
    AgentStatus,
    Call,
    CallMessage,
    CallTurn,
    KnowledgeChunk,
    KnowledgeRecord,
    Role,
    Tenant,
)
from voice_platform.models.analytics import AgentDailyStats
from voice_platform.providers.llm import get_embedder
from voice_platform.runtime import supervisor
from voice_platform.services.demo_calls import (
    DEMO_AGENT_NAME,
    DEMO_CHANNEL,
    UNKNOWN_QUESTIONS,
    seed_calls,
)
from voice_platform.services.seed import seed_demo

runner = CliRunner()
ZONE = ZoneInfo("America/New_York")


@pytest.fixture
def demo(db: Servers) -> uuid.UUID:
    with platform_session("test seed") as s:
        assert seed_demo(s) is not None
        tenant = s.exec(select(Tenant).where(Tenant.slug == "demo")).one()
        return tenant.id


def demo_calls(tenant_id: uuid.UUID) -> list[Call]:
    with tenant_session(tenant_id) as s:
        return list(s.exec(select(Call).where(Call.channel == DEMO_CHANNEL)))


def test_seed_writes_a_realistic_history_and_clear_removes_it(demo: uuid.UUID) -> None:
    result = runner.invoke(app, ["demo", "seed", "--calls", "3000", "--days", "56", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "Wrote 3000 calls" in result.output
    assert f"Created the agent {DEMO_AGENT_NAME!r}" in result.output

    calls = demo_calls(demo)
    assert len(calls) == 3000
    with tenant_session(demo) as s:
        [agent] = s.exec(select(Agent)).all()
        turns = s.exec(select(CallTurn)).all()
        messages = s.exec(select(CallMessage)).all()
    assert (agent.name, agent.status) == (DEMO_AGENT_NAME, AgentStatus.ACTIVE)
    assert {c.agent_id for c in calls} == {agent.id}
    now = datetime.now(UTC)
    assert all(c.started_at <= now for c in calls)
    assert min(c.started_at for c in calls) >= now - timedelta(days=56, hours=1)

    local = [c.started_at.astimezone(ZONE) for c in calls]
    weekday = sum(t.weekday() < 5 for t in local) / 5
    weekend = sum(t.weekday() >= 5 for t in local) / 2
    assert weekday > 2 * weekend  # per day, weekdays are far busier
    hours = Counter(t.hour for t in local if t.weekday() < 5)
    assert hours[10] > 5 * hours[20] > 0
    business = sum(n for h, n in hours.items() if 8 <= h < 18)
    assert 0.75 < business / sum(hours.values()) < 0.97  # some calls come after hours

    outcomes = Counter(c.outcome for c in calls)
    assert set(outcomes) == {"answered", "transferred", "message", "abandoned", "spam"}
    assert outcomes["answered"] > outcomes["transferred"] > outcomes["spam"]
    assert outcomes["answered"] / len(calls) > 0.5
    assert 0.05 < sum(c.language == "es-US" for c in calls) / len(calls) < 0.2
    assert {c.language for c in calls} == {"en-US", "es-US"}
    durations = {
        o: sorted(c.duration_seconds or 0 for c in calls if c.outcome == o) for o in outcomes
    }
    median = {o: d[len(d) // 2] for o, d in durations.items()}
    assert median["abandoned"] < median["spam"] < median["answered"] < median["transferred"]
    assert all(c.transfer_to for c in calls if c.outcome == "transferred")

    assert len(messages) == outcomes["message"]
    assert {m.call_id for m in messages} == {c.id for c in calls if c.outcome == "message"}
    speakers = Counter(t.speaker for t in turns)
    assert speakers["caller"] > len(calls)
    assert speakers["agent"] > len(calls)
    answers = [t for t in turns if t.action == "answer"]
    assert answers
    assert all(t.facts for t in answers)

    # The dashboard's figures see the history.
    from voice_platform.services import call_log
    from voice_platform.services.principal import Principal

    owner = Principal(tenant_id=demo, role=Role.OWNER)
    with tenant_session(demo) as s:
        figures = call_log.overview(
            s,
            principal=owner,
            tenant_id=demo,
            filters=call_log.CallFilters(since=date(2000, 1, 1)),
        )
    assert figures.calls == 3000
    assert figures.after_hours is not None
    assert 0 < figures.after_hours < 1000
    with tenant_session(demo) as s:
        days = s.exec(select(AgentDailyStats)).all()
    assert sum(d.calls for d in days) == 3000

    result = runner.invoke(app, ["demo", "clear"])
    assert result.exit_code == 0, result.output
    assert "Removed 3000 demo calls" in result.output
    assert demo_calls(demo) == []
    with tenant_session(demo) as s:
        assert s.exec(select(CallTurn)).all() == []
        assert s.exec(select(CallMessage)).all() == []
        assert s.exec(select(Agent)).all() == []
        assert s.exec(select(AgentDailyStats)).all() == []
    again = runner.invoke(app, ["demo", "clear"])
    assert again.exit_code == 0, again.output
    assert "Removed 0 demo calls" in again.output


def test_the_same_seed_writes_the_same_calls(demo: uuid.UUID) -> None:
    moment = datetime(2026, 3, 4, 15, 20, tzinfo=UTC)

    def history(seed: int) -> list[tuple[object, ...]]:
        with tenant_session(demo) as s:
            seed_calls(s, tenant_id=demo, count=300, days=30, seed=seed, now=moment)
        return sorted(
            (c.id, c.started_at, c.outcome, c.language, c.from_number, c.duration_seconds)
            for c in demo_calls(demo)
        )

    first = history(3)
    assert len(first) == 300
    assert history(3) == first  # replaced, not added to
    assert history(4) != first
    assert max(c[1] for c in first) < moment  # type: ignore[operator]


def test_seed_keeps_real_calls_and_uses_existing_agents(demo: uuid.UUID) -> None:
    with tenant_session(demo) as s:
        agent = Agent(tenant_id=demo, name="Reception", status=AgentStatus.ACTIVE)
        s.add(agent)
        s.flush()
        s.add(Call(tenant_id=demo, agent_id=agent.id, call_sid="CA" + "4" * 32, outcome="answered"))
    result = runner.invoke(app, ["demo", "seed", "--calls", "50", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "Created the agent" not in result.output
    assert {c.agent_id for c in demo_calls(demo)} == {agent.id}
    assert runner.invoke(app, ["demo", "clear"]).exit_code == 0
    with tenant_session(demo) as s:
        left = s.exec(select(Call)).all()
        assert [c.call_sid for c in left] == ["CA" + "4" * 32]
        assert s.exec(select(Agent.name)).all() == ["Reception"]


def test_a_history_of_several_batches_is_written_whole(demo: uuid.UUID) -> None:
    # How fast it writes is benchmark material (README: 10,000 calls in 7.4 s); this checks that
    # batches add up (BATCH calls a statement) and that the rollups count every call.
    result = runner.invoke(app, ["demo", "seed", "--calls", "2500", "--seed", "2"])
    assert result.exit_code == 0, result.output
    with tenant_session(demo) as s:
        count = s.exec(select(col(Call.id)).where(Call.channel == DEMO_CHANNEL)).all()
        counted = s.exec(select(AgentDailyStats).where(AgentDailyStats.tenant_id == demo)).all()
    assert len(count) == 2500
    assert sum(row.calls for row in counted) == 2500


def test_an_unknown_business_is_named(db: Servers) -> None:
    result = runner.invoke(app, ["demo", "seed", "--calls", "10", "--tenant", "nobody"])
    assert result.exit_code == 1
    assert "No business with the slug 'nobody'" in result.output
    assert "Traceback" not in result.output


def test_the_first_up_gives_the_demo_business_a_call_history(db: Servers) -> None:
    settings = get_settings().model_copy(update={"seed_demo_calls": 120})
    logins = supervisor.seed(settings, db.database_url)
    assert logins is not None
    calls = demo_calls(logins.tenant_id)
    assert len(calls) == 120
    # Analysed as real calls are, and counted in the dashboard's rollups.
    assert all(c.analyzed_at is not None for c in calls)
    assert any(c.unanswered for c in calls)
    with platform_session("test read") as s:
        counted = s.exec(
            select(AgentDailyStats).where(AgentDailyStats.tenant_id == logins.tenant_id)
        ).all()
    assert sum(row.calls for row in counted) == 120
    # Later starts leave the business as it is.
    assert supervisor.seed(settings, db.database_url) is None
    assert len(demo_calls(logins.tenant_id)) == 120


def test_no_demo_calls_when_asked_for_none(db: Servers) -> None:
    settings = get_settings().model_copy(update={"seed_demo_calls": 0})
    logins = supervisor.seed(settings, db.database_url)
    assert logins is not None
    assert demo_calls(logins.tenant_id) == []


def test_the_demo_agent_knows_what_its_calls_answered(demo: uuid.UUID) -> None:
    """Its knowledge holds the answers the made-up calls give (the console answers them too),
    and not what the calls left unanswered."""
    with tenant_session(demo) as s:
        seed_calls(s, tenant_id=demo, count=10)
        agent = s.exec(select(Agent).where(Agent.name == DEMO_AGENT_NAME)).one()
        record = s.get(KnowledgeRecord, agent.id)
        assert record is not None
        kb = KnowledgeBase.model_validate(record.document)
        chunks = s.exec(select(KnowledgeChunk).where(KnowledgeChunk.agent_id == agent.id)).all()
    assert chunks, "the knowledge page's search has the demo knowledge"
    retriever = Retriever(kb, get_embedder())
    located = rules_answer("Where are you located?", kb, retriever)
    assert located.action == "answer"
    assert "120 Main Street" in located.text
    assert rules_answer("Is there parking nearby?", kb, retriever).action == "answer"
    for question in UNKNOWN_QUESTIONS["en-US"]:
        assert rules_answer(question, kb, retriever).action == "unknown", question
