"""The daily per-agent rollup's update per finished call (#9): `rollups.apply` on the embedded
PostgreSQL, through the tenant's row-level-security wall as the analysis job runs it.

Run: `make bench` (or `.venv/bin/python -m benchmarks.rollups`). A throwaway embedded
PostgreSQL; one business (America/Chicago) with AGENTS agents and HISTORY calls already counted
over 60 days, so the table is not empty. Then FINISHED new calls end one after another (spread
over the agents and the last days), and for each:
- `apply`: the upsert of the agent's day and the call's remembered contribution, flushed, in
  the transaction that wrote the analysis (what the job adds to it);
- `apply + commit`: the same with the transaction's commit, the whole cost when it is alone.
Then each call is analysed again with a different outcome (its old contribution replaced).

Bound: p95 of `apply + commit` per finished call <= 10 ms. Prints each figure with its bound;
exits non-zero when it is missed."""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

AGENTS = 5
HISTORY = 5000
FINISHED = 1000
WARMUP = 50
BOUND_MS = 10.0
OUTCOMES = ("answered", "transferred", "message", "abandoned", "spam")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@contextmanager
def embedded(folder: Path) -> Iterator[None]:
    from voice_platform.config import get_settings
    from voice_platform.db import dispose_engines
    from voice_platform.runtime.embedded import EmbeddedPostgres
    from voice_platform.runtime.migrations import upgrade

    postgres = EmbeddedPostgres(folder / "pg")
    os.environ["DATABASE_URL"] = postgres.start()
    try:
        get_settings.cache_clear()
        upgrade()
        yield
    finally:
        dispose_engines()
        postgres.destroy()


def seed(rng: random.Random) -> tuple[uuid.UUID, list[uuid.UUID]]:
    from voice_platform.db import platform_session, tenant_session
    from voice_platform.models import Agent, Tenant
    from voice_platform.services import rollups

    with platform_session("bench seed") as session:
        tenant = Tenant(name="Bench", slug="bench", time_zone="America/Chicago")
        session.add(tenant)
        session.flush()
        agents = [Agent(tenant_id=tenant.id, name=f"Desk {n}") for n in range(AGENTS)]
        session.add_all(agents)
        session.flush()
        tenant_id, agent_ids = tenant.id, [a.id for a in agents]
    now = datetime.now(UTC)
    with tenant_session(tenant_id) as session:
        for _ in range(HISTORY):
            session.add(finished_call(rng, tenant_id, agent_ids, now - timedelta(days=60), now))
        rollups.rebuild(session, tenant_id)
    return tenant_id, agent_ids


def finished_call(
    rng: random.Random,
    tenant_id: uuid.UUID,
    agent_ids: list[uuid.UUID],
    since: datetime,
    until: datetime,
) -> object:
    from voice_platform.models import Call

    started = since + (until - since) * rng.random()
    seconds = rng.randint(5, 600)
    return Call(
        tenant_id=tenant_id,
        agent_id=rng.choice(agent_ids),
        call_sid=f"CA{uuid.uuid4().hex}",
        status="completed",
        outcome=rng.choice(OUTCOMES),
        started_at=started,
        ended_at=started + timedelta(seconds=seconds),
        duration_seconds=seconds,
        sentiment=round(rng.uniform(-1, 1), 4),
        satisfaction=rng.randint(1, 5),
        after_hours=rng.random() < 0.3,
        unanswered=["Do you do Invisalign?"] * rng.randint(0, 2),
        analyzed_at=until,
    )


def measure(rng: random.Random, tenant_id: uuid.UUID, agent_ids: list[uuid.UUID]) -> dict:
    from voice_platform.db import tenant_session
    from voice_platform.models import Call
    from voice_platform.services import rollups

    now = datetime.now(UTC)
    ids: list[uuid.UUID] = []
    with tenant_session(tenant_id) as session:
        for _ in range(FINISHED + WARMUP):
            call = finished_call(rng, tenant_id, agent_ids, now - timedelta(days=3), now)
            session.add(call)
            ids.append(call.id)  # type: ignore[attr-defined]
    results: dict[str, list[float]] = {"apply": [], "apply + commit": [], "re-analysis": []}
    for n, call_id in enumerate(ids):
        with tenant_session(tenant_id) as session:
            call = session.get(Call, call_id)
            assert call is not None
            started = time.perf_counter()
            rollups.apply(session, call, time_zone="America/Chicago")
            session.flush()
            applied = time.perf_counter()
        committed = time.perf_counter()
        if n >= WARMUP:
            results["apply"].append((applied - started) * 1000)
            results["apply + commit"].append((committed - started) * 1000)
    for n, call_id in enumerate(ids):
        with tenant_session(tenant_id) as session:
            call = session.get(Call, call_id)
            assert call is not None
            call.outcome = rng.choice(OUTCOMES)
            call.sentiment = round(rng.uniform(-1, 1), 4)
            started = time.perf_counter()
            rollups.apply(session, call, time_zone="America/Chicago")
            session.flush()
        if n >= WARMUP:
            results["re-analysis"].append((time.perf_counter() - started) * 1000)
    return results


def check(tenant_id: uuid.UUID) -> bool:
    """The incremental rows equal a from-scratch aggregate after all that."""
    from sqlmodel import select

    from voice_platform.db import tenant_session
    from voice_platform.models import AgentDailyStats

    def rows() -> list[dict]:
        with tenant_session(tenant_id) as session:
            found = session.exec(select(AgentDailyStats)).all()
            return sorted((r.model_dump() for r in found), key=lambda r: (r["agent_id"], r["day"]))

    from voice_platform.services import rollups

    before = rows()
    with tenant_session(tenant_id) as session:
        rollups.rebuild(session, tenant_id)
    return rows() == before


def main() -> int:
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("DATABASE_APP_URL", None)
    rng = random.Random(9)  # noqa: S311  (a repeatable workload, not a secret)
    with tempfile.TemporaryDirectory(prefix="bench-rollups-") as folder, embedded(Path(folder)):
        print(f"rollups: {HISTORY} calls of history, then {FINISHED} calls end...", flush=True)
        tenant_id, agent_ids = seed(rng)
        results = measure(rng, tenant_id, agent_ids)
        consistent = check(tenant_id)
    print()
    print(f"{'rollup update per call':<28}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    missed = False
    for name, values in results.items():
        p95 = percentile(values, 0.95)
        bound = ""
        if name == "apply + commit":
            missed = p95 > BOUND_MS
            bound = f"  (p95 bound {BOUND_MS:g} ms: {'missed' if missed else 'ok'})"
        print(
            f"{name:<28}{len(values):>7}{statistics.median(values):>9.2f}{p95:>9.2f}"
            f"{max(values):>9.2f}{bound}"
        )
    print(f"\nincremental rollups equal a rebuild afterwards: {'yes' if consistent else 'NO'}")
    return 1 if missed or not consistent else 0


if __name__ == "__main__":
    sys.exit(main())
