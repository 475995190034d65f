"""arq's WorkerSettings: `arq workers.settings.WorkerSettings` (or `voice-platform worker`)."""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from arq import cron
from arq.connections import RedisSettings

from voice_platform.config import get_settings
from voice_platform.logs import configure_logging
from workers.jobs import analyze_call, create_agent, heartbeat, notify_message

# One connection pool for every job that calls out (crawling, provider APIs, webhooks).
HTTP_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


def redis_settings() -> RedisSettings:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set: start the worker through `voice-platform up`")
    return RedisSettings.from_dsn(url)


def heartbeat_seconds() -> set[int]:
    step = get_settings().worker_heartbeat_seconds
    return set(range(0, 60, step)) if step < 60 else {0}


async def startup(ctx: dict[str, Any]) -> None:
    """Shared clients live in ctx for every job; arq has already put its Redis pool there."""
    configure_logging()
    ctx["settings"] = get_settings()
    ctx["http"] = httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=True)
    await heartbeat(ctx)


async def shutdown(ctx: dict[str, Any]) -> None:
    from voice_platform.db import dispose_engines

    if "http" in ctx:
        await ctx["http"].aclose()
    dispose_engines()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [heartbeat, create_agent, notify_message, analyze_call]
    cron_jobs: ClassVar[list[Any]] = [
        cron(heartbeat, second=heartbeat_seconds(), run_at_startup=False, unique=True)
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = redis_settings()
    health_check_interval = 30
    # A creation reads a site, calls providers and sorts facts; a worker that dies mid-job
    # leaves it queued, and the next one resumes it once this has passed.
    job_timeout = 600
