"""The analytics read side at size (#9): a million calls across a hundred businesses.

Run: `make bench` (or `.venv/bin/python -m benchmarks.analytics [--calls N] [--tenants N]`;
`--explain` prints the plan of every statement the measured queries send). A throwaway
embedded PostgreSQL, migrated to head; then:

1. History: TENANTS businesses (time zones across the world, 1 to 3 agents each with weekday
   opening hours, an API key each, sizes spread log-normally) and CALLS calls over the last
   year: weekday business-hours peaks and quiet weekends (services/demo_calls.py's hourly
   curves, per business in its own time zone), outcomes by open or closed hours, languages,
   durations by outcome, and the post-call analysis filled in (summary, sentiment,
   satisfaction, topics, unanswered questions, after hours) as the analysis job leaves it,
   with each call's rollup contribution (`calls.counted`, from `rollups.contribution`). Calls
   are written hour by hour across all businesses, as they arrive, with PostgreSQL COPY; the
   daily rollups are the sum of those contributions (what `rollups.apply` builds call by
   call), also COPYed, and checked equal to `rollups.rebuild` on a few businesses. Then
   VACUUM ANALYZE, as autovacuum would have.
2. Reads, each as the business (tenant_session: the app role, row-level security on, as the
   API runs them), SAMPLES times over a random business, a period of the last 7, 30 or 90
   days (whole days of its calendar) and half the time one of its agents: `call_log.overview`,
   `volume_series`, `performance`, `list_calls` (the first page), the overview with an outcome
   filter (summed over `calls`), `GET /api/analytics/{tenant_id}` through FastAPI's TestClient
   with the business's API key (authentication included), and every query of
   `services/dashboard.QUERIES` when that module exists. Each time includes opening and
   committing the transaction.
3. The rollup update per finished call on the big table: FINISHED new calls end across the
   businesses; for each, `rollups.apply` in its transaction, then the commit.

Bounds: p95 of each dashboard query (everything in 2 but the endpoint) <= 200 ms; p95 of the
overview endpoint <= 300 ms; p95 of the rollup update per finished call (apply + commit)
<= 10 ms. Prints each figure with its bound; exits non-zero when one is missed."""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.rollups import embedded, percentile

CALLS = 1_000_000
TENANTS = 100
DAYS = 365
SAMPLES = 240
WARMUP = 20
PERIODS = (7, 30, 90)
FINISHED = 500
CHECKED_TENANTS = 3
QUERY_BOUND_MS = 200.0
ENDPOINT_BOUND_MS = 300.0
ROLLUP_BOUND_MS = 10.0
ZONES = (
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Toronto", "America/Mexico_City", "America/Sao_Paulo",
    "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Asia/Kolkata",
    "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "UTC",
)  # fmt: skip
CALL_COLUMNS = (
    "id", "tenant_id", "agent_id", "call_sid", "channel", "from_number", "to_number", "status",
    "outcome", "language", "started_at", "connected_at", "ended_at", "duration_seconds",
    "transfer_to", "transfer_reason", "transfer_status", "summary", "sentiment", "satisfaction",
    "satisfaction_reason", "topics", "unanswered", "after_hours", "analyzed_at", "counted",
)  # fmt: skip
# (status, outcome) of calls that never connected, and how often, of every call.
UNCONNECTED = (("no-answer", 0.012), ("busy", 0.006), ("failed", 0.002))
LANGUAGES = (("en-US", 0.86), ("es-US", 0.12), ("fr-CA", 0.02))
# Sentiment by outcome: (mean, spread) of the caller's mood; None: no words to read.
MOODS = {
    "answered": (0.35, 0.3),
    "transferred": (0.2, 0.35),
    "message": (0.1, 0.35),
    "abandoned": None,
    "spam": None,
}
UNANSWERED = (
    "Do you do Invisalign?",
    "Can you text me the address?",
    "Is the parking validated?",
    "Do you see cats as well?",
    "What's the wifi password?",
)
REASONS = {
    5: "The caller sounded pleased and got what they asked for.",
    4: "The caller's questions were answered.",
    3: "A neutral call.",
    2: "The caller left with a question unanswered.",
    1: "The caller sounded unhappy.",
}


