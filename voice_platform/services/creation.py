"""One-URL agent creation: start it (the agent exists at once, "creating"), see how it goes,
retry what failed, cancel. The work itself runs in the worker (creation/pipeline.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session

from voice_platform.crawl.safety import normalize
from voice_platform.creation.pipeline import STEPS
from voice_platform.creation.progress import Event, events_since
from voice_platform.models import (
    Agent,
    AgentCreate,
    AgentStatus,
    CreationJob,
    CreationStart,
    JobStatus,
    Role,
    StepStatus,
)
from voice_platform.services import agents, audit, queue
from voice_platform.services.errors import Conflict, InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize

JOB = "create_agent"
FINISHED = (JobStatus.SUCCEEDED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)


@dataclass(frozen=True)
class Snapshot:
    agent_id: uuid.UUID
    url: str
    status: str
    error: str | None
    steps: dict[str, dict[str, Any]]
    events: list[Event]


def checked_url(text: str) -> str:
    url = text.strip()
    if url and "://" not in url:
        url = "https://" + url
    found = normalize(url)
    if found is None:
        raise InvalidInput("Enter the business's website, like https://example.com", field="url")
    return found


def start(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, data: CreationStart
) -> Agent:
    """The agent, created now with status "creating", and its job (queued: see enqueue)."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    url = checked_url(data.url)
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    agent = agents.create_agent(
        session,
        principal=principal,
        tenant_id=tenant_id,
        data=AgentCreate(name=(data.name or host)[:120], languages=data.options.languages),
    )
    agent.status = AgentStatus.CREATING
    session.add(agent)
    session.add(
        CreationJob(
            agent_id=agent.id,
            tenant_id=tenant_id,
            url=url,
            # Named after the site's host until the knowledge says the business's name.
            options={**data.options.model_dump(), "rename": not data.name},
            steps={step: {"status": StepStatus.PENDING.value, "attempts": 0} for step in STEPS},
            started_by=principal.user_id,
        )
    )
    session.flush()
    audit.record(
        session,
        tenant_id=tenant_id,
        action="agent.create_from_url",
        entity_type="agent",
        entity_id=agent.id,
        changes={"url": {"after": url}},
        principal=principal,
    )
    return agent


def _job(session: Session, principal: Principal, agent_id: uuid.UUID) -> CreationJob:
    agent = agents.get_agent(session, principal=principal, agent_id=agent_id)
    job = session.get(CreationJob, agent.id)
    if job is None:
        raise NotFound("This agent was not created from a website")
    return job


def snapshot(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, after: int = 0
) -> Snapshot:
    job = _job(session, principal, agent_id)
    return Snapshot(
        agent_id=job.agent_id,
        url=job.url,
        status=job.status,
        error=job.error,
        steps={step: dict(job.steps.get(step, {})) for step in STEPS},
        events=events_since(job.tenant_id, job.agent_id, after),
    )


def retry(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> int:
    """Run a failed or cancelled creation again from the step that did not finish; the run
    number (the worker's job id carries it, so a retry is never mistaken for the last run)."""
    job = _job(session, principal, agent_id)
    authorize(principal, job.tenant_id, min_role=Role.ADMIN, write=True)
    if job.status not in (JobStatus.FAILED.value, JobStatus.CANCELLED.value):
        raise Conflict("Only a failed or cancelled creation can be retried")
    job.steps = {
        step: state if state.get("status") == StepStatus.DONE.value
        else {**state, "status": StepStatus.PENDING.value, "error": None}
        for step, state in job.steps.items()
    }  # fmt: skip
    runs = int(job.options.get("runs", 1)) + 1
    job.options = {**job.options, "runs": runs}
    job.status, job.error, job.cancel_requested = JobStatus.QUEUED.value, None, False
    agent = session.get(Agent, agent_id)
    if agent is not None:
        agent.status, agent.status_reason = AgentStatus.CREATING, None
        session.add(agent)
    session.add(job)
    audit.record(
        session,
        tenant_id=job.tenant_id,
        action="agent.create_retry",
        entity_type="agent",
        entity_id=agent_id,
        principal=principal,
    )
    return runs


def cancel(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> None:
    job = _job(session, principal, agent_id)
    authorize(principal, job.tenant_id, min_role=Role.ADMIN, write=True)
    if job.status in FINISHED:
        raise Conflict("This creation has already finished")
    job.cancel_requested = True
    session.add(job)
    audit.record(
        session,
        tenant_id=job.tenant_id,
        action="agent.create_cancel",
        entity_type="agent",
        entity_id=agent_id,
        principal=principal,
    )


def job_id(agent_id: uuid.UUID, run: int = 1) -> str:
    """The worker's job id: one per agent and run, so a double click never runs two."""
    return f"create:{agent_id}:{run}"


async def enqueue(agent_id: uuid.UUID, tenant_id: uuid.UUID, run: int = 1) -> bool:
    """Hand the job to the worker; False when that run is already queued or done."""
    return await queue.enqueue(JOB, str(agent_id), str(tenant_id), job_id=job_id(agent_id, run))
