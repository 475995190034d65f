"""Daily per-agent rollups of calls (agent_daily_stats), kept current as calls end.

`apply(session, call)` adds what a finished call contributes to its agent's day (the call's
start in the business's time zone) with one upsert. The contribution is also written on the
call (`calls.counted`), so applying a call again (after a re-analysis, say) replaces its old
contribution instead of counting it twice: the stats stay exactly the sum over the calls.

`rebuild(session, tenant_id)` throws a tenant's rows away (or every tenant's, on the platform
path) and aggregates them again from the calls, in SQL; it is the reference `apply` is tested
against, and the way to recount history."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text
from sqlmodel import Session

from voice_platform.models import Call, CallOutcome, Tenant
from voice_platform.models.call import FINAL_STATUSES

OUTCOMES = ("answered", "transferred", "message", "abandoned", "spam", "unrouted")
assert set(OUTCOMES) == {outcome.value for outcome in CallOutcome}
COUNTS = (
    "calls", "seconds", *OUTCOMES, "sentiment_count", "satisfaction_sum", "satisfaction_count",
    "after_hours", "unanswered",
)  # fmt: skip
FIELDS = (*COUNTS, "sentiment_sum")
ZERO = Decimal("0.0000")
PLACES = Decimal("0.0001")


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def seconds_of(call: Call) -> int:
    if call.duration_seconds is not None:
        return max(0, call.duration_seconds)
    if call.ended_at is not None:
        return max(0, int((call.ended_at - call.started_at).total_seconds()))
    return 0


def contribution(call: Call, time_zone: str | None) -> dict[str, Any] | None:
    """What `call` adds to its agent's day; None while it is not over, or has no agent."""
    if call.agent_id is None or call.status not in FINAL_STATUSES:
        return None
    started: datetime = call.started_at
    values: dict[str, Any] = {name: 0 for name in COUNTS}
    values["calls"] = 1
    values["seconds"] = seconds_of(call)
    if call.outcome in OUTCOMES:
        values[call.outcome] = 1
    sentiment = ZERO
    if call.sentiment is not None:
        sentiment = Decimal(str(call.sentiment)).quantize(PLACES, ROUND_HALF_UP)
        values["sentiment_count"] = 1
    values["sentiment_sum"] = str(sentiment)
    if call.satisfaction is not None:
        values["satisfaction_sum"] = int(call.satisfaction)
        values["satisfaction_count"] = 1
    values["after_hours"] = int(bool(call.after_hours))
    values["unanswered"] = len(call.unanswered or [])
    return {
        "agent_id": str(call.agent_id),
        "day": started.astimezone(zone(time_zone)).date().isoformat(),
        **values,
    }


def _key(counted: dict[str, Any]) -> tuple[str, str]:
    return counted["agent_id"], counted["day"]


def _delta(add: dict[str, Any] | None, remove: dict[str, Any] | None) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    for name in COUNTS:
        delta[name] = int((add or {}).get(name, 0)) - int((remove or {}).get(name, 0))
    delta["sentiment_sum"] = Decimal((add or {}).get("sentiment_sum", "0")) - Decimal(
        (remove or {}).get("sentiment_sum", "0")
    )
    return delta


_UPSERT = text(
    f"""
    INSERT INTO agent_daily_stats (tenant_id, agent_id, day, {", ".join(FIELDS)})
    VALUES (:tenant_id, :agent_id, :day, {", ".join(f":{name}" for name in FIELDS)})
    ON CONFLICT (agent_id, day) DO UPDATE SET
    {", ".join(f"{name} = agent_daily_stats.{name} + excluded.{name}" for name in FIELDS)}
    """  # noqa: S608  (column names are constants)
)
_SUBTRACT = text(
    f"""
    UPDATE agent_daily_stats SET
    {", ".join(f"{name} = {name} - :{name}" for name in FIELDS)}
    WHERE agent_id = :agent_id AND day = :day AND tenant_id = :tenant_id
    """  # noqa: S608
)
_DROP_EMPTY = text(
    "DELETE FROM agent_daily_stats "
    "WHERE agent_id = :agent_id AND day = :day AND tenant_id = :tenant_id AND calls <= 0"
)


