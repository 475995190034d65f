"""The call log and the figures drawn from it: a filtered, paginated list of calls, one call in
full (turns with the facts each answer used, messages, recording), a CSV export, and the
analytics read models (overview, daily volume, per-agent performance).

Everything here reads the columns a call has had from the start (status, outcome, language,
started_at, duration_seconds, agent_id, channel, transfer and recording), aggregated in SQL
over the `calls` table. The signatures are the contract the routes and pages rely on: when
per-agent daily rollups exist, `volume_series`, `overview` and `performance` can read them
instead, behind the same arguments and results.

Periods: a bare date means a whole day in the tenant's time zone (`tenants.time_zone`);
`since` is inclusive, a date given as `until` includes that day, a date and time given as
`until` is exclusive. A date and time without an offset is read in the tenant's time zone.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import (
    Agent,
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
    # Every outcome seen, with its count ("none" for calls with no outcome yet).
    outcomes: dict[str, int]
    # Calls that came while the business was closed, by its knowledge base's weekly hours;
    # None when none of the agents has weekly hours.
    after_hours: int | None


class AgentPerformance(BaseModel):
    agent_id: uuid.UUID | None
    agent_name: str
    calls: int
    minutes: float
    average_duration_seconds: float | None
    # outcome -> share of the agent's calls, 0..1.
    outcome_shares: dict[str, float]


class Performance(BaseModel):
    time_zone: str
    since: datetime
    until: datetime
    agents: list[AgentPerformance]


def _minutes(seconds: Any) -> float:
    return round(float(seconds or 0) / 60.0, 1)


def _average(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


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
    first = start.astimezone(zone).date()
    last = (end.astimezone(zone) - timedelta(microseconds=1)).date()
    if (last - first).days + 1 > MAX_SERIES_DAYS:
        raise InvalidInput(f"since: a series covers at most {MAX_SERIES_DAYS} days", field="since")
    local_day = sa.cast(sa.func.timezone(zone.key, col(Call.started_at)), sa.Date).label("day")
    rows = session.execute(
        sa.select(
            local_day,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(col(Call.duration_seconds)), 0),
        )
        .where(*conditions(tenant_id, filters, start, end))
        .group_by(local_day)
    ).all()
    found = {day: (int(n), _minutes(seconds)) for day, n, seconds in rows}
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        calls, minutes = found.get(day, (0, 0.0))
        days.append(DayVolume(day=day, calls=calls, minutes=minutes))
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
    where = conditions(tenant_id, filters, start, end)
    total, seconds, average = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(col(Call.duration_seconds)), 0),
            sa.func.avg(col(Call.duration_seconds)),
        ).where(*where)
    ).one()
    outcome = sa.func.coalesce(col(Call.outcome), "none")
    outcomes = {
        str(name): int(n)
        for name, n in session.execute(
            sa.select(outcome, sa.func.count()).where(*where).group_by(outcome)
        ).all()
    }
    return Overview(
        tenant_id=tenant_id,
        time_zone=zone.key,
        since=start,
        until=end,
        calls=int(total),
        minutes=_minutes(seconds),
        average_duration_seconds=_average(average),
        answered=outcomes.get(CallOutcome.ANSWERED.value, 0),
        transferred=outcomes.get(CallOutcome.TRANSFERRED.value, 0),
        message=outcomes.get(CallOutcome.MESSAGE.value, 0),
        abandoned=outcomes.get(CallOutcome.ABANDONED.value, 0),
        outcomes=dict(sorted(outcomes.items(), key=lambda item: -item[1])),
        after_hours=_after_hours(session, tenant_id, where, zone),
    )


def _after_hours(
    session: Session, tenant_id: uuid.UUID, where: Sequence[ColumnElement[bool]], zone: ZoneInfo
) -> int | None:
    """Calls that came while their agent's business was closed, by its weekly hours."""
    from voice_platform.conversation.dialogue import is_open

    hours: dict[uuid.UUID, tuple[KnowledgeBase, ZoneInfo]] = {}
    for agent_id, document, agent_zone in session.execute(
        sa.select(
            col(KnowledgeRecord.agent_id), col(KnowledgeRecord.document), col(Agent.time_zone)
        )
        .join(Agent, col(Agent.id) == col(KnowledgeRecord.agent_id))
        .where(col(KnowledgeRecord.tenant_id) == tenant_id)
    ):
        weekly = ((document or {}).get("categories") or {}).get("hours") or {}
        if not weekly.get("weekly"):
            continue
        try:
            kb = KnowledgeBase.model_validate(document)
        except ValueError:
            continue
        here = zone_of(kb.categories.hours.time_zone or agent_zone or zone.key)
        hours[agent_id] = (kb, here)
    if not hours:
        return None
    closed = 0
    rows = session.execute(
        sa.select(col(Call.agent_id), col(Call.started_at))
        .where(*where, col(Call.agent_id).in_(list(hours)))
        .execution_options(yield_per=2000)
    )
    for agent_id, started_at in rows:
        kb, here = hours[agent_id]
        if is_open(kb, started_at.astimezone(here)) is False:
            closed += 1
    return closed


def performance(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    filters: CallFilters = CallFilters(),
    now: datetime | None = None,
) -> Performance:
    """Per agent, busiest first: calls, minutes, average duration and outcome shares for the
    period (default: the last DEFAULT_PERIOD_DAYS days). Calls no agent took are one row with
    no agent id."""
    authorize(principal, tenant_id)
    zone = tenant_zone(session, tenant_id)
    start, end = period(filters, zone, now=now)
    where = conditions(tenant_id, filters, start, end)
    outcome = sa.func.coalesce(col(Call.outcome), "none")
    rows = session.execute(
        sa.select(
            col(Call.agent_id),
            outcome,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(col(Call.duration_seconds)), 0),
        )
        .where(*where)
        .group_by(col(Call.agent_id), outcome)
    ).all()
    names = dict(
        session.execute(
            sa.select(col(Agent.id), col(Agent.name)).where(col(Agent.tenant_id) == tenant_id)
        ).all()
    )
    averages = dict(
        session.execute(
            sa.select(col(Call.agent_id), sa.func.avg(col(Call.duration_seconds)))
            .where(*where)
            .group_by(col(Call.agent_id))
        ).all()
    )
    per_agent: dict[uuid.UUID | None, dict[str, tuple[int, float]]] = {}
    for agent_id, name, n, seconds in rows:
        per_agent.setdefault(agent_id, {})[str(name)] = (int(n), float(seconds or 0))
    agents = []
    for agent_id, by_outcome in per_agent.items():
        calls = sum(n for n, _ in by_outcome.values())
        seconds = sum(s for _, s in by_outcome.values())
        agents.append(
            AgentPerformance(
                agent_id=agent_id,
                agent_name=names.get(agent_id, "(deleted agent)") if agent_id else "(no agent)",
                calls=calls,
                minutes=_minutes(seconds),
                average_duration_seconds=_average(averages.get(agent_id)),
                outcome_shares={
                    name: round(n / calls, 4)
                    for name, (n, _) in sorted(by_outcome.items(), key=lambda item: -item[1][0])
                },
            )
        )
    agents.sort(key=lambda a: (-a.calls, a.agent_name))
    return Performance(time_zone=zone.key, since=start, until=end, agents=agents)
