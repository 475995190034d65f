"""Post-call analysis and the daily per-agent rollups on the embedded PostgreSQL: the job after
a call ends, re-running it, the rollups against a from-scratch aggregate (hypothesis), and the
stats table's tenant wall."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import col, select

from tests.conftest import Servers
from voice_platform.api import create_api
from voice_platform.config import get_settings
from voice_platform.db import owner_engine, platform_session, tenant_session
from voice_platform.models import (
    Agent,
    AgentDailyStats,
    Call,
    CallMessage,
    CallTurn,
    KnowledgeRecord,
    Membership,
    Role,
    Tenant,
    User,
)
from voice_platform.services import analysis, calls, rollups
from voice_platform.services.security import issue_access_token
from workers.jobs import analyze_call

KB = json.loads((Path(__file__).parents[1] / "fixtures" / "bright_smile_kb.json").read_text())


def seed(
    time_zone: str = "America/Chicago", agents: int = 1, *, kb: bool = True
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    with platform_session("test seed") as session:
        tenant = Tenant(name="Bright Smile", slug=f"b-{uuid.uuid4().hex[:8]}", time_zone=time_zone)
        session.add(tenant)
        session.flush()
        ids = []
        for n in range(agents):
            agent = Agent(tenant_id=tenant.id, name=f"Desk {n}")
            session.add(agent)
            session.flush()
            if kb:
                session.add(KnowledgeRecord(agent_id=agent.id, tenant_id=tenant.id, document=KB))
            ids.append(agent.id)
        return tenant.id, ids


def a_call(tenant_id: uuid.UUID, agent_id: uuid.UUID, **fields: Any) -> uuid.UUID:
    with tenant_session(tenant_id) as session:
        call = Call(
            tenant_id=tenant_id,
            agent_id=agent_id,
            call_sid=f"CA{uuid.uuid4().hex}",
            status="in-progress",
            **fields,
        )
        session.add(call)
        session.flush()
        return call.id


def say(tenant_id: uuid.UUID, call_id: uuid.UUID, *turns: tuple[str, str, str | None]) -> None:
    with tenant_session(tenant_id) as session:
        for speaker, words, action in turns:
            facts = [{"category": "hours", "item_id": "h", "text": "", "source_url": None}]
            session.add(
                CallTurn(
                    call_id=call_id,
                    tenant_id=tenant_id,
                    speaker=speaker,
                    text=words,
                    action=action,
                    facts=facts if action == "answer" else [],
                )
            )


def stats(tenant_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    with platform_session("test read") as session:
        query = select(AgentDailyStats).order_by(
            col(AgentDailyStats.agent_id), col(AgentDailyStats.day)
        )
        if tenant_id is not None:
            query = query.where(AgentDailyStats.tenant_id == tenant_id)
        return [row.model_dump() for row in session.exec(query)]


def read_call(call_id: uuid.UUID) -> Call:
    with platform_session("test read") as session:
        found = session.get(Call, call_id)
        assert found is not None
        return found


async def test_a_call_that_ends_is_analysed_and_counted_by_the_job(db: Servers) -> None:
    tenant_id, (agent_id,) = seed()
    call_id = a_call(tenant_id, agent_id, started_at=datetime(2026, 11, 25, 3, 0, tzinfo=UTC))
    say(
        tenant_id,
        call_id,
        ("caller", "Hi, when are you open on Saturday?", None),
        ("agent", "We're open 9 to 2 on Saturdays.", "answer"),
        ("caller", "Do you do Invisalign?", None),
        ("agent", "I don't have that information.", "unknown"),
        ("caller", "Great, thanks so much!", None),
    )
    call = read_call(call_id)
    assert calls.status_changed(call, {"CallStatus": "completed", "CallDuration": "95"}) is True
    # A late repeat of the final status is not a second ending.
    assert calls.status_changed(call, {"CallStatus": "completed"}) is False

    assert await analyze_call({}, str(call_id), str(tenant_id)) == "answered"
    done = read_call(call_id)
    assert done.analyzed_at is not None
    assert done.unanswered == ["Do you do Invisalign?"]
    assert done.topics == ["hours"]
    assert done.sentiment is not None
    assert done.sentiment > 0
    assert done.satisfaction is not None
    assert done.after_hours is True  # 03:00 UTC is 21:00 in Chicago, the evening before
    (row,) = stats(tenant_id)
    assert row["day"] == date(2026, 11, 24)  # the business's calendar, not UTC's
    assert (row["calls"], row["seconds"], row["answered"], row["unanswered"]) == (1, 95, 1, 1)
    assert (row["after_hours"], row["sentiment_count"], row["satisfaction_count"]) == (1, 1, 1)

    # Analysed again (on demand): counted once, still.
    await analyze_call({}, str(call_id), str(tenant_id))
    assert stats(tenant_id) == [row]


async def test_a_message_and_a_later_re_analysis_replace_the_count(db: Servers) -> None:
    tenant_id, (agent_id,) = seed("UTC")
    call_id = a_call(tenant_id, agent_id)
    say(tenant_id, call_id, ("caller", "Can Dr. Lee call me back?", None))
    calls.status_changed(read_call(call_id), {"CallStatus": "completed", "CallDuration": "40"})
    await analyze_call({}, str(call_id), str(tenant_id))
    assert stats(tenant_id)[0]["answered"] == 1
    with tenant_session(tenant_id) as session:
        session.add(
            CallMessage(
                tenant_id=tenant_id,
                agent_id=agent_id,
                call_id=call_id,
                caller_name="Maria",
                callback_number="+15550100",
                body="Call me back",
            )
        )
    await analyze_call({}, str(call_id), str(tenant_id))
    (row,) = stats(tenant_id)
    assert (row["calls"], row["answered"], row["message"]) == (1, 0, 1)


def test_status_changed_says_when_a_call_ends(db: Servers) -> None:
    tenant_id, (agent_id,) = seed()
    call = read_call(a_call(tenant_id, agent_id))
    assert calls.status_changed(call, {"CallStatus": "in-progress"}) is False
    assert calls.status_changed(call, {"CallStatus": "no-answer"}) is True
    assert calls.status_changed(call, {"CallStatus": "ringing"}) is False


async def test_enqueue_queues_the_job_and_survives_a_dead_redis(
    db: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis as redis_lib

    call_id, tenant_id = uuid.uuid4(), uuid.uuid4()
    assert await analysis.enqueue(call_id, tenant_id) is True
    queued = redis_lib.Redis.from_url(db.redis_url).zrange("arq:queue", 0, -1)
    assert f"analyze:{call_id}".encode() in queued
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    try:
        assert await analysis.enqueue(call_id, tenant_id, wait=1.0) is False
    finally:
        monkeypatch.setenv("REDIS_URL", db.redis_url)
        get_settings.cache_clear()


def test_the_analyze_route_reanalyses_a_call_of_the_callers_business(db: Servers) -> None:
    tenant_id, (agent_id,) = seed()
    call_id = a_call(tenant_id, agent_id)
    say(tenant_id, call_id, ("caller", "Press 1 to hear about your extended warranty.", None))
    with platform_session("test seed") as session:
        user = User(email=f"o-{uuid.uuid4().hex[:6]}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=Role.ADMIN))
        user_id = user.id
    token, _ = issue_access_token(
        get_settings(), user_id=user_id, tenant_id=tenant_id, role="admin", is_staff=False
    )
    client = TestClient(create_api())
    answer = client.post(
        f"/api/calls/{call_id}/analyze", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "spam"
    missing = client.post(
        f"/api/calls/{uuid.uuid4()}/analyze", headers={"Authorization": f"Bearer {token}"}
    )
    assert missing.status_code == 404
    # Not over yet: analysed, but not counted.
    assert stats(tenant_id) == []


def test_the_stats_table_is_walled_per_tenant(db: Servers) -> None:
    tenant_a, (agent_a,) = seed()
    tenant_b, (agent_b,) = seed()
    for tenant_id, agent_id in ((tenant_a, agent_a), (tenant_b, agent_b)):
        call_id = a_call(tenant_id, agent_id, duration_seconds=30)
        with tenant_session(tenant_id) as session:
            call = session.get(Call, call_id)
            assert call is not None
            call.status, call.outcome = "completed", "answered"
            rollups.apply(session, call)
    with tenant_session(tenant_a) as session:
        seen = session.exec(select(AgentDailyStats)).all()
        assert [row.agent_id for row in seen] == [agent_a]
        # Neither filter nor write reaches the other tenant.
        assert session.get(AgentDailyStats, (agent_b, seen[0].day)) is None
        changed = session.execute(text("UPDATE agent_daily_stats SET calls = 99")).rowcount
        assert changed == 1
    with pytest.raises(Exception, match="row-level security"), tenant_session(tenant_a) as s:
        s.add(AgentDailyStats(tenant_id=tenant_b, agent_id=agent_b, day=date(2026, 1, 1)))
        s.flush()
    assert [row["calls"] for row in stats(tenant_b)] == [1]


# --- rollups equal a from-scratch aggregate -------------------------------------------------------

ZONES = ("UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati", "Pacific/Pago_Pago")
BASE = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # a weekend with a daylight-saving change

facts_of_a_call = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["in-progress", "completed", "busy", "no-answer", "failed"]),
        "outcome": st.sampled_from(
            [None, "answered", "transferred", "message", "abandoned", "spam", "unrouted"]
        ),
        "sentiment": st.one_of(
            st.none(), st.floats(-1, 1, allow_nan=False).map(lambda x: round(x, 4))
        ),
        "satisfaction": st.one_of(st.none(), st.integers(1, 5)),
        "after_hours": st.one_of(st.none(), st.booleans()),
        "unanswered": st.one_of(st.none(), st.lists(st.just("q?"), max_size=3)),
        "duration_seconds": st.one_of(st.none(), st.integers(0, 3600)),
    }
)
operation = st.tuples(
    st.integers(0, 7),  # which call (a new one the first time it is named)
    st.integers(0, 1),  # tenant
    st.integers(0, 1),  # agent
    st.integers(-3000, 3000),  # minutes from BASE
    facts_of_a_call,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(zones=st.lists(st.sampled_from(ZONES), min_size=2, max_size=2), ops=st.lists(operation))
def test_incremental_rollups_equal_a_rebuild(
    db: Servers, zones: list[str], ops: list[tuple[int, int, int, int, dict[str, Any]]]
) -> None:
    with owner_engine().begin() as conn:
        conn.execute(text("TRUNCATE tenants CASCADE"))
    tenants = [seed(zone, agents=2, kb=False) for zone in zones]
    made: dict[int, tuple[uuid.UUID, uuid.UUID]] = {}
    for which, t, a, minutes, facts in ops:
        tenant_id, agents = tenants[t]
        started = BASE + timedelta(minutes=minutes)
        with tenant_session(made[which][0] if which in made else tenant_id) as session:
            if which in made:
                # Analysed again, or moved on: same call, new facts (and perhaps its agent's
                # other desk).
                call = session.get(Call, made[which][1])
                assert call is not None
                call.agent_id = made_agents(tenants, made[which][0])[a]
            else:
                call = Call(
                    tenant_id=tenant_id,
                    agent_id=agents[a],
                    call_sid=f"CA{uuid.uuid4().hex}",
                    started_at=started,
                )
                made[which] = (tenant_id, call.id)
            for name, value in facts.items():
                setattr(call, name, value)
            session.add(call)
            session.flush()
            rollups.apply(session, call)
    incremental = stats()
    assert all(row["calls"] > 0 for row in incremental)
    with platform_session("test rebuild") as session:
        rollups.rebuild(session, None)
    assert stats() == incremental
    # Applying every call again now changes nothing.
    for tenant_id, call_id in made.values():
        with tenant_session(tenant_id) as session:
            call = session.get(Call, call_id)
            assert call is not None
            assert rollups.apply(session, call) is False
    # And a tenant's own rebuild, through its wall, agrees too.
    for tenant_id, _ in tenants:
        with tenant_session(tenant_id) as session:
            rollups.rebuild(session, tenant_id)
    assert stats() == incremental
    assert sum(row["sentiment_sum"] for row in incremental) == sum(
        (
            Decimal(str(read_call(c).sentiment))
            for _, c in made.values()
            if read_call(c).sentiment is not None
            and read_call(c).status != "in-progress"
            and read_call(c).agent_id is not None
        ),
        Decimal(0),
    )


def made_agents(tenants: list[tuple[uuid.UUID, list[uuid.UUID]]], tenant_id: uuid.UUID) -> list:
    return next(agents for t, agents in tenants if t == tenant_id)


def test_the_rebuild_command_recounts_and_reanalyses(db: Servers) -> None:
    from typer.testing import CliRunner

    from voice_platform.cli import app

    tenant_id, (agent_id,) = seed("Asia/Kolkata")
    call_id = a_call(tenant_id, agent_id)
    say(tenant_id, call_id, ("caller", "Thanks, that's wonderful!", None))
    calls.status_changed(read_call(call_id), {"CallStatus": "completed", "CallDuration": "20"})
    with owner_engine().begin() as conn:
        conn.execute(text("DELETE FROM agent_daily_stats"))
    with platform_session("test read") as session:
        slug = session.exec(select(Tenant.slug).where(Tenant.id == tenant_id)).one()

    runner = CliRunner()
    result = runner.invoke(app, ["analytics", "rebuild", "--tenant", slug])
    assert result.exit_code == 0, result.output
    (row,) = stats(tenant_id)
    assert (row["calls"], row["seconds"], row["sentiment_count"]) == (1, 20, 0)

    result = runner.invoke(app, ["analytics", "rebuild", "--reanalyze"])
    assert result.exit_code == 0, result.output
    assert "Analysed 1 calls" in result.output
    (row,) = stats(tenant_id)
    assert (row["calls"], row["answered"], row["sentiment_count"]) == (1, 1, 1)

    missing = runner.invoke(app, ["analytics", "rebuild", "--tenant", "nobody-here"])
    assert missing.exit_code == 1


@pytest.mark.parametrize("redis_up", [True, False])
def test_the_status_webhook_queues_the_analysis_and_never_fails_for_it(
    db: Servers, monkeypatch: pytest.MonkeyPatch, redis_up: bool
) -> None:
    import redis as redis_lib
    from twilio.request_validator import RequestValidator

    from voice_platform.models import PhoneNumber

    tenant_id, (agent_id,) = seed()
    number = "+15550107777"
    with platform_session("test seed") as session:
        session.add(
            PhoneNumber(
                tenant_id=tenant_id,
                provider="sandbox",
                provider_sid=f"SB{uuid.uuid4().hex}",
                number=number,
                friendly_name="(555) 010-7777",
                agent_id=agent_id,
            )
        )
    call_id = a_call(tenant_id, agent_id, to_number=number)
    sid = read_call(call_id).call_sid
    client = TestClient(create_api())
    if not redis_up:
        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
        get_settings.cache_clear()
    try:
        url = f"{get_settings().base_url}/api/twilio/status"
        form = {"CallSid": sid, "CallStatus": "completed", "CallDuration": "33"}
        signature = RequestValidator(calls.sandbox_auth_token()).compute_signature(url, form)
        answer = client.post(
            "/api/twilio/status", data=form, headers={"X-Twilio-Signature": signature}
        )
    finally:
        monkeypatch.setenv("REDIS_URL", db.redis_url)
        get_settings.cache_clear()
    assert answer.status_code == 204
    assert read_call(call_id).status == "completed"
    queued = redis_lib.Redis.from_url(db.redis_url).zrange("arq:queue", 0, -1)
    assert (f"analyze:{call_id}".encode() in queued) is redis_up


async def test_the_worker_runs_the_queued_analysis(db: Servers) -> None:
    import importlib

    from arq.worker import Worker

    import workers.settings

    tenant_id, (agent_id,) = seed("UTC")
    call_id = a_call(tenant_id, agent_id)
    say(tenant_id, call_id, ("caller", "Hello, do you open Sundays?", None))
    assert calls.status_changed(read_call(call_id), {"CallStatus": "completed"}) is True
    assert await analysis.enqueue(call_id, tenant_id) is True
    settings = importlib.reload(workers.settings).WorkerSettings
    worker = Worker(
        functions=settings.functions,
        on_startup=settings.on_startup,
        on_shutdown=settings.on_shutdown,
        redis_settings=settings.redis_settings,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert read_call(call_id).analyzed_at is not None
    assert [row["calls"] for row in stats(tenant_id)] == [1]
