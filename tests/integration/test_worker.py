"""The arq worker runs jobs against the real Redis, and its health probe works."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
from arq import create_pool
from arq.connections import RedisSettings
from arq.worker import Worker
from fastapi.testclient import TestClient

from tests.conftest import Servers
from voice_platform.api import create_api
from voice_platform.config import PROJECT_ROOT
from voice_platform.services.health import HEARTBEAT_KEY


def worker_settings():  # type: ignore[no-untyped-def]
    import importlib

    import workers.settings

    return importlib.reload(workers.settings).WorkerSettings


async def test_heartbeat_job_runs_and_health_reports_it(db: Servers) -> None:
    settings = worker_settings()
    pool = await create_pool(RedisSettings.from_dsn(db.redis_url))
    await pool.enqueue_job("heartbeat", _job_id="beat-1")
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
    assert isinstance(worker.ctx["http"], httpx.AsyncClient)
    await worker.close()
    assert worker.ctx["http"].is_closed
    assert worker.jobs_complete == 1
    assert worker.jobs_failed == 0
    beat = float(await pool.get(HEARTBEAT_KEY))
    assert time.time() - beat < 60
    await pool.aclose()

    body = TestClient(create_api()).get("/api/health").json()
    assert 0 <= body["worker_heartbeat_age_seconds"] < 60


def test_cron_schedule_follows_the_setting(db: Servers, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from voice_platform.config import get_settings

    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "15")
    get_settings.cache_clear()
    from workers.settings import heartbeat_seconds

    assert heartbeat_seconds() == {0, 15, 30, 45}
    monkeypatch.setenv("WORKER_HEARTBEAT_SECONDS", "120")
    get_settings.cache_clear()
    assert heartbeat_seconds() == {0}


def test_arq_check_is_a_health_probe(db: Servers) -> None:
    env = {**os.environ, "DATABASE_URL": db.database_url, "REDIS_URL": db.redis_url}
    command = [sys.executable, "-m", "arq", "--check", "workers.settings.WorkerSettings"]
    # No worker has run against this (flushed) Redis yet: the probe fails.
    missing = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert missing.returncode == 1
    worker = subprocess.Popen(
        [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"],
        env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (
                subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True).returncode
                == 0
            ):
                break
            time.sleep(0.5)
        else:
            raise AssertionError("arq --check never passed with a worker running")
    finally:
        worker.terminate()
        worker.wait(15)
    assert worker.returncode == 0
