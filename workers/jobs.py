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
