"""The call log and the figures drawn from it: a filtered, paginated list of calls, one call in
full (turns with the facts each answer used, messages, recording), a CSV export, and the
analytics read models (overview, daily volume, per-agent performance).

The log (`list_calls`, `call_detail`, `calls_csv`) shows every call of the tenant, whatever
its state.

The figures (`overview`, `volume_series`, `performance`) count a call once it is over and an
agent took it, exactly as services/rollups.py counts it in agent_daily_stats:
- counted: a final status (completed, busy, failed, no-answer, canceled) and an agent (a call
  no agent took, or whose agent was deleted, is in the log but in no figure);
- its day: its start in the tenant's calendar (`tenants.time_zone`);
- its seconds: `duration_seconds`, else `ended_at - started_at`, else 0;
- its outcome, sentiment, satisfaction, after-hours mark and unanswered questions: what the
  post-call analysis wrote (a call with no outcome, or one that is not an outcome, counts under
  "none"; averages are over the calls that have a sentiment or satisfaction).

Where they are read: with whole days (`since`/`until` a date, or not given) and no filter but
an agent (`reads_rollups`), from agent_daily_stats, one row per agent and day, whatever the
number of calls. Otherwise (an outcome, language or search filter, or a `since`/`until` with a
time of day) the same sums are taken over `calls` by the same rules, and for the same counted
calls both give the same numbers (tests/integration/test_call_log.py checks it over random
calls). The one difference is timing: a call enters agent_daily_stats when its analysis job
counts it, normally seconds after its final status (`voice-platform analytics rebuild` counts
any a failed job left out), so in between it is in the figures read from `calls` and not yet in
those read from the rollups. Likewise a rollup day is the tenant's calendar day when the call
was counted: after the tenant's time zone changes, `analytics rebuild` moves the calls to their
new days.

Periods: a bare date means a whole day in the tenant's time zone; `since` is inclusive, a date
given as `until` includes that day, a date and time given as `until` is exclusive. A date and
time without an offset is read in the tenant's time zone.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from voice_platform.models import (
    Agent,
    AgentDailyStats,
    Call,
    CallDetail,
    CallMessage,
    CallMessagePublic,
    CallOutcome,
    CallPublic,
    CallTurn,
    CallTurnPublic,
    KnowledgeRecord,
    Tenant,
)
from voice_platform.models.call import FINAL_STATUSES
from voice_platform.services import rollups
from voice_platform.services.errors import InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize

MAX_PAGE = 100
DEFAULT_PAGE = 50
DEFAULT_PERIOD_DAYS = 30
MAX_SERIES_DAYS = 731
# What a call's outcome can be: the call's own (CallOutcome), and what analysis or the demo
# history may set besides.
OUTCOMES = tuple(dict.fromkeys((*(o.value for o in CallOutcome), "spam")))
MAX_SEARCH = 200
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
PHONE_LIKE = re.compile(r"^[+\d\s().-]+$")
CSV_COLUMNS = (
    "id",
    "started_at",
    "agent",
    "from",
    "to",
    "status",
    "outcome",
    "language",
    "duration_seconds",
    "transfer_to",
    "transfer_status",
    "recording_url",
    "messages",
    "caller_turns",
)
CSV_BATCH = 500


# --- filters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallFilters:
    """Which calls: every field optional, all given ones must hold."""

    since: datetime | date | None = None
    until: datetime | date | None = None
    agent_id: uuid.UUID | None = None
    outcome: str | None = None
    language: str | None = None
    # Part of the caller's number, or words said in the call (by either side).
    search: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        since: str | None = None,
        until: str | None = None,
        agent_id: str | uuid.UUID | None = None,
        outcome: str | None = None,
        language: str | None = None,
        search: str | None = None,
    ) -> CallFilters:
        """Filters from query-string text; InvalidInput (422) names the field that is wrong."""
        agent: uuid.UUID | None = None
        if isinstance(agent_id, uuid.UUID):
            agent = agent_id
        elif agent_id:
            try:
                agent = uuid.UUID(agent_id)
            except ValueError:
                raise InvalidInput("agent_id: not an agent id (a UUID)", field="agent_id") from None
        if outcome:
            outcome = outcome.strip().lower()
            if outcome not in OUTCOMES:
                raise InvalidInput(
                    f"outcome: {outcome!r} is not an outcome; use one of {', '.join(OUTCOMES)}",
                    field="outcome",
                )
        if language:
            language = language.strip()
            if not LANGUAGE.match(language) or len(language) > 20:
                raise InvalidInput(
                    "language: use a language tag such as en-US or es", field="language"
                )
        if search is not None:
            search = search.strip() or None
            if search and len(search) > MAX_SEARCH:
                raise InvalidInput(f"search: at most {MAX_SEARCH} characters", field="search")
        return cls(
            since=parse_moment(since, "since"),
            until=parse_moment(until, "until"),
            agent_id=agent,
            outcome=outcome or None,
            language=language or None,
            search=search,
        )


def parse_moment(value: str | None, name: str) -> datetime | date | None:
    """A date (2026-03-01) or a date and time (2026-03-01T09:30:00Z, with or without offset)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name}: {value!r} is not a date (2026-03-01) or a date and time "
            "(2026-03-01T09:30:00Z)",
            field=name,
        ) from None


