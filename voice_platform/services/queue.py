"""Handing work to the arq workers."""

from __future__ import annotations

from voice_platform.config import get_settings


async def enqueue(job: str, *args: str, job_id: str, wait: float | None = None) -> bool:
    """Queue `job(*args)` under `job_id`; False when that id is already queued or done (a
    double click, a retried webhook). With `wait`, give up connecting after that many seconds
    instead of retrying. Raises when Redis cannot take it."""
    from arq import create_pool
    from arq.connections import RedisSettings

    settings = RedisSettings.from_dsn(get_settings().redis_url)
    if wait is not None:
        settings.conn_retries = 0
        settings.conn_timeout = max(1, int(wait))
    pool = await create_pool(settings)
    try:
        return await pool.enqueue_job(job, *args, _job_id=job_id) is not None
    finally:
        await pool.aclose()
