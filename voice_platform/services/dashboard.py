"""The analytics dashboard's read models: one business's calls over whole days of its calendar,
optionally for one agent.

The day-by-day figures (volume, minutes, outcomes, sentiment, satisfaction, after-hours and
unanswered counts) come from the daily rollups (`agent_daily_stats`), so a year costs at most
a few hundred small rows. What the rollups do not keep (the hour a call came, its length, its
topics, what it was worth) is read from `calls` through its (tenant, started_at) index.

Which calls count is the rollups' rule everywhere, so every chart agrees with every other: a
call is counted once it is over (a final status) and an agent took it.

Each query takes `(session, *, principal, tenant_id, filters, now=None)`; `QUERIES` lists them
for the benchmark, `dashboard` runs them all for the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from voice_platform.config import get_settings
from voice_platform.models import AgentDailyStats, Call, CallOutcome, Tenant
from voice_platform.models.call import FINAL_STATUSES
from voice_platform.services.call_log import zone_of
from voice_platform.services.errors import InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize
from voice_platform.services.rollups import OUTCOMES

DEFAULT_DAYS = 30
MAX_DAYS = 731
TOP_TOPICS = 8
# Outcomes where the receptionist dealt with the caller (the rest: hung up early, spam, or no
# agent); and of those, the ones no member of staff had to take.
HANDLED = (CallOutcome.ANSWERED.value, CallOutcome.TRANSFERRED.value, CallOutcome.MESSAGE.value)
ALONE = (CallOutcome.ANSWERED.value, CallOutcome.MESSAGE.value)
# A booked call: the caller asked about booking and the agent answered it or took the request.
BOOKING_TOPIC = "booking"
# Not topics but what happened: kept out of the topics chart (the outcomes chart shows them).
NOT_TOPICS = ("message", "transfer")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Upper bounds (seconds, exclusive) of the duration chart's bars; the last bar is open-ended.
DURATION_EDGES = (30, 60, 120, 180, 300, 600)
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class DashboardFilters:
    """Whole days in the business's calendar, both included; None: the default period."""

    since: date | None = None
    until: date | None = None
    agent_id: uuid.UUID | None = None
    # How many days up to `until` (or today) when `since` is not given.
    days: int = DEFAULT_DAYS

    @classmethod
    def parse(
        cls,
        *,
        since: str | None = None,
        until: str | None = None,
        agent_id: str | None = None,
        days: int | None = None,
    ) -> DashboardFilters:
        """Filters from form or query text; InvalidInput names the field that is wrong."""
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days: from 1 to {MAX_DAYS}", field="days")
        return cls(
            since=_day(since, "since"),
            until=_day(until, "until"),
            agent_id=_agent(agent_id),
            days=days or DEFAULT_DAYS,
        )

    def check(self) -> None:
        """InvalidInput when the days cannot make a period (backwards, or too long)."""
        if self.since and self.until:
            _checked(self.since, self.until)


def _day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{name}: {value!r} is not a date such as 2026-03-01", field=name
        ) from None


def _agent(value: str | None) -> uuid.UUID | None:
    if value is None or not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise InvalidInput("agent_id: not an agent id (a UUID)", field="agent_id") from None