@dataclass
class Business:
    id: uuid.UUID
    zone: str
    agents: list[uuid.UUID]
    agent_weights: list[float]
    key: str
    calls: int = 0
    # hour slot -> calls in it; whether each slot is after hours.
    per_slot: dict[int, int] = field(default_factory=dict)
    closed: list[bool] = field(default_factory=list)


@dataclass
class Loaded:
    businesses: list[Business]
    seconds: dict[str, float]
    agent_days: int
    checked: bool


# --- the history ------------------------------------------------------------------------------


def create_businesses(rng: random.Random, tenants: int) -> list[Business]:
    from voice_platform.db import platform_session
    from voice_platform.models import (
        Agent,
        AgentStatus,
        ApiKey,
        ApiKeyScope,
        KnowledgeRecord,
        Tenant,
    )
    from voice_platform.services.demo_calls import demo_hours
    from voice_platform.services.security import hash_secret

    businesses = []
    with platform_session("bench seed") as session:
        for n in range(tenants):
            zone = ZONES[n % len(ZONES)]
            tenant = Tenant(
                name=f"Business {n}",
                slug=f"bench-{n}",
                time_zone=zone,
                booked_call_value=Decimal(rng.choice((80, 150, 250))),
                receptionist_hourly_cost=Decimal(rng.choice((22, 28, 35))),
            )
            session.add(tenant)
            session.flush()
            agents = []
            hours = demo_hours(zone).model_dump(mode="json")
            for a in range(rng.choice((1, 1, 2, 2, 3))):
                agent = Agent(
                    tenant_id=tenant.id,
                    name=f"Desk {a}",
                    status=AgentStatus.ACTIVE,
                    time_zone=zone,
                    phone_number=f"+1555{n:03d}{a:04d}",
                )
                session.add(agent)
                session.flush()
                session.add(KnowledgeRecord(agent_id=agent.id, tenant_id=tenant.id, document=hours))
                agents.append(agent.id)
            key = f"vpk_bench-{n}-{uuid.UUID(int=rng.getrandbits(128)).hex}"
            session.add(
                ApiKey(
                    tenant_id=tenant.id,
                    name="bench",
                    prefix=key[:12],
                    key_hash=hash_secret(key),
                    scope=ApiKeyScope.READ,
                )
            )
            businesses.append(
                Business(
                    id=tenant.id,
                    zone=zone,
                    agents=agents,
                    # The first agent is the main line.
                    agent_weights=[1.0 / (rank + 1) ** 1.5 for rank in range(len(agents))],
                    key=key,
                )
            )
    return businesses


def spread_calls(
    rng: random.Random, businesses: list[Business], calls: int, anchor: datetime
) -> list[datetime]:
    """How many calls each business gets (log-normal sizes) and in which hours of the year
    (its weekday and hour curves in its own time zone); the slots' UTC starts."""
    from voice_platform.services.demo_calls import _slots

    sizes = [math.exp(rng.gauss(0, 0.6)) for _ in businesses]
    shares = [calls * s / sum(sizes) for s in sizes]
    counts = [int(s) for s in shares]
    for i in sorted(range(len(counts)), key=lambda i: counts[i] - shares[i])[: calls - sum(counts)]:
        counts[i] += 1
    starts: list[datetime] = []
    for business, count in zip(businesses, counts, strict=True):
        starts, weights, closed = _slots(anchor, DAYS, ZoneInfo(business.zone))
        business.calls = count
        business.closed = closed
        cumulative = []
        total = 0.0
        for w in weights:
            total += w
            cumulative.append(total)
        for slot in rng.choices(range(len(starts)), cum_weights=cumulative, k=count):
            business.per_slot[slot] = business.per_slot.get(slot, 0) + 1
    return starts


