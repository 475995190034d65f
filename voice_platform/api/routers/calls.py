"""The call log (list, one call, CSV export) and the analytics read models, for the caller's
own business. Filters are the same everywhere: since/until (a date, or a date and time),
agent_id, outcome, language, and on the log a search of caller numbers and words said."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.models import CallDetail
from voice_platform.services import call_log
from voice_platform.services.call_log import CallFilters
from voice_platform.services.principal import Principal, authorize, require_tenant

router = APIRouter(tags=["calls"])
analytics = APIRouter(prefix="/analytics", tags=["analytics"])

READ = "**Auth:** any member of the business, or its API keys (staff: impersonate it first)."
PERIOD = (
    " The period is `since`..`until` (dates are whole days in the business's time zone), "
    f"by default the last {call_log.DEFAULT_PERIOD_DAYS} days."
)

Since = Annotated[
    str | None,
    Query(description="From this date (2026-03-01) or instant (2026-03-01T09:00:00Z), inclusive."),
]
Until = Annotated[
    str | None,
    Query(description="Up to this date (inclusive) or instant (exclusive)."),
]
AgentId = Annotated[str | None, Query(description="Only this agent's calls.")]
Outcome = Annotated[str | None, Query(description=f"One of {', '.join(call_log.OUTCOMES)}.")]
Language = Annotated[str | None, Query(description="A language tag, such as en-US.")]
Search = Annotated[
    str | None, Query(description="Part of the caller's number, or words said in the call.")
]


def period_filters(
    since: Since = None,
    until: Until = None,
    agent_id: AgentId = None,
    outcome: Outcome = None,
    language: Language = None,
) -> CallFilters:
    """The filters every read here takes, checked (a bad one answers 422 naming it)."""
    return CallFilters.parse(
        since=since, until=until, agent_id=agent_id, outcome=outcome, language=language
    )


def log_filters(
    period: Annotated[CallFilters, Depends(period_filters)], search: Search = None
) -> CallFilters:
    """The period filters, and for the log and its CSV a search."""
    return replace(period, search=CallFilters.parse(search=search).search)


PeriodFilters = Annotated[CallFilters, Depends(period_filters)]
LogFilters = Annotated[CallFilters, Depends(log_filters)]


@router.get(
    "/calls",
    response_model=call_log.CallPage,
    summary="Calls, newest first, a page at a time",
    description=READ + " Pass `next_cursor` back as `cursor` for the next page.",
)
def list_calls(
    principal: PrincipalDep,
    filters: LogFilters,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=call_log.MAX_PAGE)] = call_log.DEFAULT_PAGE,
) -> call_log.CallPage:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return call_log.list_calls(
            s, principal=principal, tenant_id=tenant_id, filters=filters, cursor=cursor, limit=limit
        )


@router.get(
    "/calls.csv",
    summary="Calls as CSV (same filters as the list)",
    description=READ + " Columns: " + ", ".join(call_log.CSV_COLUMNS) + ".",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def calls_csv(
    principal: PrincipalDep,
    filters: LogFilters,
) -> StreamingResponse:
    tenant_id = require_tenant(principal)
    chunks = _csv(principal, tenant_id, filters)
    # Errors (authorization, filters) surface here, before the response starts.
    first = next(chunks)
    name = f"calls-{datetime.now(UTC):%Y-%m-%d}.csv"
    return StreamingResponse(
        itertools.chain([first], chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _csv(principal: Principal, tenant_id: uuid.UUID, filters: CallFilters) -> Iterator[str]:
    with tenant_session(tenant_id) as s:
        yield from call_log.calls_csv(s, principal=principal, tenant_id=tenant_id, filters=filters)


@router.get(
    "/calls/{call_id}",
    response_model=CallDetail,
    summary="One call: transcript (with the facts each answer used), messages, recording",
    description=READ,
)
def get_call(call_id: uuid.UUID, principal: PrincipalDep) -> CallDetail:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return call_log.call_detail(s, principal=principal, tenant_id=tenant_id, call_id=call_id)


@analytics.get(
    "/calls",
    response_model=call_log.VolumeSeries,
    summary="Calls and minutes per day",
    description=READ + PERIOD,
)
def volume(
    principal: PrincipalDep,
    filters: PeriodFilters,
) -> call_log.VolumeSeries:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return call_log.volume_series(s, principal=principal, tenant_id=tenant_id, filters=filters)


@analytics.get(
    "/performance",
    response_model=call_log.Performance,
    summary="Per agent: calls, minutes, average duration, outcome shares, sentiment, "
    "satisfaction, after-hours calls, unanswered questions",
    description=READ + PERIOD,
)
def performance(
    principal: PrincipalDep,
    filters: PeriodFilters,
) -> call_log.Performance:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return call_log.performance(s, principal=principal, tenant_id=tenant_id, filters=filters)


# Declared after the fixed paths above, which it would otherwise shadow.
@analytics.get(
    "/{tenant_id}",
    response_model=call_log.Overview,
    summary="Totals for a period: calls, minutes, outcomes, sentiment, satisfaction, "
    "after-hours calls, unanswered questions",
    description=READ + " Another business's id answers 404." + PERIOD,
)
def overview(
    tenant_id: uuid.UUID,
    principal: PrincipalDep,
    filters: PeriodFilters,
) -> call_log.Overview:
    # Callers' numbers and calls are the business's: staff read them only while impersonating.
    require_tenant(principal)
    authorize(principal, tenant_id)
    with tenant_session(tenant_id) as s:
        return call_log.overview(s, principal=principal, tenant_id=tenant_id, filters=filters)
