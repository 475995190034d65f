"""The dashboard's figures on the embedded PostgreSQL: day by day from the rollups, busy hours,
durations, topics and ROI from the calls, each counting the same calls; the REST routes, their
filters and the tenant wall; and the ROI settings on the business."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Servers
from tests.integration.test_analytics import seed
from voice_platform.api import create_api
from voice_platform.config import get_settings
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import Call, Membership, Role, Tenant, User
from voice_platform.services import dashboard, rollups
from voice_platform.services.dashboard import DashboardFilters
from voice_platform.services.errors import InvalidInput, NotFound
from voice_platform.services.principal import Principal
from voice_platform.services.security import issue_access_token

# Chicago is UTC-6 in November: 15:00 UTC is 09:00 there.
NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
WEEK = DashboardFilters(since=date(2026, 11, 21), until=date(2026, 11, 27))


def ended(tenant_id: uuid.UUID, agent_id: uuid.UUID | None, **fields: Any) -> uuid.UUID:
    """A finished, analysed call, counted in the rollups as the analysis job would."""
    values: dict[str, Any] = {
        "status": "completed",
        "duration_seconds": 90,
        "outcome": "answered",
        "sentiment": 0.5,
        "satisfaction": 4,
        "topics": ["hours"],
        "unanswered": [],
        "after_hours": False,
        "started_at": datetime(2026, 11, 26, 15, 0, tzinfo=UTC),
    } | fields
    with tenant_session(tenant_id) as session:
        call = Call(
            tenant_id=tenant_id, agent_id=agent_id, call_sid=f"CA{uuid.uuid4().hex}", **values
        )
        session.add(call)
        session.flush()
        rollups.apply(session, call, time_zone="America/Chicago")
        return call.id


def owner(tenant_id: uuid.UUID) -> Principal:
    return Principal(tenant_id=tenant_id, role=Role.OWNER)


def read(query: Any, tenant_id: uuid.UUID, filters: DashboardFilters = WEEK) -> Any:
    with tenant_session(tenant_id) as session:
        return query(
            session, principal=owner(tenant_id), tenant_id=tenant_id, filters=filters, now=NOW
        )


@pytest.fixture
def business(db: Servers) -> dict[str, Any]:
    tenant_id, (desk, night) = seed(agents=2)
    ended(tenant_id, desk)  # Thu 26th, 09:00 Chicago
    ended(
        tenant_id,
        desk,
        outcome="message",
        duration_seconds=200,
        sentiment=-0.5,
        satisfaction=2,
        topics=["booking", "message"],
        unanswered=["Do you do implants?"],
        started_at=datetime(2026, 11, 24, 3, 30, tzinfo=UTC),  # Mon 23rd, 21:30 Chicago
        after_hours=True,
    )
    ended(
        tenant_id,
        night,
        outcome="answered",
        duration_seconds=20,
        topics=["booking", "pricing"],
        started_at=datetime(2026, 11, 27, 16, 45, tzinfo=UTC),  # Fri 27th, 10:45
    )
    ended(tenant_id, night, outcome="abandoned", duration_seconds=5, sentiment=None, topics=[])
    # Not counted anywhere: still going, no agent, and before the period.
    ended(tenant_id, desk, status="in-progress")
    ended(tenant_id, None, outcome="unrouted")
    ended(tenant_id, desk, started_at=datetime(2026, 11, 1, 15, 0, tzinfo=UTC))
    return {"tenant": tenant_id, "desk": desk, "night": night}


def test_day_by_day_comes_from_the_rollups_with_quiet_days_as_zeros(
    business: dict[str, Any],
) -> None:
    series = read(dashboard.daily, business["tenant"])
    assert [d.day for d in series.days] == [date(2026, 11, 21) + timedelta(n) for n in range(7)]
    by_day = {d.day: d for d in series.days}
    assert by_day[date(2026, 11, 26)].calls == 2
    assert by_day[date(2026, 11, 26)].outcomes["abandoned"] == 1
    assert by_day[date(2026, 11, 23)].after_hours == 1
    assert by_day[date(2026, 11, 23)].unanswered == 1
    assert by_day[date(2026, 11, 22)].calls == 0
    assert by_day[date(2026, 11, 22)].sentiment is None
    kpis = dashboard.kpis_of(series)
    assert kpis.calls == 4
    assert kpis.outcomes["answered"] == 2
    assert kpis.outcomes["message"] == 1
    assert kpis.handled_share == 0.75
    # Sentiment over the three analysed calls (0.5, -0.5, 0.5); the abandoned one had none.
    assert kpis.sentiment == pytest.approx(0.167, abs=0.001)
    assert kpis.minutes == pytest.approx((90 + 200 + 20 + 5) / 60, abs=0.15)


def test_an_agent_filter_narrows_every_figure(business: dict[str, Any]) -> None:
    only = DashboardFilters(since=WEEK.since, until=WEEK.until, agent_id=business["night"])
    assert dashboard.kpis_of(read(dashboard.daily, business["tenant"], only)).calls == 2
    assert sum(map(sum, read(dashboard.heatmap, business["tenant"], only).counts)) == 2
    assert read(dashboard.roi, business["tenant"], only).calls == 2


def test_busy_hours_are_on_the_business_clock(business: dict[str, Any]) -> None:
    grid = read(dashboard.heatmap, business["tenant"])
    assert grid.weekdays[0] == "Mon"
    assert len(grid.counts) == 7
    assert len(grid.counts[0]) == 24
    assert grid.counts[3][9] == 2  # Thursday 09:00 Chicago
    assert grid.counts[0][21] == 1  # Monday 21:30
    assert grid.counts[4][10] == 1  # Friday 10:45
    assert sum(map(sum, grid.counts)) == 4


def test_durations_fall_into_bands(business: dict[str, Any]) -> None:
    found = read(dashboard.durations, business["tenant"])
    bars = {bar.label: bar.calls for bar in found.bars}
    assert bars == {
        "0s-30s": 2,
        "30s-1m": 0,
        "1m-2m": 1,
        "2m-3m": 0,
        "3m-5m": 1,
        "5m-10m": 0,
        "10m+": 0,
    }
    assert found.median_seconds == pytest.approx(55.0)


def test_top_topics_leave_out_what_happened(business: dict[str, Any]) -> None:
    found = read(dashboard.topics, business["tenant"])
    assert [(t.topic, t.calls) for t in found.topics] == [
        ("booking", 2),
        ("hours", 1),
        ("pricing", 1),
    ]


def test_roi_without_settings_counts_calls_and_the_platform_default_cost(
    business: dict[str, Any],
) -> None:
    found = read(dashboard.roi, business["tenant"])
    assert (found.calls, found.calls_answered, found.after_hours_caught) == (4, 3, 1)
    assert found.booked_calls == 2
    assert found.staff_minutes_saved == pytest.approx((90 + 200 + 20) / 60, abs=0.05)
    per_minute = Decimal(str(get_settings().call_cost_per_minute))
    assert found.cost_per_minute == per_minute
    assert per_minute == Decimal("0.1")  # the default, so: 315 s at 0.10, rounded half up
    assert found.platform_cost == Decimal("0.53")
    assert found.booked_value is None
    assert found.staff_cost_saved is None
    assert found.value_generated == Decimal("0.00")
    assert found.net_value == -found.platform_cost


def test_roi_values_calls_with_the_owners_settings(business: dict[str, Any]) -> None:
    with platform_session("test") as session:
        tenant = session.get(Tenant, business["tenant"])
        assert tenant is not None
        tenant.currency = "EUR"
        tenant.booked_call_value = Decimal("80.00")
        tenant.receptionist_hourly_cost = Decimal("24.00")
        tenant.cost_per_minute = Decimal("0.0600")
    found = read(dashboard.roi, business["tenant"])
    assert found.currency == "EUR"
    assert found.booked_value == Decimal("160.00")
    # 310 seconds alone on the phone at 24 an hour.
    assert found.staff_cost_saved == Decimal("2.07")
    assert found.platform_cost == Decimal("0.32")  # 315 s at 0.06 a minute
    assert found.value_generated == Decimal("162.07")
    assert found.net_value == Decimal("161.75")


def test_the_whole_dashboard_agrees_with_itself(business: dict[str, Any]) -> None:
    found = read(dashboard.dashboard, business["tenant"])
    assert found.kpis.calls == found.roi.calls == sum(map(sum, found.heatmap.counts))
    assert found.kpis.calls == sum(bar.calls for bar in found.durations.bars)


def test_the_default_period_is_the_thirty_days_up_to_today(business: dict[str, Any]) -> None:
    series = read(dashboard.daily, business["tenant"], DashboardFilters())
    assert (series.first, series.last) == (date(2026, 10, 29), date(2026, 11, 27))
    assert dashboard.kpis_of(series).calls == 5  # the call of the 1st now counts too


def test_bad_periods_are_refused_with_the_field_named(business: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as backwards:
        read(
            dashboard.daily,
            business["tenant"],
            DashboardFilters(since=date(2026, 11, 27), until=date(2026, 11, 1)),
        )
    assert backwards.value.field == "since"
    with pytest.raises(InvalidInput):
        read(dashboard.daily, business["tenant"], DashboardFilters(since=date(2020, 1, 1)))
    with pytest.raises(InvalidInput) as bad:
        DashboardFilters.parse(since="27/11/2026")
    assert bad.value.field == "since"
    with pytest.raises(InvalidInput):
        DashboardFilters.parse(agent_id="desk")


def test_another_business_is_refused(business: dict[str, Any], db: Servers) -> None:
    other, _ = seed()
    for query in dashboard.QUERIES.values():
        with tenant_session(business["tenant"]) as session, pytest.raises(NotFound):
            query(session, principal=owner(other), tenant_id=business["tenant"], filters=WEEK)


def bearer(tenant_id: uuid.UUID) -> dict[str, str]:
    with platform_session("test seed") as session:
        user = User(email=f"o-{uuid.uuid4().hex[:6]}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        session.add(Membership(tenant_id=tenant_id, user_id=user.id, role=Role.OWNER))
        user_id = user.id
    token, _ = issue_access_token(
        get_settings(), user_id=user_id, tenant_id=tenant_id, role="owner", is_staff=False
    )
    return {"Authorization": f"Bearer {token}"}


def test_the_routes_answer_for_the_callers_business_only(business: dict[str, Any]) -> None:
    client = TestClient(create_api())
    mine = bearer(business["tenant"])
    other, _ = seed()
    theirs = bearer(other)
    days = {"since": "2026-11-21", "until": "2026-11-27"}
    answer = client.get("/api/analytics/dashboard", params=days, headers=mine)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["kpis"]["calls"] == 4
    assert body["roi"]["booked_calls"] == 2
    assert len(body["heatmap"]["counts"]) == 7
    assert (
        client.get("/api/analytics/dashboard", params=days, headers=theirs).json()["kpis"]["calls"]
        == 0
    )
    roi = client.get(
        "/api/analytics/roi", params=days | {"agent_id": str(business["night"])}, headers=mine
    )
    assert roi.status_code == 200
    assert roi.json()["calls"] == 2
    # Another business's agent filters to nothing: its calls stay behind the wall.
    assert (
        client.get(
            "/api/analytics/roi", params=days | {"agent_id": str(business["desk"])}, headers=theirs
        ).json()["calls"]
        == 0
    )
    bad = client.get("/api/analytics/dashboard", params={"since": "yesterday"}, headers=mine)
    assert bad.status_code == 422
    assert "since" in bad.text


def test_the_owner_sets_the_roi_settings(business: dict[str, Any]) -> None:
    client = TestClient(create_api())
    mine = bearer(business["tenant"])
    path = f"/api/tenants/{business['tenant']}"
    saved = client.put(
        path,
        json={"currency": "eur", "booked_call_value": "120", "receptionist_hourly_cost": 22.5},
        headers=mine,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["currency"] == "EUR"
    assert Decimal(saved.json()["booked_call_value"]) == Decimal("120")
    for wrong in (
        {"booked_call_value": -5},
        {"cost_per_minute": "a lot"},
        {"currency": "EURO"},
        {"currency": "E1R"},
        {"receptionist_hourly_cost": "12.345"},
    ):
        refused = client.put(path, json=wrong, headers=mine)
        assert refused.status_code == 422, (wrong, refused.text)
    roi = client.get("/api/analytics/roi", params={"since": "2026-11-21"}, headers=mine).json()
    assert roi["currency"] == "EUR"
    assert Decimal(roi["booked_value"]) == Decimal("240.00")
