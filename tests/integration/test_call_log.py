"""The call log and analytics API: filters, keyset pagination, one call in full, the CSV
export, the daily series in the business's time zone, the overview and per-agent figures, and
that another business never sees any of it."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from tests.conftest import Servers
from voice_platform.api import create_api
from voice_platform.config import get_settings
from voice_platform.db import owner_engine, platform_session, tenant_session
from voice_platform.models import (
    Agent,
    Call,
    CallMessage,
    CallTurn,
    KnowledgeRecord,
    Membership,
    Role,
    Tenant,
    User,
)
from voice_platform.services import call_log, rollups
from voice_platform.services.call_log import CallFilters
from voice_platform.services.demo_calls import demo_hours
from voice_platform.services.principal import Principal
from voice_platform.services.security import issue_access_token

# Monday 2 March 2026; New York is UTC-5 then.
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


@dataclass
class World:
    api: TestClient
    a: uuid.UUID
    b: uuid.UUID
    front: uuid.UUID
    night: uuid.UUID
    b_agent: uuid.UUID
    headers: dict[str, dict[str, str]]
    calls: dict[str, uuid.UUID] = field(default_factory=dict)

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.api.get(path, params=params, headers=self.headers[who])


def _call(tenant: uuid.UUID, agent: uuid.UUID | None, started: datetime, **values: Any) -> Call:
    values.setdefault("status", "completed")
    return Call(
        tenant_id=tenant,
        agent_id=agent,
        call_sid=f"CA{uuid.uuid4().hex}",
        started_at=started,
        to_number="+15125550100",
        **values,
    )


@pytest.fixture
def world(db: Servers) -> World:
    a, b = uuid.uuid4(), uuid.uuid4()
    users = {name: uuid.uuid4() for name in ("ann", "bob", "staff")}
    front, night, b_agent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    calls: dict[str, uuid.UUID] = {}
    with platform_session("test seed") as s:
        s.add(Tenant(id=a, slug="alpha", name="Alpha Dental", time_zone="America/New_York"))
        s.add(Tenant(id=b, slug="bravo", name="Bravo Plumbing"))
        for name, user_id in users.items():
            s.add(
                User(
                    id=user_id,
                    email=f"{name}@example.com",
                    password_hash="x",
                    is_staff=name == "staff",
                )
            )
        s.flush()
        s.add(Membership(tenant_id=a, user_id=users["ann"], role=Role.MEMBER))
        s.add(Membership(tenant_id=b, user_id=users["bob"], role=Role.OWNER))
        s.add(Agent(id=front, tenant_id=a, name="Front desk", time_zone="America/New_York"))
        s.add(Agent(id=night, tenant_id=a, name="Night line"))
        s.add(Agent(id=b_agent, tenant_id=b, name="Bravo desk"))
        s.flush()
        hours = demo_hours("America/New_York").model_dump(mode="json")
        s.add(KnowledgeRecord(agent_id=front, tenant_id=a, document=hours))
        rows = {
            # 9:30 in New York on Monday: open.
            "monday_morning": _call(
                a,
                front,
                MONDAY + timedelta(hours=14, minutes=30),
                from_number="+12125550101",
                outcome="answered",
                duration_seconds=120,
                recording_url="https://api.twilio.com/rec/RE1",
            ),
            # 10 pm in New York on Monday: after hours, and already Tuesday in UTC.
            "monday_night": _call(
                a,
                front,
                MONDAY + timedelta(hours=27),
                from_number="+13475550102",
                outcome="message",
                duration_seconds=90,
                after_hours=True,
            ),
            "tuesday_spanish": _call(
                a,
                night,
                MONDAY + timedelta(days=1, hours=15),
                from_number="+16465550103",
                outcome="transferred",
                language="es-US",
                duration_seconds=200,
                transfer_to="+15125550199",
                transfer_status="completed",
            ),
            "wednesday_hangup": _call(
                a,
                front,
                MONDAY + timedelta(days=2, hours=16),
                from_number="+12125550101",
                outcome="abandoned",
                duration_seconds=8,
            ),
            "bravo": _call(
                b,
                b_agent,
                MONDAY + timedelta(hours=15),
                from_number="+17185550104",
                outcome="answered",
                duration_seconds=60,
            ),
        }
        for name, row in rows.items():
            s.add(row)
            calls[name] = row.id
        s.flush()
        turns = [
            ("monday_morning", "caller", "Do you take new patients?", None, []),
            (
                "monday_morning",
                "agent",
                "Yes, we welcome new patients.",
                "answer",
                [{"category": "services", "item_id": "s1", "text": "New patients welcome"}],
            ),
            ("monday_night", "caller", "I need to reschedule my crown fitting", None, []),
            ("monday_night", "caller", "Please call me back", None, []),
            ("bravo", "caller", "My crown pipe is leaking", None, []),
        ]
        for i, (call, speaker, text, action, facts) in enumerate(turns):
            s.add(
                CallTurn(
                    call_id=calls[call],
                    tenant_id=b if call == "bravo" else a,
                    speaker=speaker,
                    text=text,
                    action=action,
                    facts=facts,
                    created_at=MONDAY + timedelta(seconds=i),
                )
            )
        s.add(
            CallMessage(
                tenant_id=a,
                agent_id=front,
                call_id=calls["monday_night"],
                caller_name="Maria Lopez",
                callback_number="+13475550102",
                body="Please call me back about my crown.",
            )
        )
        s.flush()
        # The analysis would have counted them: the whole-day figures read the rollups.
        rollups.rebuild(s, None)
    settings = get_settings()

    def token(user: str, tenant: uuid.UUID | None, role: Role | None) -> dict[str, str]:
        value, _ = issue_access_token(
            settings,
            user_id=users[user],
            tenant_id=tenant,
            role=role.value if role else None,
            is_staff=user == "staff",
        )
        return {"Authorization": f"Bearer {value}"}

    return World(
        api=TestClient(create_api(), raise_server_exceptions=False),
        a=a,
        b=b,
        front=front,
        night=night,
        b_agent=b_agent,
        headers={
            "ann": token("ann", a, Role.MEMBER),
            "bob": token("bob", b, Role.OWNER),
            "staff": token("staff", None, None),
        },
        calls=calls,
    )


def ids(response: Any) -> list[uuid.UUID]:
    assert response.status_code == 200, response.text
    return [uuid.UUID(item["id"]) for item in response.json()["items"]]


def test_the_list_is_newest_first(world: World) -> None:
    c = world.calls
    assert ids(world.get("ann", "/api/calls")) == [
        c["wednesday_hangup"],
        c["tuesday_spanish"],
        c["monday_night"],
        c["monday_morning"],
    ]


def test_pages_follow_the_cursor_without_gaps_or_repeats(world: World) -> None:
    # Two calls at the very same instant: the id breaks the tie.
    with platform_session("test seed") as s:
        twin = _call(world.a, world.front, MONDAY + timedelta(days=1, hours=15), outcome="answered")
        s.add(twin)
    seen: list[uuid.UUID] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = world.get("ann", "/api/calls", **params)
        seen += ids(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    everything = ids(world.get("ann", "/api/calls", limit=100))
    assert seen == everything


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"outcome": "message"}, ["monday_night"]),
        ({"language": "es-US"}, ["tuesday_spanish"]),
        ({"language": "es-us"}, ["tuesday_spanish"]),
        ({"agent_id": "night"}, ["tuesday_spanish"]),
        # Days are the business's (New York): Monday 22:00 there is Tuesday 03:00 in UTC.
        ({"since": "2026-03-02", "until": "2026-03-02"}, ["monday_night", "monday_morning"]),
        (
            {"since": "2026-03-03T00:00:00Z"},
            ["wednesday_hangup", "tuesday_spanish", "monday_night"],
        ),
        ({"until": "2026-03-02T15:00:00"}, ["monday_morning"]),
        ({"search": "212 555 0101"}, ["wednesday_hangup", "monday_morning"]),
        ({"search": "+1347"}, ["monday_night"]),
        ({"search": "reschedule"}, ["monday_night"]),
        ({"search": "CROWN"}, ["monday_night"]),
        ({"search": "100%"}, []),
        ({"outcome": "answered", "language": "en-US"}, ["monday_morning"]),
    ],
)
def test_filters(world: World, params: dict[str, str], expected: list[str]) -> None:
    if params.get("agent_id") == "night":
        params = {**params, "agent_id": str(world.night)}
    assert ids(world.get("ann", "/api/calls", **params)) == [world.calls[n] for n in expected]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/calls", {"since": "2026-03-05", "until": "2026-03-01"}, "since"),
        ("/api/calls", {"outcome": "happy"}, "outcome"),
        ("/api/calls", {"cursor": "not-a-cursor"}, "cursor"),
        ("/api/calls", {"since": "yesterday"}, "since"),
        ("/api/calls", {"until": "2026-02-30"}, "until"),
        ("/api/calls", {"agent_id": "front"}, "agent_id"),
        ("/api/calls", {"language": "english please"}, "language"),
        ("/api/calls", {"limit": "101"}, "query.limit"),
        ("/api/calls.csv", {"outcome": "happy"}, "outcome"),
        ("/api/analytics/calls", {"since": "2026-03-05", "until": "2026-03-01"}, "since"),
        ("/api/analytics/calls", {"since": "2020-01-01", "until": "2026-01-01"}, "since"),
        ("/api/analytics/performance", {"until": "nope"}, "until"),
        ("/api/analytics/{a}", {"outcome": "happy"}, "outcome"),
    ],
)
def test_bad_filters_are_refused_clearly(
    world: World, path: str, params: dict[str, str], field: str
) -> None:
    response = world.get("ann", path.format(a=world.a), **params)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"].startswith(field)
    assert error["details"][0]["field"] == field


def test_one_call_in_full(world: World) -> None:
    response = world.get("ann", f"/api/calls/{world.calls['monday_morning']}")
    assert response.status_code == 200, response.text
    detail = response.json()
    assert detail["recording_url"] == "https://api.twilio.com/rec/RE1"
    assert [(t["speaker"], t["action"]) for t in detail["turns"]] == [
        ("caller", None),
        ("agent", "answer"),
    ]
    assert detail["turns"][1]["facts"][0]["category"] == "services"
    night = world.get("ann", f"/api/calls/{world.calls['monday_night']}").json()
    assert [m["caller_name"] for m in night["messages"]] == ["Maria Lopez"]
    assert world.get("ann", f"/api/calls/{uuid.uuid4()}").status_code == 404


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="calls-')
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_csv_export(world: World) -> None:
    rows = read_csv(world.get("ann", "/api/calls.csv"))
    assert [r["id"] for r in rows] == [str(i) for i in ids(world.get("ann", "/api/calls"))]
    night = next(r for r in rows if r["id"] == str(world.calls["monday_night"]))
    assert night == {
        "id": str(world.calls["monday_night"]),
        "started_at": "2026-03-02T22:00:00-05:00",
        "agent": "Front desk",
        "from": "+13475550102",
        "to": "+15125550100",
        "status": "completed",
        "outcome": "message",
        "language": "en-US",
        "duration_seconds": "90",
        "transfer_to": "",
        "transfer_status": "",
        "recording_url": "",
        "messages": "1",
        "caller_turns": "2",
    }
    spanish = read_csv(world.get("ann", "/api/calls.csv", language="es-US"))
    assert [(r["agent"], r["transfer_to"]) for r in spanish] == [("Night line", "+15125550199")]
    assert read_csv(world.get("ann", "/api/calls.csv", outcome="spam")) == []


def test_csv_cells_are_never_formulas(world: World) -> None:
    with platform_session("test seed") as s:
        agent = s.get(Agent, world.front)
        assert agent is not None
        agent.name = '=HYPERLINK("http://evil")'
        s.add(agent)
    rows = read_csv(world.get("ann", "/api/calls.csv", outcome="abandoned"))
    assert rows[0]["agent"].startswith("'=")
    assert rows[0]["from"] == "+12125550101"


def test_the_daily_series_is_in_the_business_time_zone(world: World) -> None:
    response = world.get("ann", "/api/analytics/calls", since="2026-03-01", until="2026-03-05")
    assert response.status_code == 200, response.text
    series = response.json()
    assert series["time_zone"] == "America/New_York"
    assert [(d["day"], d["calls"], d["minutes"]) for d in series["days"]] == [
        ("2026-03-01", 0, 0.0),
        ("2026-03-02", 2, 3.5),
        ("2026-03-03", 1, 3.3),
        ("2026-03-04", 1, 0.1),
        ("2026-03-05", 0, 0.0),
    ]
    only_front = world.get(
        "ann", "/api/analytics/calls", since="2026-03-02", until="2026-03-03", agent_id=world.night
    ).json()
    assert [d["calls"] for d in only_front["days"]] == [0, 1]


def test_the_series_defaults_to_the_last_thirty_days(world: World) -> None:
    days = world.get("ann", "/api/analytics/calls").json()["days"]
    assert len(days) == 30
    assert days[-1]["day"] == datetime.now(UTC).astimezone(_new_york()).date().isoformat()


def _new_york() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def test_the_overview(world: World) -> None:
    response = world.get("ann", f"/api/analytics/{world.a}", since="2026-03-01", until="2026-03-31")
    assert response.status_code == 200, response.text
    got = response.json()
    assert (got["calls"], got["minutes"], got["average_duration_seconds"]) == (4, 7.0, 104.5)
    assert (got["answered"], got["transferred"], got["message"], got["abandoned"]) == (1, 1, 1, 1)
    assert got["outcomes"] == {"answered": 1, "transferred": 1, "message": 1, "abandoned": 1}
    # Only the front desk has hours: its Monday 10 pm call came after hours.
    assert got["after_hours"] == 1
    assert (got["spam"], got["unrouted"], got["unanswered_questions"]) == (0, 0, 0)
    # Not analysed: no sentiment or satisfaction to average.
    assert (got["sentiment_average"], got["satisfaction_average"]) == (None, None)
    spanish = world.get(
        "ann", f"/api/analytics/{world.a}", since="2026-03-01", language="es-US"
    ).json()
    assert (spanish["calls"], spanish["after_hours"]) == (1, 0)


def test_figures_count_calls_that_are_over_and_had_an_agent(world: World) -> None:
    """As the rollups do: a call still ringing, or one no agent took, is in the log only; the
    analysis's sentiment, satisfaction and unanswered questions are averaged and summed."""
    tuesday = MONDAY + timedelta(days=1, hours=16)
    with platform_session("test seed") as s:
        s.add(_call(world.a, world.front, tuesday, status="in-progress"))
        s.add(_call(world.a, None, tuesday, outcome="unrouted", duration_seconds=5))
        for name, sentiment, satisfaction, unanswered in (
            ("monday_morning", 0.5, 5, []),
            ("tuesday_spanish", -0.25, 2, ["¿Abren el domingo?", "¿Hay estacionamiento?"]),
            ("wednesday_hangup", None, None, None),
        ):
            call = s.get(Call, world.calls[name])
            assert call is not None
            call.sentiment, call.satisfaction, call.unanswered = sentiment, satisfaction, unanswered
            rollups.apply(s, call, time_zone="America/New_York")
        for call in s.exec(select(Call).where(Call.tenant_id == world.a)):
            rollups.apply(s, call, time_zone="America/New_York")
    assert len(ids(world.get("ann", "/api/calls"))) == 6
    march = {"since": "2026-03-01", "until": "2026-03-31"}
    for params in (march, {**march, "since": "2026-03-01T05:00:00Z"}):
        got = world.get("ann", f"/api/analytics/{world.a}", **params).json()
        assert (got["calls"], got["unrouted"]) == (4, 0)
        assert (got["sentiment_average"], got["satisfaction_average"]) == (0.125, 3.5)
        assert got["unanswered_questions"] == 2
        agents = world.get("ann", "/api/analytics/performance", **params).json()["agents"]
        assert [(a["agent_name"], a["calls"]) for a in agents] == [
            ("Front desk", 3),
            ("Night line", 1),
        ]
        assert (agents[1]["sentiment_average"], agents[1]["unanswered_questions"]) == (-0.25, 2)
        days = world.get("ann", "/api/analytics/calls", **params).json()["days"]
        assert sum(d["calls"] for d in days) == 4


