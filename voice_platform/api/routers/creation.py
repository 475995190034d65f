"""Creating an agent from its business's website, and following it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis
from fastapi import APIRouter, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from voice_platform.api.deps import PrincipalDep
from voice_platform.api.routers.agents import public
from voice_platform.config import get_settings
from voice_platform.creation.progress import Event, channel
from voice_platform.db import tenant_session
from voice_platform.models import AgentPublic, CreationStart
from voice_platform.services import creation
from voice_platform.services.principal import Principal, require_tenant

router = APIRouter(prefix="/agents", tags=["agent creation"])
READ = "**Auth:** any member of the agent's business, or its API keys."
WRITE = "**Auth:** the business's owners and admins, or a full API key."
KEEPALIVE_SECONDS = 15.0


class EventOut(BaseModel):
    id: int | None
    step: str
    percent: int
    message: str
    data: dict[str, Any]


class CreationOut(BaseModel):
    agent_id: uuid.UUID
    url: str
    status: str
    error: str | None
    steps: dict[str, dict[str, Any]]
    events: list[EventOut]


def out(found: creation.Snapshot) -> CreationOut:
    return CreationOut(
        agent_id=found.agent_id,
        url=found.url,
        status=found.status,
        error=found.error,
        steps=found.steps,
        events=[EventOut(**vars(e)) for e in found.events],
    )


def _snapshot(principal: Principal, agent_id: uuid.UUID, after: int = 0) -> creation.Snapshot:
    with tenant_session(require_tenant(principal)) as s:
        return creation.snapshot(s, principal=principal, agent_id=agent_id, after=after)


@router.post(
    "/from-website",
    status_code=status.HTTP_201_CREATED,
    response_model=AgentPublic,
    summary="Create an agent from the business's website (crawl, knowledge, voice, number)",
    description=WRITE + " The agent answers at once with status `creating`; follow it at "
    "`GET /api/agents/{id}/creation` or `…/creation/events`.",
)
async def create_from_website(data: CreationStart, principal: PrincipalDep) -> AgentPublic:
    tenant_id = require_tenant(principal)

    def start() -> AgentPublic:
        with tenant_session(tenant_id) as s:
            return public(creation.start(s, principal=principal, tenant_id=tenant_id, data=data))

    agent = await run_in_threadpool(start)
    await creation.enqueue(agent.id, tenant_id)
    return agent


@router.get(
    "/{agent_id}/creation",
    response_model=CreationOut,
    summary="How the agent's creation is going: status, steps, events so far",
    description=READ,
)
async def get_creation(agent_id: uuid.UUID, principal: PrincipalDep, after: int = 0) -> CreationOut:
    return out(await run_in_threadpool(_snapshot, principal, agent_id, after))


@router.get(
    "/{agent_id}/creation/events",
    summary="The creation's events as they happen (Server-Sent Events)",
    description=READ + " Sends the events so far, then each new one as `data: {json}`, and "
    "ends after the `done` event.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_creation(
    agent_id: uuid.UUID, principal: PrincipalDep, after: int = 0
) -> StreamingResponse:
    found = await run_in_threadpool(_snapshot, principal, agent_id, after)
    return StreamingResponse(
        follow(agent_id, found),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache"},
    )


def sse(event: Event) -> str:
    return f"id: {event.id}\ndata: {event.to_json()}\n\n"


async def follow(agent_id: uuid.UUID, found: creation.Snapshot) -> AsyncIterator[str]:
    last = 0
    for event in found.events:
        last = event.id or last
        yield sse(event)
        if event.step == "done":
            return
    if found.status in creation.FINISHED:
        return
    client = aioredis.from_url(get_settings().redis_url)
    subscription = client.pubsub()
    try:
        await subscription.subscribe(channel(agent_id))
        while True:
            message = await subscription.get_message(
                ignore_subscribe_messages=True, timeout=KEEPALIVE_SECONDS
            )
            if message is None:
                yield ": keep-alive\n\n"
                continue
            event = Event(**json.loads(message["data"]))
            if (event.id or 0) <= last:
                continue
            yield sse(event)
            if event.step == "done":
                return
    finally:
        await subscription.aclose()
        await client.aclose()


@router.post(
    "/{agent_id}/creation/retry",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CreationOut,
    summary="Run a failed or cancelled creation again from where it stopped",
    description=WRITE,
)
async def retry_creation(agent_id: uuid.UUID, principal: PrincipalDep) -> CreationOut:
    tenant_id = require_tenant(principal)

    def retry() -> int:
        with tenant_session(tenant_id) as s:
            return creation.retry(s, principal=principal, agent_id=agent_id)

    run = await run_in_threadpool(retry)
    await creation.enqueue(agent_id, tenant_id, run)
    return out(await run_in_threadpool(_snapshot, principal, agent_id))


@router.post(
    "/{agent_id}/creation/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=CreationOut,
    summary="Stop the creation (what was bought is given back)",
    description=WRITE,
)
async def cancel_creation(agent_id: uuid.UUID, principal: PrincipalDep) -> CreationOut:
    def cancel() -> None:
        with tenant_session(require_tenant(principal)) as s:
            creation.cancel(s, principal=principal, agent_id=agent_id)

    await run_in_threadpool(cancel)
    return out(await run_in_threadpool(_snapshot, principal, agent_id))
