"""How fast `search_knowledge` answers, and how long a KB save takes (it re-indexes).

Run: `make bench` (or `.venv/bin/python -m benchmarks.retrieval`). Uses a throwaway embedded
PostgreSQL, the local embedding model and the Bright Smile test KB. Prints each figure with its
bound and exits non-zero when one is missed."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

QUESTIONS = [
    "what time do you close on friday",
    "do you take delta dental",
    "where do I park",
    "how much is a cleaning",
    "are you open on saturday",
    "who is the dentist",
    "can I cancel my appointment",
    "do you speak spanish",
    "what should I do in an emergency",
    "are you taking new patients",
]
SEARCH_P95_BOUND_MS = 150.0
SAVE_BOUND_MS = 2000.0
ROUNDS = 10
FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "bright_smile_kb.json"


def main() -> int:
    from voice_platform.runtime.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="vp-bench-") as folder:
        postgres = EmbeddedPostgres(Path(folder) / "pg")
        os.environ["DATABASE_URL"] = postgres.start()
        try:
            return run()
        finally:
            from voice_platform.db import dispose_engines

            dispose_engines()
            postgres.destroy()


def run() -> int:
    from voice_platform.db import platform_session, tenant_session
    from voice_platform.models import AgentCreate, Role, Tenant
    from voice_platform.providers.llm import get_embedder
    from voice_platform.runtime.migrations import upgrade
    from voice_platform.services import agents, knowledge
    from voice_platform.services.principal import Principal

    upgrade()
    tenant_id = uuid.uuid4()
    with platform_session("benchmark") as s:
        s.add(Tenant(id=tenant_id, slug="bench", name="Bench"))
    owner = Principal(tenant_id=tenant_id, role=Role.OWNER)
    embedder = get_embedder()
    embedder.embed(["warm up the model"])
    with tenant_session(tenant_id) as s:
        agent_id = agents.create_agent(
            s, principal=owner, tenant_id=tenant_id, data=AgentCreate(name="A")
        ).id
    started = time.perf_counter()
    with tenant_session(tenant_id) as s:
        snap = knowledge.import_document(
            s, embedder, principal=owner, agent_id=agent_id, data=FIXTURE.read_text()
        )
    import_ms = (time.perf_counter() - started) * 1000
    kb = snap.kb.model_copy(deep=True)
    kb.categories.amenities.amenities = ["Free wifi"]
    started = time.perf_counter()
    with tenant_session(tenant_id) as s:
        knowledge.save(s, embedder, principal=owner, agent_id=agent_id, kb=kb, version=snap.version)
    save_ms = (time.perf_counter() - started) * 1000

    timings = []
    for _ in range(ROUNDS):
        for question in QUESTIONS:
            started = time.perf_counter()
            with tenant_session(tenant_id) as s:
                knowledge.search(
                    s, embedder, principal=owner, agent_id=agent_id, query=question, k=5
                )
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    rows = [
        (f"search p50 ({len(timings)} searches)", p50, None),
        ("search p95", p95, SEARCH_P95_BOUND_MS),
        ("first import (embeds every sentence)", import_ms, None),
        ("save after a one-line change", save_ms, SAVE_BOUND_MS),
    ]
    missed = False
    for label, ms, bound in rows:
        verdict = (
            ""
            if bound is None
            else f"  (bound {bound:.0f} ms: {'ok' if ms <= bound else 'MISSED'})"
        )
        missed |= bound is not None and ms > bound
        print(f"{label:<40} {ms:8.1f} ms{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