def _text(value: Any) -> str:
    """One value in COPY's text format (the values here hold no tab, newline or backslash but
    what JSON escapes, which are doubled)."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
    return str(value)


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for name, share in table:
        roll -= share
        if roll < 0:
            return name
    return table[-1][0]


def call_maker(now: datetime) -> Callable[..., tuple[list[Any], dict[str, Any] | None]]:
    """`one_call(rng, business, started, closed)`: a call's COPY values, and its rollup
    contribution (None while it is not over)."""
    from voice_platform.services import rollups
    from voice_platform.services.demo_calls import (
        CLOSED_OUTCOMES,
        OPEN_OUTCOMES,
        QUESTIONS,
        _duration,
        _number,
    )
    from voice_platform.services.demo_calls import _pick as pick_outcome

    def one_call(
        rng: random.Random, business: Business, started: datetime, closed: bool
    ) -> tuple[list[Any], dict[str, Any] | None]:
        agent_index = rng.choices(range(len(business.agents)), business.agent_weights)[0]
        call_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        status, outcome = "completed", None
        roll = rng.random()
        for name, share in UNCONNECTED:
            roll -= share
            if roll < 0:
                status, outcome = name, "abandoned"
                break
        if outcome is None:
            outcome = pick_outcome(rng, CLOSED_OUTCOMES if closed else OPEN_OUTCOMES)
        language = _pick(rng, LANGUAGES)
        seconds: int | None
        if status == "completed":
            seconds = _duration(rng, outcome)
            connected: datetime | None = started + timedelta(seconds=1)
        else:
            seconds, connected = rng.randint(0, 25), None
        ended: datetime | None = started + timedelta(seconds=seconds)
        if ended is not None and ended > now:  # still on the line: not over, not analysed
            status, outcome, ended, seconds = "in-progress", None, None, None
        analysed = status != "in-progress"
        sentiment = satisfaction = reason = None
        topics: list[str] = []
        unanswered: list[str] = []
        if status == "completed" and outcome in ("answered", "transferred", "message"):
            pool = QUESTIONS["es-US" if language == "es-US" else "en-US"]
            topics = sorted({c for _, _, c in rng.sample(pool, rng.randint(1, 3))})
            if rng.random() < 0.15:
                unanswered = rng.sample(UNANSWERED, 2 if rng.random() < 0.2 else 1)
            if outcome != "answered":
                topics.append("transfer" if outcome == "transferred" else "message")
        mood = MOODS.get(outcome or "")
        if mood is not None and status == "completed":
            sentiment = round(max(-1.0, min(1.0, rng.gauss(*mood))), 4)
            satisfaction = max(1, min(5, round(3 + 2 * sentiment) - len(unanswered)))
            reason = REASONS[satisfaction]
        transferred = outcome == "transferred"
        summary = f"The caller asked about {', '.join(topics) or 'nothing'}; {outcome}."
        values = [
            call_id,
            business.id,
            business.agents[agent_index],
            f"CA{call_id.hex}",
            "phone",
            _number(rng),
            f"+1555{agent_index:04d}",
            status,
            outcome,
            language,
            started,
            connected,
            ended,
            seconds,
            "+15125550199" if transferred else None,
            "the caller asked for a person" if transferred else None,
            "completed" if transferred else None,
            summary if analysed else None,
            sentiment,
            satisfaction,
            reason,
            topics if analysed else None,
            unanswered if analysed else None,
            closed if analysed else None,
            ended + timedelta(seconds=4) if analysed and ended else None,
        ]
        counted = None
        if analysed:
            call = SimpleNamespace(**dict(zip(CALL_COLUMNS, values, strict=False)))
            counted = rollups.contribution(call, business.zone)  # type: ignore[arg-type]
        values.append(counted)
        return values, counted

    return one_call


def load(
    rng: random.Random, businesses: list[Business], calls: int, now: datetime
) -> tuple[dict[tuple[str, str], list[Any]], float]:
    """Write the calls hour by hour across the businesses with COPY; the rollup rows (tenant,
    sums) per (agent, day), summed from the calls' contributions."""
    import psycopg

    from voice_platform.services import rollups

    anchor = now.replace(minute=0, second=0, microsecond=0)
    starts = spread_calls(rng, businesses, calls, anchor)
    one_call = call_maker(now)
    days: dict[tuple[str, str], list[Any]] = {}
    written = reported = 0
    started_at = time.perf_counter()
    copy_sql = f"COPY calls ({', '.join(CALL_COLUMNS)}) FROM STDIN"
    with psycopg.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cursor:
        with cursor.copy(copy_sql) as copy:
            lines: list[str] = []
            for slot, slot_start in enumerate(starts):
                hour: list[tuple[datetime, Business]] = []
                for business in businesses:
                    for _ in range(business.per_slot.get(slot, 0)):
                        hour.append((slot_start + timedelta(seconds=rng.randrange(3600)), business))
                hour.sort(key=lambda item: item[0])
                for when, business in hour:
                    values, counted = one_call(rng, business, when, business.closed[slot])
                    lines.append("\t".join(_text(v) for v in values))
                    if counted is not None:
                        key = (counted["agent_id"], counted["day"])
                        row = days.get(key)
                        if row is None:
                            row = days[key] = [business.id, *(0 for _ in rollups.COUNTS), ZERO]
                        for i, name in enumerate(rollups.COUNTS, start=1):
                            row[i] += counted[name]
                        row[-1] += Decimal(counted["sentiment_sum"])
                if len(lines) >= 5000:
                    copy.write("\n".join(lines) + "\n")
                    written += len(lines)
                    lines = []
                    if written - reported >= 100_000:
                        reported = written
                        progress(f"calls: {written:,} of {calls:,}", started_at)
            if lines:
                copy.write("\n".join(lines) + "\n")
                written += len(lines)
        columns = ", ".join(("tenant_id", "agent_id", "day", *rollups.COUNTS, "sentiment_sum"))
        with cursor.copy(f"COPY agent_daily_stats ({columns}) FROM STDIN") as copy:
            for (agent_id, day), row in days.items():
                copy.write_row((row[0], agent_id, day, *row[1:]))
    progress(f"calls: {written:,} written", started_at)
    return days, time.perf_counter() - started_at


