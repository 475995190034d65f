"""Creation on the real adapters, with the vendors' local fakes standing in: a passing
failure is retried, a lasting one gives the number back, and a job cut off mid-crawl
resumes without buying a second number."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.twilio_server import FakeTwilio
from tests.integration.test_crawler import serve
from tests.integration.test_creation import start
from tests.integration.test_knowledge import new_tenant
from tests.integration.test_numbers import tid
from tests.integration.test_providers_behave_alike import platform_settings
from voice_platform.config import Settings
from voice_platform.creation.pipeline import run_job
from voice_platform.db import tenant_session
from voice_platform.models import Agent, AgentStatus, CreationJob, JobStatus
from voice_platform.providers.llm import get_embedder
from voice_platform.services import creation
from voice_platform.services.principal import Principal

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture
def elevenlabs() -> Iterator[FakeElevenLabs]:
    fake = FakeElevenLabs().start()
    yield fake
    fake.stop()


def vendors(twilio: FakeTwilio, elevenlabs: FakeElevenLabs) -> Settings:
    return platform_settings(twilio, elevenlabs)


async def create(owner: Principal, agent_id: uuid.UUID, settings: Settings) -> JobStatus:
    return await run_job(
        agent_id, tid(owner), settings=settings, embedder=get_embedder(), backoff=0
    )


def test_a_failed_purchase_is_retried_then_succeeds(
    tmp_path: Path, twilio: FakeTwilio, elevenlabs: FakeElevenLabs
) -> None:
    owner = new_tenant()
    twilio.fail_next_purchase = [500]
    for url, _ in serve("bright-smile-dental", tmp_path):
        agent_id = start(owner, url, area_code="512")
        assert (
            asyncio.run(create(owner, agent_id, vendors(twilio, elevenlabs))) is JobStatus.SUCCEEDED
        )
    assert len(twilio.numbers_of()) == 1
    with tenant_session(tid(owner)) as s:
        seen = creation.snapshot(s, principal=owner, agent_id=agent_id)
        agent = s.get(Agent, agent_id)
    assert seen.steps["number"]["attempts"] == 2
    assert agent is not None
    assert agent.status is AgentStatus.ACTIVE
    assert agent.voice["voice_id"]


def test_a_lasting_failure_rolls_back_and_leaves_no_number(
    tmp_path: Path, twilio: FakeTwilio, elevenlabs: FakeElevenLabs
) -> None:
    owner = new_tenant()
    elevenlabs.quota_exceeded = True  # the voice cannot be designed: the account is out of credit
    for url, _ in serve("bright-smile-dental", tmp_path):
        agent_id = start(owner, url, area_code="512", design_voice=True)
        outcome = asyncio.run(create(owner, agent_id, vendors(twilio, elevenlabs)))
    assert outcome is JobStatus.FAILED
    assert twilio.numbers_of() == {}
    with tenant_session(tid(owner)) as s:
        agent = s.get(Agent, agent_id)
    assert agent is not None
    assert agent.status is AgentStatus.FAILED
    assert agent.status_reason
    assert agent.status_reason.startswith("Voice failed")
    elevenlabs.quota_exceeded = False  # the owner tops up the account and tries again
    with tenant_session(tid(owner)) as s:
        creation.retry(s, principal=owner, agent_id=agent_id)
    for url, _ in serve("bright-smile-dental", tmp_path):
        with tenant_session(tid(owner)) as s:  # the site moved to another port
            job = s.get(CreationJob, agent_id)
            assert job is not None
            job.url = url
            s.add(job)
        outcome = asyncio.run(create(owner, agent_id, vendors(twilio, elevenlabs)))
    assert outcome is JobStatus.SUCCEEDED
    assert len(twilio.numbers_of()) == 1  # bought again, as the first was given back
    with tenant_session(tid(owner)) as s:
        again = s.get(Agent, agent_id)
    assert again is not None
    assert again.phone_number in {n["phone_number"] for n in twilio.numbers_of().values()}


def test_a_job_cut_off_mid_crawl_resumes_with_one_number(
    tmp_path: Path, twilio: FakeTwilio, elevenlabs: FakeElevenLabs
) -> None:
    owner = new_tenant()
    settings = vendors(twilio, elevenlabs)
    for url, _ in serve("rapid-rooter-plumbing", tmp_path, "--latency-ms", "150"):
        agent_id = start(owner, url, area_code="303")

        async def cut_off(agent_id: uuid.UUID) -> None:
            job = asyncio.create_task(create(owner, agent_id, settings))
            for _ in range(200):  # the number is bought while the site is still being read
                if twilio.numbers_of():
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)
            job.cancel()  # as a worker killed mid-job: nothing after this point runs
            with pytest.raises(asyncio.CancelledError):
                await job

        asyncio.run(cut_off(agent_id))
        with tenant_session(tid(owner)) as s:
            cut = creation.snapshot(s, principal=owner, agent_id=agent_id)
        assert cut.steps["crawl"]["status"] != "done"
        assert asyncio.run(create(owner, agent_id, settings)) is JobStatus.SUCCEEDED
    assert len(twilio.numbers_of()) == 1
    buys = [r for r in twilio.requests if r.method == "POST" and r.path.endswith("Numbers.json")]
    assert len(buys) == 1