def test_per_agent_performance(world: World) -> None:
    response = world.get(
        "ann", "/api/analytics/performance", since="2026-03-01", until="2026-03-31"
    )
    assert response.status_code == 200, response.text
    agents = response.json()["agents"]
    assert [(a["agent_name"], a["calls"], a["minutes"]) for a in agents] == [
        ("Front desk", 3, 3.6),
        ("Night line", 1, 3.3),
    ]
    front = agents[0]
    assert front["agent_id"] == str(world.front)
    assert front["average_duration_seconds"] == pytest.approx(72.7)
    assert front["outcome_shares"] == pytest.approx(
        {"answered": 1 / 3, "message": 1 / 3, "abandoned": 1 / 3}, abs=1e-4
    )


# --- isolation --------------------------------------------------------------------------------


def test_another_business_sees_none_of_it(world: World) -> None:
    a_ids = {str(i) for name, i in world.calls.items() if name != "bravo"}
    bravo = world.calls["bravo"]
    assert ids(world.get("bob", "/api/calls")) == [bravo]
    for name in ("monday_morning", "monday_night"):
        response = world.get("bob", f"/api/calls/{world.calls[name]}")
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "No such call"
    assert ids(world.get("bob", "/api/calls", search="crown")) == [bravo]
    # Filters naming A's agent find nothing, rather than A's calls.
    assert ids(world.get("bob", "/api/calls", agent_id=str(world.front))) == []
    rows = read_csv(world.get("bob", "/api/calls.csv"))
    assert [r["id"] for r in rows] == [str(bravo)]
    assert not a_ids & {r["id"] for r in rows}
    series = world.get("bob", "/api/analytics/calls", since="2026-03-01", until="2026-03-05")
    assert sum(d["calls"] for d in series.json()["days"]) == 1
    agents = world.get("bob", "/api/analytics/performance", since="2026-03-01").json()["agents"]
    assert [(a["agent_name"], a["calls"]) for a in agents] == [("Bravo desk", 1)]
    assert world.get("bob", f"/api/analytics/{world.a}").status_code == 404
    own = world.get("bob", f"/api/analytics/{world.b}", since="2026-03-01").json()
    assert (own["calls"], own["after_hours"]) == (1, None)
    # And A never sees B's call, by id or by search.
    assert world.get("ann", f"/api/calls/{bravo}").status_code == 404
    assert ids(world.get("ann", "/api/calls", search="leaking")) == []


