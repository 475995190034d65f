"""The dashboard's figures over REST, for the caller's own business: everything the page shows
at once, and the ROI figures alone. Periods are whole days of the business's calendar."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.services import dashboard
from voice_platform.services.dashboard import DashboardFilters
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/analytics", tags=["analytics"])

READ = "**Auth:** any member of the business, or its API keys (staff: impersonate it first)."
DAYS = (
    " The period is the days `since`..`until`, both included, in the business's time zone; "
    f"by default the {dashboard.DEFAULT_DAYS} days up to today. Only calls that are over and "
    "that an agent took are counted."
)


def dashboard_filters(
    since: Annotated[str | None, Query(description="First day, such as 2026-03-01.")] = None,
    until: Annotated[str | None, Query(description="Last day (included).")] = None,
    agent_id: Annotated[str | None, Query(description="Only this agent's calls.")] = None,
    days: Annotated[
        int | None, Query(description="Without `since`: this many days up to `until` or today.")
    ] = None,
) -> DashboardFilters:
    """The days and agent, checked (a bad one answers 422 naming it)."""
    return DashboardFilters.parse(since=since, until=until, agent_id=agent_id, days=days)


Filters = Annotated[DashboardFilters, Depends(dashboard_filters)]


@router.get(
    "/dashboard",
    response_model=dashboard.Dashboard,
    summary="Every dashboard figure: totals, days, busy hours, durations, topics, ROI",
    description=READ + DAYS,
)
def get_dashboard(principal: PrincipalDep, filters: Filters) -> dashboard.Dashboard:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return dashboard.dashboard(s, principal=principal, tenant_id=tenant_id, filters=filters)


@router.get(
    "/roi",
    response_model=dashboard.Roi,
    summary="What the calls were worth: answered, after hours, booked, staff time, cost",
    description=READ
    + DAYS
    + " Values use the business's settings (booked call value, receptionist hourly cost, "
    "cost per minute) and are null where one is not set.",
)
def get_roi(principal: PrincipalDep, filters: Filters) -> dashboard.Roi:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return dashboard.roi(s, principal=principal, tenant_id=tenant_id, filters=filters)