ZERO = Decimal("0.0000")


def progress(text: str, since: float) -> None:
    print(f"  {text} ({time.perf_counter() - since:.0f} s)", flush=True)


def vacuum() -> None:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE calls")
        conn.execute("VACUUM ANALYZE agent_daily_stats")
        conn.execute("ANALYZE")


class _Undo(Exception):
    """Raised to roll a check's transaction back."""


def rebuild_agrees(businesses: list[Business]) -> bool:
    """`rollups.rebuild` of a few businesses (rolled back) finds the rows the load wrote."""
    from sqlmodel import col, select

    from voice_platform.db import tenant_session
    from voice_platform.models import AgentDailyStats
    from voice_platform.services import rollups

    def rows(session: Any) -> list[dict[str, Any]]:
        found = session.exec(
            select(AgentDailyStats).order_by(
                col(AgentDailyStats.agent_id), col(AgentDailyStats.day)
            )
        )
        return [row.model_dump() for row in found]

    ordered = sorted(businesses, key=lambda b: -b.calls)
    for business in (ordered[0], ordered[len(ordered) // 2], ordered[-1])[:CHECKED_TENANTS]:
        try:
            with tenant_session(business.id) as session:
                loaded = rows(session)
                rollups.rebuild(session, business.id)
                session.expire_all()
                if rows(session) != loaded or not loaded:
                    return False
                raise _Undo
        except _Undo:
            pass
    return True


def build(rng: random.Random, tenants: int, calls: int) -> Loaded:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    businesses = create_businesses(rng, tenants)
    seconds["businesses, agents, keys"] = time.perf_counter() - clock
    days, seconds["calls and rollups (generate + COPY)"] = load(
        rng, businesses, calls, datetime.now(UTC)
    )
    clock = time.perf_counter()
    vacuum()
    seconds["VACUUM ANALYZE"] = time.perf_counter() - clock
    clock = time.perf_counter()
    checked = rebuild_agrees(businesses)
    seconds["check against rollups.rebuild"] = time.perf_counter() - clock
    return Loaded(businesses, seconds, len(days), checked)


# --- the reads --------------------------------------------------------------------------------


@dataclass
class Ask:
    business: Business
    days: int
    agent_id: uuid.UUID | None

    def first(self) -> date:
        today = datetime.now(UTC).astimezone(ZoneInfo(self.business.zone)).date()
        return today - timedelta(days=self.days - 1)


def asks(rng: random.Random, businesses: list[Business], count: int) -> list[Ask]:
    return [
        Ask(
            business=(business := rng.choice(businesses)),
            days=rng.choice(PERIODS),
            agent_id=rng.choice(business.agents) if rng.random() < 0.5 else None,
        )
        for _ in range(count)
    ]


Query = Callable[[Any, Ask], Any]


def service_queries() -> dict[str, tuple[Query, float]]:
    """name -> (run it in a tenant session, bound ms)."""
    from voice_platform.services import call_log
    from voice_platform.services.principal import Principal

    def principal(ask: Ask) -> Principal:
        from voice_platform.models import Role

        return Principal(tenant_id=ask.business.id, role=Role.MEMBER)

    def filters(ask: Ask, **more: Any) -> call_log.CallFilters:
        return call_log.CallFilters(since=ask.first(), agent_id=ask.agent_id, **more)

    def run(function: Callable[..., Any], **more: Any) -> Query:
        def query(session: Any, ask: Ask) -> Any:
            return function(
                session,
                principal=principal(ask),
                tenant_id=ask.business.id,
                filters=filters(ask, **more),
            )

        return query

    found: dict[str, tuple[Query, float]] = {
        "call_log.overview": (run(call_log.overview), QUERY_BOUND_MS),
        "call_log.volume_series": (run(call_log.volume_series), QUERY_BOUND_MS),
        "call_log.performance": (run(call_log.performance), QUERY_BOUND_MS),
        "call_log.list_calls (page 1)": (run(call_log.list_calls), QUERY_BOUND_MS),
        "overview, outcome filter": (run(call_log.overview, outcome="answered"), QUERY_BOUND_MS),
    }
    board = dashboard_module()
    if board is not None:
        make = getattr(board, "DashboardFilters", None)
        for name, function in board.QUERIES.items():

            def query(session: Any, ask: Ask, function: Callable[..., Any] = function) -> Any:
                given = (
                    make(since=ask.first(), agent_id=ask.agent_id)
                    if make is not None
                    else filters(ask)
                )
                return function(
                    session, principal=principal(ask), tenant_id=ask.business.id, filters=given
                )

            found[f"dashboard.{name}"] = (query, QUERY_BOUND_MS)
    return found


def dashboard_module() -> Any:
    try:
        from voice_platform.services import dashboard
    except ImportError:
        return None
    return dashboard if hasattr(dashboard, "QUERIES") else None


def measure_services(rng: random.Random, businesses: list[Business]) -> dict[str, list[float]]:
    from voice_platform.db import tenant_session

    results: dict[str, list[float]] = {}
    for name, (query, _) in service_queries().items():
        times = []
        for n, ask in enumerate(asks(rng, businesses, SAMPLES + WARMUP)):
            started = time.perf_counter()
            with tenant_session(ask.business.id) as session:
                query(session, ask)
            if n >= WARMUP:
                times.append((time.perf_counter() - started) * 1000)
        results[name] = times
        print(f"  {name}: p95 {percentile(times, 0.95):.1f} ms", flush=True)
    return results


def measure_endpoint(rng: random.Random, businesses: list[Business]) -> list[float]:
    from fastapi.testclient import TestClient

    from voice_platform.api import create_api

    times = []
    with TestClient(create_api()) as client:
        for n, ask in enumerate(asks(rng, businesses, SAMPLES + WARMUP)):
            params = {"since": ask.first().isoformat()}
            if ask.agent_id is not None:
                params["agent_id"] = str(ask.agent_id)
            started = time.perf_counter()
            response = client.get(
                f"/api/analytics/{ask.business.id}",
                params=params,
                headers={"Authorization": f"Bearer {ask.business.key}"},
            )
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"overview endpoint: {response.status_code} {response.text}")
            if n >= WARMUP:
                times.append(elapsed)
    print(f"  GET /api/analytics/{{tenant_id}}: p95 {percentile(times, 0.95):.1f} ms", flush=True)
    return times


def measure_rollups(rng: random.Random, businesses: list[Business]) -> dict[str, list[float]]:
    """Calls end across the businesses; each is counted as the analysis job counts it."""
    from voice_platform.db import tenant_session
    from voice_platform.models import Call
    from voice_platform.services import rollups

    now = datetime.now(UTC)
    ended: list[tuple[Business, uuid.UUID]] = []
    for _ in range(FINISHED + WARMUP):
        business = rng.choice(businesses)
        started = now - timedelta(minutes=rng.randint(2, 600))
        seconds = rng.randint(10, 400)
        with tenant_session(business.id) as session:
            call = Call(
                tenant_id=business.id,
                agent_id=rng.choice(business.agents),
                call_sid=f"CA{uuid.uuid4().hex}",
                status="completed",
                outcome=rng.choice(("answered", "transferred", "message")),
                started_at=started,
                ended_at=started + timedelta(seconds=seconds),
                duration_seconds=seconds,
                sentiment=round(rng.uniform(-1, 1), 4),
                satisfaction=rng.randint(1, 5),
                after_hours=rng.random() < 0.2,
                unanswered=[],
                topics=["hours"],
                analyzed_at=now,
            )
            session.add(call)
            session.flush()
            ended.append((business, call.id))
    results: dict[str, list[float]] = {"apply": [], "apply + commit": []}
    for n, (business, call_id) in enumerate(ended):
        with tenant_session(business.id) as session:
            call = session.get(Call, call_id)
            assert call is not None
            started = time.perf_counter()
            rollups.apply(session, call, time_zone=business.zone)
            session.flush()
            applied = time.perf_counter()
        committed = time.perf_counter()
        if n >= WARMUP:
            results["apply"].append((applied - started) * 1000)
            results["apply + commit"].append((committed - started) * 1000)
    return results


# --- plans ------------------------------------------------------------------------------------


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    """The statements (and parameters) sent while the block runs."""
    from sqlalchemy import event

    from voice_platform.db import app_engine

    statements: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "set_config" not in statement:
            statements.append((statement, parameters))

    event.listen(app_engine(), "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(app_engine(), "before_cursor_execute", keep)


def explain(businesses: list[Business]) -> list[str]:
    """EXPLAIN ANALYZE of every statement the measured queries send, for the biggest business
    over 90 days with and without an agent, as that business (RLS on). Prints the plans; the
    statements that read a table of calls or rollups without an index."""
    from voice_platform.db import tenant_session

    biggest = max(businesses, key=lambda b: b.calls)
    unindexed = []
    for name, (query, _) in service_queries().items():
        for agent_id in (None, biggest.agents[-1]):
            ask = Ask(biggest, 90, agent_id)
            with tenant_session(biggest.id) as session:
                with captured() as statements:
                    query(session, ask)
                for statement, parameters in statements:
                    plan = session.connection().exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
                    )
                    lines = [row[0] for row in plan]
                    print(f"\n--- {name}, agent {'yes' if agent_id else 'no'}")
                    print(statement.strip())
                    print("\n".join(lines))
                    for line in lines:
                        if "Seq Scan on calls" in line or "Seq Scan on agent_daily_stats" in line:
                            unindexed.append(f"{name}: {line.strip()}")
    return unindexed


# --- the report -------------------------------------------------------------------------------


def verdict(value: float, bound: float) -> tuple[str, bool]:
    return ("ok", False) if value <= bound else ("MISSED", True)


def report(
    loaded: Loaded,
    calls: int,
    reads: dict[str, list[float]],
    endpoint: list[float],
    rollup_times: dict[str, list[float]],
) -> bool:
    bounds = {name: bound for name, (_, bound) in service_queries().items()}
    missed = False
    print()
    print(
        f"history: {calls:,} calls, {len(loaded.businesses)} businesses, "
        f"{loaded.agent_days:,} agent-days of rollups; generation:"
    )
    for step, seconds in loaded.seconds.items():
        print(f"  {step:<40}{seconds:>8.1f} s")
    print(f"  {'total':<40}{sum(loaded.seconds.values()):>8.1f} s")
    print(
        "rollups loaded equal rollups.rebuild on "
        f"{CHECKED_TENANTS} businesses: {'yes' if loaded.checked else 'NO'}"
    )
    missed |= not loaded.checked
    print()
    print(
        f"{'read (as the business, RLS on)':<36}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'max ms':>9}  bound"
    )
    rows = [(name, times, bounds[name]) for name, times in reads.items()]
    rows.append(("GET /api/analytics/{tenant_id}", endpoint, ENDPOINT_BOUND_MS))
    for name, times, bound in rows:
        p95 = percentile(times, 0.95)
        word, late = verdict(p95, bound)
        missed |= late
        print(
            f"{name:<36}{len(times):>5}{statistics.median(times):>9.1f}{p95:>9.1f}"
            f"{max(times):>9.1f}  p95 <= {bound:g} ms: {word}"
        )
    print()
    print(f"{'rollup update per finished call':<36}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, times in rollup_times.items():
        p95 = percentile(times, 0.95)
        note = ""
        if name == "apply + commit":
            word, late = verdict(p95, ROLLUP_BOUND_MS)
            missed |= late
            note = f"  p95 <= {ROLLUP_BOUND_MS:g} ms: {word}"
        print(
            f"{name:<36}{len(times):>5}{statistics.median(times):>9.2f}{p95:>9.2f}"
            f"{max(times):>9.2f}{note}"
        )
    board = dashboard_module()
    print(
        "\ndashboard queries: "
        + (
            f"{', '.join(board.QUERIES)} (services/dashboard.py)"
            if board
            else "services/dashboard.py has no QUERIES yet: not measured"
        )
    )
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=CALLS)
    parser.add_argument("--tenants", type=int, default=TENANTS)
    parser.add_argument("--explain", action="store_true", help="print every query's plan")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("ENVIRONMENT", "test")
    for name in ("DATABASE_URL", "DATABASE_APP_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))
    rng = random.Random(9)  # noqa: S311  (a repeatable workload, not a secret)
    print(
        f"analytics: {args.calls:,} calls across {args.tenants} businesses, a year...", flush=True
    )
    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as folder, embedded(Path(folder)):
        loaded = build(rng, args.tenants, args.calls)
        print("reads...", flush=True)
        unindexed = explain(loaded.businesses) if args.explain else []
        reads = measure_services(rng, loaded.businesses)
        endpoint = measure_endpoint(rng, loaded.businesses)
        print("rollup updates...", flush=True)
        rollup_times = measure_rollups(rng, loaded.businesses)
    missed = report(loaded, args.calls, reads, endpoint, rollup_times)
    if args.explain:
        print(
            "\nstatements reading calls or rollups without an index: "
            + ("none" if not unindexed else "\n  " + "\n  ".join(unindexed))
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
