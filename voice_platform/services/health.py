"""Is the platform able to serve? Each dependency is checked with a short timeout."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Literal

import redis.asyncio as aioredis
from pydantic import BaseModel
from sqlalchemy import text

from voice_platform.config import Settings
from voice_platform.db import app_engine

CHECK_TIMEOUT_SECONDS = 3.0
HEARTBEAT_KEY = "voice_platform:worker:heartbeat"


class CheckResult(BaseModel):
    ok: bool
    latency_ms: float
    error: str | None = None


class HealthReport(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, CheckResult]
    failing: list[str]
    worker_heartbeat_age_seconds: float | None = None


def _ping_database() -> None:
    with app_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


async def check_database() -> None:
    await asyncio.to_thread(_ping_database)


async def _timed(check: Callable[[], Awaitable[object]]) -> CheckResult:
    started = time.perf_counter()
    error: str | None = None
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        error = f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    except Exception as exc:
        error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    latency = round((time.perf_counter() - started) * 1000, 1)
    return CheckResult(ok=error is None, latency_ms=latency, error=error)


async def system_health(settings: Settings) -> HealthReport:
    client = aioredis.from_url(
        settings.redis_url or "redis://127.0.0.1:6379/0",
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
    )
    heartbeat_age: float | None = None

    async def check_redis() -> None:
        nonlocal heartbeat_age
        await client.ping()  # type: ignore[misc]
        beat = await client.get(HEARTBEAT_KEY)
        if beat is not None:
            heartbeat_age = round(max(0.0, time.time() - float(beat)), 1)

    try:
        database, redis_result = await asyncio.gather(_timed(check_database), _timed(check_redis))
    finally:
        await client.aclose()
    checks = {"database": database, "redis": redis_result}
    failing = [name for name, result in checks.items() if not result.ok]
    return HealthReport(
        status="unavailable" if failing else "ok",
        checks=checks,
        failing=failing,
        worker_heartbeat_age_seconds=heartbeat_age,
    )
