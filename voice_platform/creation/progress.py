"""Progress of a creation: each event is kept (so a reloaded page, or a client that comes
late, sees the story so far) and published on Redis (so a watching page sees it at once)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import redis.asyncio as aioredis
from sqlmodel import col, select

from voice_platform.db import tenant_session
from voice_platform.models import CreationEvent


def channel(agent_id: uuid.UUID) -> str:
    return f"creation:{agent_id}"


@dataclass(frozen=True)
class Event:
    step: str
    percent: int
    message: str
    data: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))


class Reporter:
    """Writes a job's events; one per running job."""

    def __init__(self, agent_id: uuid.UUID, tenant_id: uuid.UUID, redis_url: str) -> None:
        self.agent_id, self.tenant_id = agent_id, tenant_id
        self.redis = aioredis.from_url(redis_url) if redis_url else None

    def _store(self, event: Event) -> Event:
        with tenant_session(self.tenant_id) as session:
            row = CreationEvent(
                agent_id=self.agent_id,
                tenant_id=self.tenant_id,
                step=event.step,
                percent=max(0, min(100, event.percent)),
                message=event.message[:500],
                data=event.data,
            )
            session.add(row)
            session.flush()
            return Event(row.step, row.percent, row.message, row.data, row.id)

    async def __call__(self, step: str, percent: int, message: str, **data: Any) -> None:
        stored = await asyncio.to_thread(self._store, Event(step, percent, message, data))
        if self.redis is not None:
            await self.redis.publish(channel(self.agent_id), stored.to_json())

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


def events_since(
    tenant_id: uuid.UUID, agent_id: uuid.UUID, after: int = 0, limit: int = 500
) -> list[Event]:
    with tenant_session(tenant_id) as session:
        rows = session.exec(
            select(CreationEvent)
            .where(CreationEvent.agent_id == agent_id, col(CreationEvent.id) > after)
            .order_by(col(CreationEvent.id))
            .limit(limit)
        )
        return [Event(r.step, r.percent, r.message, r.data, r.id) for r in rows]