def tenant_zone(session: Session, tenant_id: uuid.UUID) -> ZoneInfo:
    """The tenant's time zone (UTC when unset or unknown)."""
    tenant = session.get(Tenant, tenant_id)
    return zone_of(tenant.time_zone if tenant else None)


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _instant(value: datetime | date, zone: ZoneInfo, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tzinfo=zone)


def bounds(filters: CallFilters, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the filters' period as instants; either may be open."""
    start = _instant(filters.since, zone, end=False) if filters.since is not None else None
    end = _instant(filters.until, zone, end=True) if filters.until is not None else None
    if start is not None and end is not None and start >= end:
        raise InvalidInput("since: must be before until", field="since")
    return start, end


def period(
    filters: CallFilters, zone: ZoneInfo, *, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """A closed period for figures: the filters' one, else the last DEFAULT_PERIOD_DAYS days
    (today included) in the tenant's time zone."""
    start, end = bounds(filters, zone)
    if end is None:
        today = (now or datetime.now(UTC)).astimezone(zone).date()
        end = datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)
        if start is not None and start >= end:
            raise InvalidInput("since: must not be in the future", field="since")
    if start is None:
        local_end = end.astimezone(zone)
        first = (local_end - timedelta(microseconds=1)).date() - timedelta(
            days=DEFAULT_PERIOD_DAYS - 1
        )
        start = datetime.combine(first, time(), tzinfo=zone)
    return start, end


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def conditions(
    tenant_id: uuid.UUID,
    filters: CallFilters,
    start: datetime | None,
    end: datetime | None,
) -> list[ColumnElement[bool]]:
    """The WHERE clauses the filters make on `calls` (the tenant first: RLS is the second wall)."""
    where: list[ColumnElement[bool]] = [col(Call.tenant_id) == tenant_id]
    if start is not None:
        where.append(col(Call.started_at) >= start)
    if end is not None:
        where.append(col(Call.started_at) < end)
    if filters.agent_id is not None:
        where.append(col(Call.agent_id) == filters.agent_id)
    if filters.outcome is not None:
        where.append(col(Call.outcome) == filters.outcome)
    if filters.language is not None:
        where.append(sa.func.lower(col(Call.language)) == filters.language.lower())
    if filters.search:
        # One pass over the tenant's turns (a semi-join), not a look-up per call.
        said = col(Call.id).in_(
            sa.select(col(CallTurn.call_id)).where(
                col(CallTurn.tenant_id) == tenant_id,
                col(CallTurn.text).ilike(_like(filters.search), escape="\\"),
            )
        )
        either: list[ColumnElement[bool]] = [
            col(Call.from_number).ilike(_like(filters.search), escape="\\"),
            said,
        ]
        digits = re.sub(r"\D", "", filters.search)
        if PHONE_LIKE.match(filters.search) and len(digits) >= 3:
            either.append(
                sa.func.regexp_replace(col(Call.from_number), r"\D", "", "g").contains(digits)
            )
        where.append(sa.or_(*either))
    return where


# --- the list and one call --------------------------------------------------------------------


class CallPage(BaseModel):
    items: list[CallPublic]
    # Give it back as `cursor` for the next (older) page; None on the last page.
    next_cursor: str | None


def encode_cursor(started_at: datetime, call_id: uuid.UUID) -> str:
    raw = f"{started_at.astimezone(UTC).isoformat()}|{call_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, _, ident = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        started_at = datetime.fromisoformat(moment)
        if started_at.tzinfo is None:
            raise ValueError("naive")
        return started_at, uuid.UUID(ident)
    except (ValueError, UnicodeError):
        raise InvalidInput(
            "cursor: not a cursor this list gave; start again without one", field="cursor"
        ) from None


def list_calls(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters = CallFilters(),
    cursor: str | None = None,
    limit: int = DEFAULT_PAGE,
) -> CallPage:
    """Calls newest first, `limit` (at most MAX_PAGE) a page, keyset-paginated on
    (started_at, id): a page stays right while new calls arrive."""
    authorize(principal, tenant_id)
    limit = max(1, min(limit, MAX_PAGE))
    start, end = bounds(filters, tenant_zone(session, tenant_id))
    query = select(Call).where(*conditions(tenant_id, filters, start, end))
    if cursor:
        after_at, after_id = decode_cursor(cursor)
        query = query.where(
            sa.tuple_(col(Call.started_at), col(Call.id)) < sa.tuple_(after_at, after_id)
        )
    query = query.order_by(col(Call.started_at).desc(), col(Call.id).desc()).limit(limit + 1)
    rows = list(session.exec(query))
    more = len(rows) > limit
    rows = rows[:limit]
    items = [CallPublic.model_validate(row, from_attributes=True) for row in rows]
    last = rows[-1] if more and rows else None
    return CallPage(
        items=items, next_cursor=encode_cursor(last.started_at, last.id) if last else None
    )


def call_detail(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, call_id: uuid.UUID
) -> CallDetail:
    """One call in full: what each side said (the agent's turns with the facts used), the
    messages left, the transfer and the recording link. Another tenant's call is NotFound."""
    authorize(principal, tenant_id)
    call = session.get(Call, call_id)
    if call is None or call.tenant_id != tenant_id:
        raise NotFound("No such call")
    turns = session.exec(
        select(CallTurn)
        .where(CallTurn.call_id == call.id, CallTurn.tenant_id == tenant_id)
        .order_by(col(CallTurn.id))
    )
    left = session.exec(
        select(CallMessage)
        .where(CallMessage.call_id == call.id, CallMessage.tenant_id == tenant_id)
        .order_by(col(CallMessage.created_at))
    )
    summary = CallPublic.model_validate(call, from_attributes=True).model_dump()
    return CallDetail.model_validate(
        {
            **summary,
            "turns": [CallTurnPublic.model_validate(t, from_attributes=True) for t in turns],
            "messages": [CallMessagePublic.model_validate(m, from_attributes=True) for m in left],
        }
    )


# --- CSV --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A value as a spreadsheet will not run it as a formula (phone numbers stay as they are)."""
    if isinstance(value, str) and value[:1] in ("=", "@", "\t", "\r", "+", "-"):
        if value[:1] in "+-" and PHONE_LIKE.match(value):
            return value
        return "'" + value
    return value


def calls_csv(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters = CallFilters(),
) -> Iterator[str]:
    """The filtered calls as CSV text, header first, newest call first, in chunks of rows.

    Authorization and the filters are checked when this is called, so an error is raised
    before the first byte is sent; the rows are read from the database as they are streamed
    (keep the session open until the iterator ends). Times are in the tenant's time zone."""
    authorize(principal, tenant_id)
    zone = tenant_zone(session, tenant_id)
    start, end = bounds(filters, zone)
    return _csv_rows(session, tenant_id, filters, start, end, zone)


def _csv_rows(
    session: Session,
    tenant_id: uuid.UUID,
    filters: CallFilters,
    start: datetime | None,
    end: datetime | None,
    zone: ZoneInfo,
) -> Iterator[str]:
    query = (
        sa.select(
            col(Call.id),
            col(Call.started_at),
            col(Agent.name),
            col(Call.from_number),
            col(Call.to_number),
            col(Call.status),
            col(Call.outcome),
            col(Call.language),
            col(Call.duration_seconds),
            col(Call.transfer_to),
            col(Call.transfer_status),
            col(Call.recording_url),
        )
        .select_from(Call)
        .outerjoin(Agent, col(Agent.id) == col(Call.agent_id))
        .where(*conditions(tenant_id, filters, start, end))
        .order_by(col(Call.started_at).desc(), col(Call.id).desc())
        .execution_options(yield_per=CSV_BATCH)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield buffer.getvalue()
    for partition in session.execute(query).partitions(CSV_BATCH):
        # The counts for this batch of calls only: index look-ups whatever the table sizes.
        batch = [row[0] for row in partition]
        left = _counts(session, CallMessage, tenant_id, batch)
        said = _counts(session, CallTurn, tenant_id, batch, col(CallTurn.speaker) == "caller")
        buffer.seek(0)
        buffer.truncate()
        for row in partition:
            values = list(row)
            values[1] = values[1].astimezone(zone).isoformat()
            values += [left.get(row[0], 0), said.get(row[0], 0)]
            writer.writerow([_cell(v) if v is not None else "" for v in values])
        yield buffer.getvalue()


def _counts(
    session: Session,
    model: type[CallMessage] | type[CallTurn],
    tenant_id: uuid.UUID,
    calls: list[uuid.UUID],
    *where: ColumnElement[bool],
) -> dict[uuid.UUID, int]:
    """Rows of `model` per call, for these calls."""
    call_id = col(model.call_id)
    rows = session.execute(
        sa.select(call_id, sa.func.count())
        .where(col(model.tenant_id) == tenant_id, call_id.in_(calls), *where)
        .group_by(call_id)
    )
    return {found: int(n) for found, n in rows}


# --- figures ----------------------------------------------------------------------------------

# The sums every figure is made of: agent_daily_stats' columns, or the same over `calls`.
SUMS = rollups.FIELDS
FINAL = tuple(sorted(FINAL_STATUSES))


def reads_rollups(filters: CallFilters) -> bool:
    """Whether the figures for `filters` come from the daily rollups: whole days (a date or
    nothing for since and until) and no filter but an agent. Otherwise they are summed over
    `calls`, by the same rules."""
    whole_days = not isinstance(filters.since, datetime) and not isinstance(filters.until, datetime)
    return whole_days and not (filters.outcome or filters.language or filters.search)


def _days(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date]:
    """The first and last day of [start, end) in the tenant's calendar."""
    return start.astimezone(zone).date(), (end - timedelta(microseconds=1)).astimezone(zone).date()


def counted(
    tenant_id: uuid.UUID, filters: CallFilters, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    """The WHERE clauses on `calls` for the calls the figures count (as the rollups do: over,
    and taken by an agent)."""
    return [
        *conditions(tenant_id, filters, start, end),
        col(Call.agent_id).is_not(None),
        col(Call.status).in_(FINAL),
    ]


def _call_sums() -> list[ColumnElement[Any]]:
    """SUMS over `calls`, each call contributing what services/rollups.py counts for it."""
    duration, ended, started = col(Call.duration_seconds), col(Call.ended_at), col(Call.started_at)
    seconds = sa.case(
        (duration.is_not(None), sa.func.greatest(duration, 0)),
        (
            ended.is_not(None),
            sa.func.greatest(0, sa.func.floor(sa.extract("epoch", ended - started))),
        ),
        else_=0,
    )
    unanswered = col(Call.unanswered)
    questions = sa.case(
        (sa.func.jsonb_typeof(unanswered) == "array", sa.func.jsonb_array_length(unanswered)),
        else_=0,
    )
    sentiment = sa.func.round(sa.cast(col(Call.sentiment), sa.Numeric), 4)
    found: dict[str, ColumnElement[Any]] = {
        "calls": sa.func.count(),
        "seconds": sa.func.sum(seconds),
        **{name: sa.func.count().filter(col(Call.outcome) == name) for name in rollups.OUTCOMES},
        "sentiment_count": sa.func.count(col(Call.sentiment)),
        "satisfaction_sum": sa.func.sum(col(Call.satisfaction)),
        "satisfaction_count": sa.func.count(col(Call.satisfaction)),
        "after_hours": sa.func.count().filter(col(Call.after_hours).is_(True)),
        "unanswered": sa.func.sum(questions),
        "sentiment_sum": sa.func.sum(sentiment),
    }
    return [sa.func.coalesce(found[name], 0) for name in SUMS]


def _rollup_sums() -> list[ColumnElement[Any]]:
    return [sa.func.coalesce(sa.func.sum(col(getattr(AgentDailyStats, n))), 0) for n in SUMS]


def _sums(
    session: Session,
    tenant_id: uuid.UUID,
    filters: CallFilters,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    by: str | None = None,
) -> dict[Any, dict[str, Any]]:
    """SUMS for the counted calls of the period, as {key: {name: value}}: one entry (key
    None) when `by` is None, else one per agent ("agent") or day ("day") that had calls."""
    key: Any
    if reads_rollups(filters):
        first, last = _days(start, end, zone)
        where: list[ColumnElement[bool]] = [
            col(AgentDailyStats.tenant_id) == tenant_id,
            col(AgentDailyStats.day) >= first,
            col(AgentDailyStats.day) <= last,
        ]
        if filters.agent_id is not None:
            where.append(col(AgentDailyStats.agent_id) == filters.agent_id)
        key = {"agent": col(AgentDailyStats.agent_id), "day": col(AgentDailyStats.day)}.get(
            by or ""
        )
        sums = _rollup_sums()
    else:
        where = counted(tenant_id, filters, start, end)
        local_day = sa.cast(sa.func.timezone(zone.key, col(Call.started_at)), sa.Date)
        key = {"agent": col(Call.agent_id), "day": local_day}.get(by or "")
        sums = _call_sums()
    query = sa.select(*sums) if key is None else sa.select(key, *sums).group_by(key)
    found: dict[Any, dict[str, Any]] = {}
    for row in session.execute(query.where(*where)).all():
        ident, values = (None, tuple(row)) if key is None else (row[0], tuple(row)[1:])
        totals: dict[str, Any] = {n: int(v) for n, v in zip(SUMS, values, strict=True)}
        totals["sentiment_sum"] = Decimal(values[SUMS.index("sentiment_sum")])
        if key is None or totals["calls"]:
            found[ident] = totals
    return found


class DayVolume(BaseModel):
    day: date
    calls: int
    minutes: float


class VolumeSeries(BaseModel):
    time_zone: str
    since: datetime
    until: datetime
    days: list[DayVolume]


class Overview(BaseModel):
    tenant_id: uuid.UUID
    time_zone: str
    since: datetime
    until: datetime
    calls: int
    minutes: float
    average_duration_seconds: float | None
    answered: int
    transferred: int
    message: int
    abandoned: int
    spam: int
    unrouted: int
    # Every outcome seen, with its count ("none" for calls with no outcome yet), most first.
    outcomes: dict[str, int]
    # Calls that came while the business was closed (the analysis marks each, by the agent's
    # knowledge-base hours); None when none of the agents has weekly hours.
    after_hours: int | None
    # The callers' average sentiment (-1..1) and satisfaction (1..5) over the calls analysed;
    # None when none was.
    sentiment_average: float | None
    satisfaction_average: float | None
    # Questions callers asked that the agent could not answer.
    unanswered_questions: int


class AgentPerformance(BaseModel):
    agent_id: uuid.UUID | None
    agent_name: str
    calls: int
    minutes: float
    average_duration_seconds: float | None
    # outcome -> share of the agent's calls, 0..1, most first ("none": no outcome yet).
    outcome_shares: dict[str, float]
    after_hours: int
    sentiment_average: float | None
    satisfaction_average: float | None
    unanswered_questions: int


class Performance(BaseModel):
    time_zone: str
    since: datetime
    until: datetime
    agents: list[AgentPerformance]


def _minutes(seconds: Any) -> float:
    return round(float(seconds or 0) / 60.0, 1)


def _ratio(total: Any, count: int, places: int) -> float | None:
    return round(float(Decimal(total) / count), places) if count else None


def _outcomes(sums: dict[str, Any]) -> dict[str, int]:
    """Outcome -> calls, most first (ties by name); calls with none (or one not counted as an
    outcome) are "none"."""
    seen = {name: sums[name] for name in rollups.OUTCOMES if sums[name]}
    if sums["calls"] > sum(seen.values()):
        seen["none"] = sums["calls"] - sum(seen.values())
    return dict(sorted(seen.items(), key=lambda item: (-item[1], item[0])))


def volume_series(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters = CallFilters(),
    now: datetime | None = None,
) -> VolumeSeries:
    """Calls and minutes per day, days in the tenant's time zone, every day of the period
    present (zero when quiet). The period defaults to the last DEFAULT_PERIOD_DAYS days."""
    authorize(principal, tenant_id)
    zone = tenant_zone(session, tenant_id)
    start, end = period(filters, zone, now=now)
    first, last = _days(start, end, zone)
    if (last - first).days + 1 > MAX_SERIES_DAYS:
        raise InvalidInput(f"since: a series covers at most {MAX_SERIES_DAYS} days", field="since")
    found = _sums(session, tenant_id, filters, zone, start, end, by="day")
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        sums = found.get(day)
        days.append(
            DayVolume(
                day=day,
                calls=sums["calls"] if sums else 0,
                minutes=_minutes(sums["seconds"] if sums else 0),
            )
        )
    return VolumeSeries(time_zone=zone.key, since=start, until=end, days=days)


def overview(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters = CallFilters(),
    now: datetime | None = None,
) -> Overview:
    """Totals for a period (default: the last DEFAULT_PERIOD_DAYS days)."""
    authorize(principal, tenant_id)
    zone = tenant_zone(session, tenant_id)
    start, end = period(filters, zone, now=now)
    sums = _sums(session, tenant_id, filters, zone, start, end)[None]
    calls = sums["calls"]
    return Overview(
        tenant_id=tenant_id,
        time_zone=zone.key,
        since=start,
        until=end,
        calls=calls,
        minutes=_minutes(sums["seconds"]),
        average_duration_seconds=_ratio(sums["seconds"], calls, 1),
        answered=sums["answered"],
        transferred=sums["transferred"],
        message=sums["message"],
        abandoned=sums["abandoned"],
        spam=sums["spam"],
        unrouted=sums["unrouted"],
        outcomes=_outcomes(sums),
        after_hours=sums["after_hours"] if _keeps_hours(session, tenant_id) else None,
        sentiment_average=_ratio(sums["sentiment_sum"], sums["sentiment_count"], 3),
        satisfaction_average=_ratio(sums["satisfaction_sum"], sums["satisfaction_count"], 2),
        unanswered_questions=sums["unanswered"],
    )


def _keeps_hours(session: Session, tenant_id: uuid.UUID) -> bool:
    """Whether one of the tenant's agents has weekly hours in its knowledge base (without
    them, the analysis cannot tell a call after hours)."""
    weekly = col(KnowledgeRecord.document)[("categories", "hours", "weekly")]
    found = session.execute(
        sa.select(col(KnowledgeRecord.agent_id))
        .where(
            col(KnowledgeRecord.tenant_id) == tenant_id,
            sa.func.jsonb_typeof(weekly) == "object",
        )
        .limit(1)
    ).first()
    return found is not None


def performance(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters = CallFilters(),
    now: datetime | None = None,
) -> Performance:
    """Per agent, busiest first: calls, minutes, average duration, outcome shares, after-hours
    calls, sentiment and satisfaction averages and unanswered questions for the period
    (default: the last DEFAULT_PERIOD_DAYS days)."""
    authorize(principal, tenant_id)
    zone = tenant_zone(session, tenant_id)
    start, end = period(filters, zone, now=now)
    found = _sums(session, tenant_id, filters, zone, start, end, by="agent")
    names = dict(
        session.execute(
            sa.select(col(Agent.id), col(Agent.name)).where(
                col(Agent.tenant_id) == tenant_id, col(Agent.id).in_(list(found))
            )
        ).all()
    )
    agents = []
    for agent_id, sums in found.items():
        calls = sums["calls"]
        agents.append(
            AgentPerformance(
                agent_id=agent_id,
                agent_name=names.get(agent_id, "(deleted agent)"),
                calls=calls,
                minutes=_minutes(sums["seconds"]),
                average_duration_seconds=_ratio(sums["seconds"], calls, 1),
                outcome_shares={name: round(n / calls, 4) for name, n in _outcomes(sums).items()},
                after_hours=sums["after_hours"],
                sentiment_average=_ratio(sums["sentiment_sum"], sums["sentiment_count"], 3),
                satisfaction_average=_ratio(
                    sums["satisfaction_sum"], sums["satisfaction_count"], 2
                ),
                unanswered_questions=sums["unanswered"],
            )
        )
    agents.sort(key=lambda a: (-a.calls, a.agent_name, str(a.agent_id)))
    return Performance(time_zone=zone.key, since=start, until=end, agents=agents)