@dataclass(frozen=True)
class Period:
    zone: ZoneInfo
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def period_of(
    session: Session, tenant_id: uuid.UUID, filters: DashboardFilters, now: datetime | None
) -> Period:
    """The filters' days; without `since`, the filters' number of days up to `until` or today."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such business")
    zone = zone_of(tenant.time_zone)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    last = filters.until or max(today, filters.since or today)
    first = filters.since or last - timedelta(days=filters.days - 1)
    _checked(first, last)
    return Period(zone=zone, first=first, last=last)


def period_for(
    session: Session,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters,
    now: datetime | None,
) -> Period:
    """What every query starts with: the caller may read this business, and the days asked."""
    authorize(principal, tenant_id)
    return period_of(session, tenant_id, filters, now)


def _checked(first: date, last: date) -> None:
    if first > last:
        raise InvalidInput("since: must not be after until", field="since")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"since: a period covers at most {MAX_DAYS} days", field="since")


def counted(
    tenant_id: uuid.UUID, filters: DashboardFilters, p: Period
) -> list[ColumnElement[bool]]:
    """The calls the rollups count, in the period: over, and taken by an agent."""
    where: list[ColumnElement[bool]] = [
        col(Call.tenant_id) == tenant_id,
        col(Call.started_at) >= p.start,
        col(Call.started_at) < p.end,
        col(Call.status).in_(sorted(FINAL_STATUSES)),
        col(Call.agent_id).is_not(None),
    ]
    if filters.agent_id is not None:
        where.append(col(Call.agent_id) == filters.agent_id)
    return where


def _average(total: float, count: int, places: int) -> float | None:
    return round(total / count, places) if count else None


# --- day by day (rollups) ---------------------------------------------------------------------


class DayStats(BaseModel):
    day: date
    calls: int
    minutes: float
    outcomes: dict[str, int]
    # Averages over the calls analysed that day (how many: the *_calls fields); None: none were.
    sentiment: float | None
    sentiment_calls: int
    satisfaction: float | None
    satisfaction_calls: int
    after_hours: int
    unanswered: int


class Daily(BaseModel):
    time_zone: str
    first: date
    last: date
    days: list[DayStats]


def daily(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters = DashboardFilters(),
    now: datetime | None = None,
) -> Daily:
    """Every day of the period (quiet days as zeros), summed over the agents."""
    p = period_for(session, principal, tenant_id, filters, now)
    stats = AgentDailyStats
    sums = [sa.func.sum(col(getattr(stats, name))) for name in (*OUTCOMES, "after_hours")]
    statement = (
        sa.select(
            col(stats.day),
            sa.func.sum(col(stats.calls)),
            sa.func.sum(col(stats.seconds)),
            sa.func.sum(col(stats.sentiment_sum)),
            sa.func.sum(col(stats.sentiment_count)),
            sa.func.sum(col(stats.satisfaction_sum)),
            sa.func.sum(col(stats.satisfaction_count)),
            sa.func.sum(col(stats.unanswered)),
            *sums,
        )
        .where(
            col(stats.tenant_id) == tenant_id,
            col(stats.day) >= p.first,
            col(stats.day) <= p.last,
        )
        .group_by(col(stats.day))
    )
    if filters.agent_id is not None:
        statement = statement.where(col(stats.agent_id) == filters.agent_id)
    found: dict[date, DayStats] = {}
    for row in session.execute(statement):
        day, calls, seconds, s_sum, s_count, q_sum, q_count, unanswered, *rest = row
        by_outcome = dict(zip(OUTCOMES, (int(n or 0) for n in rest[:-1]), strict=True))
        found[day] = DayStats(
            day=day,
            calls=int(calls or 0),
            minutes=round(float(seconds or 0) / 60.0, 1),
            outcomes=by_outcome,
            sentiment=_average(float(s_sum or 0), int(s_count or 0), 3),
            sentiment_calls=int(s_count or 0),
            satisfaction=_average(float(q_sum or 0), int(q_count or 0), 2),
            satisfaction_calls=int(q_count or 0),
            after_hours=int(rest[-1] or 0),
            unanswered=int(unanswered or 0),
        )
    quiet = dict.fromkeys(OUTCOMES, 0)
    days = [
        found.get(day)
        or DayStats(
            day=day,
            calls=0,
            minutes=0.0,
            outcomes=dict(quiet),
            sentiment=None,
            sentiment_calls=0,
            satisfaction=None,
            satisfaction_calls=0,
            after_hours=0,
            unanswered=0,
        )
        for day in p.days
    ]
    return Daily(time_zone=p.zone.key, first=p.first, last=p.last, days=days)


class Kpis(BaseModel):
    calls: int
    minutes: float
    average_duration_seconds: float | None
    # Share of calls the receptionist dealt with (answered, transferred or took a message).
    handled_share: float | None
    outcomes: dict[str, int]
    sentiment: float | None
    satisfaction: float | None
    after_hours: int
    unanswered: int


def kpis_of(series: Daily) -> Kpis:
    """The period's totals, from its days (each day's average weighted by its analysed calls)."""
    days = series.days
    calls = sum(d.calls for d in days)
    outcomes = {name: sum(d.outcomes.get(name, 0) for d in days) for name in OUTCOMES}
    minutes = sum(d.minutes for d in days)

    def weighted(pairs: list[tuple[float | None, int]], places: int) -> float | None:
        weight = sum(n for v, n in pairs if v is not None)
        total = sum(v * n for v, n in pairs if v is not None)
        return round(total / weight, places) if weight else None

    return Kpis(
        calls=calls,
        minutes=round(minutes, 1),
        average_duration_seconds=round(minutes * 60 / calls, 1) if calls else None,
        handled_share=round(sum(outcomes[o] for o in HANDLED) / calls, 4) if calls else None,
        outcomes=outcomes,
        sentiment=weighted([(d.sentiment, d.sentiment_calls) for d in days], 3),
        satisfaction=weighted([(d.satisfaction, d.satisfaction_calls) for d in days], 2),
        after_hours=sum(d.after_hours for d in days),
        unanswered=sum(d.unanswered for d in days),
    )


# --- from the calls themselves ----------------------------------------------------------------


class Heatmap(BaseModel):
    weekdays: list[str]
    hours: list[int]
    # counts[weekday][hour], Monday first, hours of the business's clock.
    counts: list[list[int]]


def heatmap(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters = DashboardFilters(),
    now: datetime | None = None,
) -> Heatmap:
    """When calls come: calls per weekday and hour of the business's clock."""
    p = period_for(session, principal, tenant_id, filters, now)
    local = sa.func.timezone(p.zone.key, col(Call.started_at))
    weekday = sa.extract("isodow", local).label("weekday")
    hour = sa.extract("hour", local).label("hour")
    counts = [[0] * 24 for _ in WEEKDAYS]
    rows = session.execute(
        sa.select(weekday, hour, sa.func.count())
        .where(*counted(tenant_id, filters, p))
        .group_by(weekday, hour)
    )
    for day, at, n in rows:
        counts[int(day) - 1][int(at)] = int(n)
    return Heatmap(weekdays=list(WEEKDAYS), hours=list(range(24)), counts=counts)


