"""Job functions. Each takes arq's `ctx` (shared clients) and calls a service."""

from __future__ import annotations

import time
from typing import Any

from voice_platform.services.health import HEARTBEAT_KEY

HEARTBEAT_TTL_SECONDS = 300


async def heartbeat(ctx: dict[str, Any]) -> float:
    """Record that a worker is alive; /api/health reports the heartbeat's age."""
    now = time.time()
    await ctx["redis"].set(HEARTBEAT_KEY, str(now), ex=HEARTBEAT_TTL_SECONDS)
    return now


async def create_agent(ctx: dict[str, Any], agent_id: str, tenant_id: str) -> str:
    """Create (or resume creating) an agent from its website; see creation/pipeline.py."""
    import uuid

    from voice_platform.creation.pipeline import run_job
    from voice_platform.providers.llm import get_embedder

    status = await run_job(
        uuid.UUID(agent_id),
        uuid.UUID(tenant_id),
        settings=ctx["settings"],
        embedder=get_embedder(),
    )
    return status.value


async def notify_message(ctx: dict[str, Any], message_id: str, tenant_id: str) -> dict[str, str]:
    """Tell the business about a message a caller left (email and webhook)."""
    import uuid

    from voice_platform.services.messages import notify

    return await notify(
        uuid.UUID(message_id), uuid.UUID(tenant_id), http=ctx["http"], settings=ctx["settings"]
    )


async def analyze_call(ctx: dict[str, Any], call_id: str, tenant_id: str) -> str | None:
    """Analyse a finished call and count it in its agent's day; see services/analysis.py."""
    import uuid

    from voice_platform.services.analysis import analyze_and_store

    result = await analyze_and_store(uuid.UUID(call_id), uuid.UUID(tenant_id))
    return result.outcome if result else None