def test_staff_read_calls_only_while_impersonating(world: World) -> None:
    for path in (
        "/api/calls",
        "/api/calls.csv",
        "/api/analytics/calls",
        f"/api/analytics/{world.a}",
    ):
        response = world.get("staff", path)
        assert response.status_code == 403, (path, response.text)


def test_the_service_checks_the_tenant_itself(world: World) -> None:
    """Services filter by tenant explicitly: the principal of B cannot read A by asking."""
    from voice_platform.db import tenant_session
    from voice_platform.services import call_log
    from voice_platform.services.errors import NotFound
    from voice_platform.services.principal import Principal

    bob = Principal(tenant_id=world.b, role=Role.OWNER)
    with tenant_session(world.a) as s, pytest.raises(NotFound):
        call_log.list_calls(s, principal=bob, tenant_id=world.a)
    ann = Principal(tenant_id=world.a, role=Role.MEMBER)
    with tenant_session(world.a) as s, pytest.raises(NotFound):
        call_log.call_detail(s, principal=ann, tenant_id=world.a, call_id=world.calls["bravo"])


# --- the figures read the rollups or the calls, alike ---------------------------------------------

ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Asia/Beirut")
# 12 days either side: New York's clocks move on 8 March, Beirut's at midnight on 29 March.
BASE = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
NOW = BASE + timedelta(days=8)