class DurationBar(BaseModel):
    label: str
    calls: int


class Durations(BaseModel):
    bars: list[DurationBar]
    median_seconds: float | None


def _duration_label(low: int, high: int | None) -> str:
    def span(seconds: int) -> str:
        return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m"

    return f"{span(low)}-{span(high)}" if high is not None else f"{span(low)}+"


def durations(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters = DashboardFilters(),
    now: datetime | None = None,
) -> Durations:
    """How long calls last: calls per length band, and the median length."""
    p = period_for(session, principal, tenant_id, filters, now)
    seconds = sa.func.coalesce(col(Call.duration_seconds), 0)
    band = sa.func.width_bucket(seconds, sa.literal(list(DURATION_EDGES))).label("band")
    where = counted(tenant_id, filters, p)
    by_band = dict(
        session.execute(sa.select(band, sa.func.count()).where(*where).group_by(band)).all()
    )
    median = session.execute(
        sa.select(sa.func.percentile_cont(0.5).within_group(seconds)).where(*where)
    ).scalar()
    lows = (0, *DURATION_EDGES)
    highs: tuple[int | None, ...] = (*DURATION_EDGES, None)
    bars = [
        DurationBar(label=_duration_label(low, high), calls=int(by_band.get(index, 0)))
        for index, (low, high) in enumerate(zip(lows, highs, strict=True))
    ]
    return Durations(bars=bars, median_seconds=None if median is None else round(float(median), 1))


class TopicCount(BaseModel):
    topic: str
    calls: int


class Topics(BaseModel):
    topics: list[TopicCount]


def topics(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters = DashboardFilters(),
    now: datetime | None = None,
) -> Topics:
    """What callers asked about most (the knowledge-base categories the answers drew on)."""
    p = period_for(session, principal, tenant_id, filters, now)
    topic = sa.func.jsonb_array_elements_text(col(Call.topics)).table_valued("value").alias("t")
    name = topic.c.value
    rows = session.execute(
        sa.select(name, sa.func.count())
        .select_from(Call)
        .join(topic, sa.true())
        .where(*counted(tenant_id, filters, p), name.not_in(NOT_TOPICS))
        .group_by(name)
        .order_by(sa.func.count().desc(), name)
        .limit(TOP_TOPICS)
    )
    return Topics(topics=[TopicCount(topic=str(t), calls=int(n)) for t, n in rows])


# --- what the calls were worth ----------------------------------------------------------------


