"""One-URL creation, end to end: each corpus site served with 50 ms per page.

Run: `make bench` (or `.venv/bin/python -m benchmarks.creation`). On a throwaway embedded
PostgreSQL and Redis:

1. offline (sandbox providers, local classifier): wall time per site, bound 15 s;
2. on the real adapters against the vendors' fakes at realistic latencies (model 1.5 s a
   call, ElevenLabs 3 s a call for the voice design, Twilio 1 s a call for the number): wall
   time, the critical path's lower bound (each step's calls times its latency, plus the
   site's pages at 50 ms through the crawler's per-host concurrency, along the pipeline's own
   dependency graph) and their ratio; bounds p95 30 s and ratio 1.3.

Exits non-zero when a bound is missed."""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.crawl import SHARED, SITES, served

PAGE_LATENCY, MODEL, VOICE, NUMBER = 0.05, 1.5, 3.0, 1.0
# The fake Twilio sells a few numbers in each of these; the sandbox has 100 in any.
VENDOR_AREA_CODES = dict(zip(SITES, ("512", "737", "212", "303"), strict=True))
OFFLINE_BOUND, P95_BOUND, RATIO_BOUND = 15.0, 30.0, 1.3


@contextmanager
def embedded() -> Iterator[None]:
    from voice_platform.config import get_settings
    from voice_platform.db import dispose_engines
    from voice_platform.runtime.embedded import EmbeddedPostgres, EmbeddedRedis
    from voice_platform.runtime.migrations import upgrade

    with tempfile.TemporaryDirectory(prefix="vp-creation-bench-") as folder:
        postgres, redis = EmbeddedPostgres(Path(folder) / "pg"), EmbeddedRedis(Path(folder) / "r")
        os.environ["DATABASE_URL"] = postgres.start()
        os.environ["REDIS_URL"] = redis.start()
        get_settings.cache_clear()
        try:
            upgrade()
            yield
        finally:
            dispose_engines()
            redis.stop()
            postgres.destroy()


def new_owner() -> Any:
    import uuid

    from voice_platform.db import platform_session
    from voice_platform.models import Role, Tenant
    from voice_platform.services.principal import Principal

    tenant_id = uuid.uuid4()
    with platform_session("benchmark tenant") as s:
        s.add(Tenant(id=tenant_id, slug=f"b-{tenant_id.hex[:8]}", name="Bench"))
    return Principal(tenant_id=tenant_id, role=Role.OWNER, user_id=None)


def create(url: str, settings: Any, embedder: Any, **options: Any) -> tuple[float, Any]:
    from voice_platform.creation.pipeline import run_job
    from voice_platform.db import tenant_session
    from voice_platform.models import CreationOptions, CreationStart, JobStatus
    from voice_platform.services import creation

    owner = new_owner()
    started = time.perf_counter()
    with tenant_session(owner.tenant_id) as s:
        agent = creation.start(
            s,
            principal=owner,
            tenant_id=owner.tenant_id,
            data=CreationStart(
                url=url, options=CreationOptions(allow_private_networks=True, **options)
            ),
        )
    status = asyncio.run(run_job(agent.id, owner.tenant_id, settings=settings, embedder=embedder))
    wall = time.perf_counter() - started
    with tenant_session(owner.tenant_id) as s:
        found = creation.snapshot(s, principal=owner, agent_id=agent.id)
    if status is not JobStatus.SUCCEEDED:
        raise SystemExit(f"creation of {url} {status.value}: {found.error}")
    return wall, found


def critical_path(snapshot: Any, calls: dict[str, int], per_host: int, at_once: int) -> float:
    """The least time the steps could take along the pipeline's dependency graph: the pages
    `per_host` at a time, the model's calls `at_once` at a time, the vendors' calls in turn."""
    from voice_platform.creation.pipeline import AFTER, STEPS

    pages = snapshot.steps["crawl"]["result"]["pages"]
    least = {
        "crawl": (2 + math.ceil(pages / per_host)) * PAGE_LATENCY,  # robots, sitemap, pages
        "extract": math.ceil(calls["model"] / at_once) * MODEL,
        "persona": 0.0,
        "voice": calls["voice"] * VOICE,
        "number": calls["number"] * NUMBER,
        "activate": 0.0,
    }
    done: dict[str, float] = {}
    for step in STEPS:
        done[step] = max((done[d] for d in AFTER[step]), default=0.0) + least[step]
    return done["activate"]


def main() -> int:
    from pydantic import SecretStr

    from tests.fakes.elevenlabs_server import API_KEY, FakeElevenLabs
    from tests.fakes.openai_server import FakeOpenAI
    from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
    from voice_platform.config import get_settings
    from voice_platform.crawl.crawler import Limits
    from voice_platform.extract.classify import Classifier
    from voice_platform.providers.llm.local import LocalEmbedder

    missed = False
    embedder = LocalEmbedder()
    with embedded():
        Classifier(embedder)  # the model and its examples loaded once, as in a running worker
        print(f"{'offline (sandbox)':<26}{'wall s':>8}")
        for site in SITES:
            with served(SHARED / "sites" / site / "site", Path("/dev/null"), 50) as url:
                wall, _ = create(url, get_settings(), embedder, area_code="415")
            late = wall > OFFLINE_BOUND
            missed |= late
            print(
                f"{site:<26}{wall:>8.2f}  (bound {OFFLINE_BOUND:g} s: {'MISSED' if late else 'ok'})"
            )

        print(f"\n{'with vendor fakes':<26}{'wall s':>8}{'bound s':>9}{'ratio':>7}")
        walls, ratios = [], []
        for site in SITES:
            model = FakeOpenAI(latency=MODEL).start()
            voice = FakeElevenLabs(latency=VOICE).start()
            phone = FakeTwilio(latency=NUMBER).start()
            settings = get_settings().model_copy(
                update={
                    "llm_api_key": SecretStr("sk-bench"),
                    "llm_base_url": model.base_url,
                    "twilio_account_sid": ACCOUNT_SID,
                    "twilio_auth_token": SecretStr(AUTH_TOKEN),
                    "twilio_api_base_url": phone.base_url,
                    "elevenlabs_api_key": SecretStr(API_KEY),
                    "elevenlabs_base_url": voice.base_url,
                }
            )
            try:
                with served(SHARED / "sites" / site / "site", Path("/dev/null"), 50) as url:
                    wall, snapshot = create(
                        url,
                        settings,
                        embedder,
                        area_code=VENDOR_AREA_CODES[site],
                        design_voice=True,
                    )
                calls = {
                    "model": len(model.chat_requests()),
                    "voice": len(voice.requests),
                    "number": len(phone.requests),
                }
            finally:
                model.stop()
                voice.stop()
                phone.stop()
            at_once = settings.kb_extraction_concurrency
            bound = critical_path(snapshot, calls, Limits().per_host, at_once)
            walls.append(wall)
            ratios.append(wall / bound)
            print(f"{site:<26}{wall:>8.2f}{bound:>9.2f}{wall / bound:>7.2f}   calls {calls}")
    p95 = statistics.quantiles(walls, n=20)[-1] if len(walls) > 1 else walls[0]
    worst = max(ratios)
    missed |= p95 > P95_BOUND or worst > RATIO_BOUND
    print(f"wall p95 {p95:.2f} s (bound {P95_BOUND:g} s)")
    print(f"worst ratio to the critical path {worst:.2f} (bound {RATIO_BOUND})")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