a_random_call = st.fixed_dictionaries(
    {
        "agent": st.sampled_from([0, 0, 1, None]),
        # Its start: a local day from BASE's, and minutes from that day's midnight (often
        # near it, where a day in UTC and in the business's calendar part).
        "day": st.integers(-12, 12),
        "minutes": st.one_of(st.integers(-90, 90), st.integers(0, 1439)),
        "status": st.sampled_from(["completed", "completed", "in-progress", "busy", "no-answer"]),
        "outcome": st.sampled_from(
            [None, "answered", "transferred", "message", "abandoned", "spam", "unrouted", "odd"]
        ),
        "sentiment": st.one_of(
            st.none(), st.floats(-1, 1, allow_nan=False).map(lambda x: round(x, 4))
        ),
        "satisfaction": st.one_of(st.none(), st.integers(1, 5)),
        "after_hours": st.one_of(st.none(), st.booleans()),
        "unanswered": st.one_of(st.none(), st.lists(st.just("q?"), max_size=3)),
        "duration_seconds": st.one_of(st.none(), st.integers(0, 3600)),
        # Without a duration: ended this many milliseconds after its start (or not ended).
        "ended_ms": st.one_of(st.none(), st.integers(-5000, 900_000)),
        "language": st.sampled_from(["en-US", "es-US"]),
    }
)
a_period = st.one_of(
    st.none(),  # the default: the last 30 days before NOW
    st.tuples(st.integers(-13, 13), st.integers(0, 6)),  # first day from BASE's, days more
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    hours=st.booleans(),
    made=st.lists(a_random_call, min_size=3, max_size=60),
    periods=st.lists(st.tuples(a_period, st.sampled_from([None, 0, 1])), min_size=1, max_size=4),
)
def test_rollups_and_calls_give_the_same_figures(
    db: Servers,
    zone: str,
    hours: bool,
    made: list[dict[str, Any]],
    periods: list[tuple[tuple[int, int] | None, int | None]],
) -> None:
    """The same period asked in whole days (read from agent_daily_stats, kept by `apply` as
    the analysis job keeps it) and as instants (summed over `calls`) gives the same figures,
    and they count what the module says: calls over, with an agent, on their local day."""
    with owner_engine().begin() as conn:
        conn.execute(text("TRUNCATE tenants CASCADE"))
    tenant_id, agents = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    here = ZoneInfo(zone)
    with platform_session("test seed") as s:
        s.add(Tenant(id=tenant_id, slug="t", name="T", time_zone=zone))
        s.flush()
        for n, agent_id in enumerate(agents):
            s.add(Agent(id=agent_id, tenant_id=tenant_id, name=f"Desk {n}"))
        s.flush()
        if hours:
            document = demo_hours(zone).model_dump(mode="json")
            s.add(KnowledgeRecord(agent_id=agents[0], tenant_id=tenant_id, document=document))
    rows = []
    with tenant_session(tenant_id) as s:
        for facts in made:
            day = BASE.astimezone(here).date() + timedelta(days=facts["day"])
            midnight = datetime.combine(day, datetime.min.time(), tzinfo=here)
            started = midnight.astimezone(UTC) + timedelta(minutes=facts["minutes"])
            ended = None
            if facts["ended_ms"] is not None:
                ended = started + timedelta(milliseconds=facts["ended_ms"])
            call = Call(
                tenant_id=tenant_id,
                agent_id=None if facts["agent"] is None else agents[facts["agent"]],
                call_sid=f"CA{uuid.uuid4().hex}",
                started_at=started,
                ended_at=ended,
                **{
                    k: v
                    for k, v in facts.items()
                    if k not in ("agent", "day", "minutes", "ended_ms")
                },
            )
            s.add(call)
            s.flush()
            rollups.apply(s, call, time_zone=zone)
            rows.append(call)

    owner = Principal(tenant_id=tenant_id, role=Role.OWNER)
    for chosen, agent in periods:
        agent_id = None if agent is None else agents[agent]
        if chosen is None:
            days = CallFilters(agent_id=agent_id)
        else:
            first = BASE.astimezone(here).date() + timedelta(days=chosen[0])
            days = CallFilters(
                since=first, until=first + timedelta(days=chosen[1]), agent_id=agent_id
            )
        start, end = call_log.period(days, here, now=NOW)
        instants = CallFilters(since=start, until=end, agent_id=agent_id)
        assert call_log.reads_rollups(days)
        assert not call_log.reads_rollups(instants)
        figures = {}
        for name, filters in (("rollups", days), ("calls", instants)):
            with tenant_session(tenant_id) as s:
                ask = {"principal": owner, "tenant_id": tenant_id, "filters": filters, "now": NOW}
                figures[name] = (
                    call_log.overview(s, **ask).model_dump(),
                    call_log.volume_series(s, **ask).model_dump(),
                    call_log.performance(s, **ask).model_dump(),
                )
        assert figures["rollups"] == figures["calls"]

        # What is counted: over, with an agent (this one, if asked), started in the period.
        expected = [
            c
            for c in rows
            if c.agent_id is not None
            and c.status != "in-progress"
            and (agent_id is None or c.agent_id == agent_id)
            and start <= c.started_at < end
        ]
        overview = figures["rollups"][0]
        assert overview["calls"] == len(expected)
        assert overview["after_hours"] == (
            sum(bool(c.after_hours) for c in expected) if hours else None
        )
        assert overview["unanswered_questions"] == sum(len(c.unanswered or []) for c in expected)
        assert sum(overview["outcomes"].values()) == len(expected)
        assert sum(d["calls"] for d in figures["rollups"][1]["days"]) == len(expected)
        # An outcome filter needs the calls table: it agrees with the rollups' outcome counts.
        with tenant_session(tenant_id) as s:
            answered = call_log.overview(
                s,
                principal=owner,
                tenant_id=tenant_id,
                filters=replace(days, outcome="answered"),
                now=NOW,
            )
        assert answered.calls == overview["answered"] == answered.outcomes.get("answered", 0)