class Roi(BaseModel):
    currency: str
    # The settings the figures use; None where the owner has not set one.
    booked_call_value: Decimal | None
    receptionist_hourly_cost: Decimal | None
    cost_per_minute: Decimal
    calls: int
    calls_answered: int
    after_hours_caught: int
    booked_calls: int
    staff_minutes_saved: float
    minutes: float
    platform_cost: Decimal
    staff_cost_saved: Decimal | None
    booked_value: Decimal | None
    value_generated: Decimal
    net_value: Decimal


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENTS, ROUND_HALF_UP)


def roi(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters = DashboardFilters(),
    now: datetime | None = None,
) -> Roi:
    """Calls answered (the agent dealt with them), after-hours calls caught, booked calls,
    the staff minutes the agent spent alone on the phone, the platform's cost for every minute,
    and the value: booked calls at the owner's value plus staff time at the owner's hourly cost.
    """
    p = period_for(session, principal, tenant_id, filters, now)
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None  # period_of has found it
    seconds = sa.func.coalesce(col(Call.duration_seconds), 0)
    outcome = col(Call.outcome)
    booked = col(Call.topics).contains([BOOKING_TOPIC])
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(seconds), 0),
            sa.func.count().filter(outcome.in_(HANDLED)),
            sa.func.count().filter(outcome.in_(HANDLED), col(Call.after_hours).is_(True)),
            sa.func.count().filter(outcome.in_(ALONE), booked),
            sa.func.coalesce(sa.func.sum(seconds).filter(outcome.in_(ALONE)), 0),
        ).where(*counted(tenant_id, filters, p))
    ).one()
    calls, total_seconds, answered, after_hours, bookings, alone_seconds = (int(v) for v in row)
    per_minute = (
        tenant.cost_per_minute
        if tenant.cost_per_minute is not None
        else Decimal(str(get_settings().call_cost_per_minute))
    )
    platform_cost = _money(Decimal(total_seconds) / 60 * per_minute)
    staff = (
        None
        if tenant.receptionist_hourly_cost is None
        else _money(Decimal(alone_seconds) / 3600 * tenant.receptionist_hourly_cost)
    )
    booked_value = (
        None if tenant.booked_call_value is None else _money(bookings * tenant.booked_call_value)
    )
    value = _money((staff or Decimal(0)) + (booked_value or Decimal(0)))
    return Roi(
        currency=tenant.currency,
        booked_call_value=tenant.booked_call_value,
        receptionist_hourly_cost=tenant.receptionist_hourly_cost,
        cost_per_minute=per_minute,
        calls=calls,
        calls_answered=answered,
        after_hours_caught=after_hours,
        booked_calls=bookings,
        staff_minutes_saved=round(alone_seconds / 60, 1),
        minutes=round(total_seconds / 60, 1),
        platform_cost=platform_cost,
        staff_cost_saved=staff,
        booked_value=booked_value,
        value_generated=value,
        net_value=value - platform_cost,
    )


# --- all of it --------------------------------------------------------------------------------

QUERIES: dict[str, Callable[..., BaseModel]] = {
    "daily": daily,
    "heatmap": heatmap,
    "durations": durations,
    "topics": topics,
    "roi": roi,
}


class Dashboard(BaseModel):
    kpis: Kpis
    daily: Daily
    heatmap: Heatmap
    durations: Durations
    topics: Topics
    roi: Roi


def dashboard(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: DashboardFilters = DashboardFilters(),
    now: datetime | None = None,
) -> Dashboard:
    """Every figure the dashboard shows, for one period and agent."""
    found: dict[str, Any] = {
        name: query(session, principal=principal, tenant_id=tenant_id, filters=filters, now=now)
        for name, query in QUERIES.items()
    }
    return Dashboard(kpis=kpis_of(found["daily"]), **found)


def change_mark(session: Session, *, principal: Principal, tenant_id: uuid.UUID) -> str:
    """Changes whenever a call of the business starts, ends or is analysed: the live dashboard
    polls this (two index look-ups) and reloads its figures only when it moves."""
    authorize(principal, tenant_id)
    recent = datetime.now(UTC) - timedelta(days=2)
    row = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.max(col(Call.ended_at)),
            sa.func.max(col(Call.analyzed_at)),
        ).where(col(Call.tenant_id) == tenant_id, col(Call.started_at) >= recent)
    ).one()
    return "|".join(str(value) for value in row)