def same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Whether two contributions are one (the SQL and Python spellings of a sum differ)."""
    if a is None or b is None:
        return a is b
    return _key(a) == _key(b) and not any(_delta(a, b).values())


def apply(session: Session, call: Call, *, time_zone: str | None = None) -> bool:
    """Bring the call's agent's day up to date with `call` (in the caller's transaction);
    True when the stats changed. `time_zone`: the tenant's, when the caller has it at hand."""
    if time_zone is None:
        tenant = session.get(Tenant, call.tenant_id)
        time_zone = tenant.time_zone if tenant else None
    new = contribution(call, time_zone)
    old = call.counted
    if same(new, old):
        return False
    if old is not None and (new is None or _key(new) != _key(old)):
        # Only taking away: the agent's row may be gone with the agent itself.
        taken = _delta(old, None)
        where: dict[str, Any] = {
            "tenant_id": call.tenant_id,
            "agent_id": uuid.UUID(old["agent_id"]),
            "day": date.fromisoformat(old["day"]),
        }
        session.execute(_SUBTRACT, {**where, **taken})
        session.execute(_DROP_EMPTY, where)
        old = None
    if new is not None:
        params = {
            "tenant_id": call.tenant_id,
            "agent_id": call.agent_id,
            "day": date.fromisoformat(new["day"]),
            **_delta(new, old),
        }
        session.execute(_UPSERT, params)
    call.counted = new
    session.add(call)
    return True


_CONTRIBUTIONS = """
    SELECT c.id, c.tenant_id, c.agent_id,
           (c.started_at AT TIME ZONE t.time_zone)::date AS day,
           1 AS calls,
           CASE WHEN c.duration_seconds IS NOT NULL THEN greatest(c.duration_seconds, 0)
                WHEN c.ended_at IS NOT NULL
                THEN greatest(0, floor(extract(epoch FROM c.ended_at - c.started_at)))::bigint
                ELSE 0 END AS seconds,
           {outcomes},
           coalesce(round(c.sentiment::numeric, 4), 0) AS sentiment_sum,
           (c.sentiment IS NOT NULL)::int AS sentiment_count,
           coalesce(c.satisfaction, 0)::int AS satisfaction_sum,
           (c.satisfaction IS NOT NULL)::int AS satisfaction_count,
           coalesce(c.after_hours, false)::int AS after_hours,
           CASE WHEN jsonb_typeof(c.unanswered) = 'array'
                THEN jsonb_array_length(c.unanswered) ELSE 0 END AS unanswered
    FROM calls c JOIN tenants t ON t.id = c.tenant_id
    WHERE c.agent_id IS NOT NULL AND c.status IN ({finals}) {scope}
""".format(  # noqa: S608  (constants only)
    outcomes=", ".join(f"coalesce((c.outcome = '{name}')::int, 0) AS {name}" for name in OUTCOMES),
    finals=", ".join(f"'{status}'" for status in sorted(FINAL_STATUSES)),
    scope="{scope}",
)


def rebuild(session: Session, tenant_id: uuid.UUID | None) -> int:
    """Aggregate `tenant_id`'s rollups again from its calls (None: every tenant's, which
    needs the platform path); how many agent-days there are now."""
    scope = "" if tenant_id is None else "AND c.tenant_id = :tenant_id"
    where = "" if tenant_id is None else "WHERE tenant_id = :tenant_id"
    params = {} if tenant_id is None else {"tenant_id": tenant_id}
    contributions = _CONTRIBUTIONS.format(scope=scope)
    session.execute(text(f"DELETE FROM agent_daily_stats {where}"), params)  # noqa: S608
    session.execute(
        text(
            f"""
            INSERT INTO agent_daily_stats (tenant_id, agent_id, day, {", ".join(FIELDS)})
            SELECT tenant_id, agent_id, day, {", ".join(f"sum({n})" for n in FIELDS)}
            FROM ({contributions}) AS c
            GROUP BY tenant_id, agent_id, day
            """  # noqa: S608
        ),
        params,
    )
    # Each call remembers what it now contributes, for the next `apply`.
    built = ", ".join(
        f"'{name}', c.{name}" if name != "sentiment_sum" else f"'{name}', c.{name}::text"
        for name in FIELDS
    )
    session.execute(
        text(
            f"""
            UPDATE calls SET counted = jsonb_build_object(
                'agent_id', c.agent_id::text, 'day', c.day::text, {built})
            FROM ({contributions}) AS c
            WHERE calls.id = c.id
            """  # noqa: S608
        ),
        params,
    )
    session.execute(
        text(
            f"""
            UPDATE calls c SET counted = NULL
            WHERE c.counted IS NOT NULL {scope}
              AND NOT (c.agent_id IS NOT NULL AND c.status IN ({
                ", ".join(f"'{status}'" for status in sorted(FINAL_STATUSES))
            }))
            """  # noqa: S608
        ),
        params,
    )
    counted = session.execute(
        text(f"SELECT count(*) FROM agent_daily_stats {where}"),  # noqa: S608
        params,
    ).scalar_one()
    return int(counted)
