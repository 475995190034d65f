"""A made-up but realistic call history for a business, so the call log and the analytics have
something to show: weekday business-hours peaks, quiet weekends, some calls after hours; mostly
answered, some transferred, messages, hang-ups and a little spam; mostly English, some Spanish.

Every call written here has the channel "demo" (its turns and messages hang off those calls),
so `clear_calls` removes exactly what `seed_calls` wrote. The same seed, tenant and hour give
the same history. Nothing here reads files: the questions are a small built-in list."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, SQLModel, col, select

from voice_platform.knowledge.schemas import Fact, Interval, KnowledgeBase, Weekly
from voice_platform.models import (
    Agent,
    AgentCreate,
    AgentStatus,
    Call,
    CallMessage,
    CallTurn,
    KnowledgeRecord,
    Role,
    Tenant,
)
from voice_platform.providers.llm import get_embedder
from voice_platform.services import agents, analysis, knowledge, rollups
from voice_platform.services.call_log import zone_of
from voice_platform.services.errors import NotFound
from voice_platform.services.principal import Principal

DEMO_CHANNEL = "demo"
DEMO_AGENT_NAME = "Front desk (demo)"
BATCH = 1000
FALLBACK_PHONE = "+15555550100"

# Opening hours of the demo agent, and what the history assumes when an agent has none:
# weekdays 8 to 6, Saturday morning, closed Sunday.
OPEN_HOURS = {0: (8, 18), 1: (8, 18), 2: (8, 18), 3: (8, 18), 4: (8, 18), 5: (9, 13)}
# How busy each weekday is, Monday first.
DAY_WEIGHT = (1.15, 1.0, 1.0, 0.95, 0.9, 0.45, 0.2)
# How busy each hour of a weekday is, and of a weekend day (local time).
WEEKDAY_HOURS = (
    0.03, 0.02, 0.02, 0.02, 0.03, 0.05, 0.12, 0.35, 1.0, 1.6, 1.8, 1.5,
    1.05, 1.3, 1.5, 1.4, 1.1, 0.6, 0.35, 0.25, 0.15, 0.1, 0.06, 0.04,
)  # fmt: skip
WEEKEND_HOURS = (
    0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.05, 0.15, 0.4, 0.9, 1.2, 1.2,
    1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.12, 0.08, 0.05, 0.04,
)  # fmt: skip
OPEN_OUTCOMES = (("answered", 62), ("transferred", 17), ("message", 10), ("abandoned", 8),
                 ("spam", 3))  # fmt: skip
CLOSED_OUTCOMES = (("answered", 55), ("message", 30), ("abandoned", 10), ("spam", 5))
SPANISH_SHARE = 0.12
AREA_CODES = ("212", "347", "646", "718", "917", "201", "516")

# (question, answer, knowledge category) in English and Spanish: generic receptionist talk.
QUESTIONS = {
    "en-US": (
        ("What are your hours today?", "We're open today from 8 AM to 6 PM.", "hours"),
        ("Are you open on Saturday?", "Yes, on Saturdays we're open from 9 AM to 1 PM.", "hours"),
        ("Where are you located?", "We're at 120 Main Street, second floor.", "locations"),
        ("Is there parking nearby?", "Yes, there's free parking behind the building.", "amenities"),
        ("Do you take new patients?", "Yes, we're welcoming new patients.", "services"),
        ("How much is a first visit?", "A first visit is $95, including an exam.", "pricing"),
        ("Do you take my insurance?", "We accept most major insurance plans.", "payments"),
        (
            "Can I book an appointment?",
            "Of course, you can book online or I can take your "
            "details and the team will call you back.",
            "booking",
        ),
        ("Can I pay with a credit card?", "Yes, we take all major credit cards.", "payments"),
        (
            "What's your cancellation policy?",
            "Our cancellation policy: please let us know 24 hours ahead to cancel or reschedule.",
            "policies",
        ),
        (
            "Do you offer payment plans?",
            "Yes, payment plans are available for larger treatments.",
            "payments",
        ),
        (
            "Is this an emergency line?",
            "This isn't an emergency line: for a dental emergency after hours, call the on-call "
            "number on our website, or 911.",
            "emergencies",
        ),
        ("Who's the doctor there?", "Our team is led by Dr. Lee, with two hygienists.", "team"),
        (
            "Do you have any specials right now?",
            "Specials right now: new patients get a free whitening consultation this month.",
            "promotions",
        ),
        (
            "How long does a cleaning take?",
            "A cleaning usually takes about 45 minutes.",
            "services",
        ),
        (
            "Do you have wheelchair access?",
            "Yes, we have wheelchair access: the building has a ramp and an elevator.",
            "amenities",
        ),
    ),
    "es-US": (
        ("¿Cuál es su horario hoy?", "Hoy abrimos de 8 de la mañana a 6 de la tarde.", "hours"),
        ("¿Dónde están ubicados?", "Estamos en 120 Main Street, segundo piso.", "locations"),
        ("¿Aceptan mi seguro?", "Aceptamos la mayoría de los seguros principales.", "payments"),
        (
            "¿Puedo hacer una cita?",
            "Claro, puedo tomar sus datos y el equipo le llamará.",
            "booking",
        ),
        ("¿Cuánto cuesta la primera visita?", "La primera visita cuesta 95 dólares.", "pricing"),
        ("¿Hablan español?", "Sí, podemos atenderle en español.", "languages"),
    ),
}
TRANSFER_ASK = {
    "en-US": ("Can I speak to someone, please?", "Sure, let me put you through to the team."),
    "es-US": ("¿Puedo hablar con una persona?", "Claro, le comunico con el equipo."),
}
MESSAGE_ASK = {
    "en-US": ("Can I leave a message?", "Of course. I've taken your message and the team will "
              "call you back."),
    "es-US": ("¿Puedo dejar un mensaje?", "Claro, ya tomé su mensaje y el equipo le llamará."),
}  # fmt: skip
GREETING = {
    "en-US": "Thanks for calling, how can I help you today?",
    "es-US": "Gracias por llamar, ¿en qué le puedo ayudar?",
}
# Questions the agent could not answer, in a few paraphrases each (the knowledge-gap list groups
# them by meaning), and how it declined.
UNKNOWN_SHARE = 0.15
UNKNOWN_QUESTIONS = {
    "en-US": (
        "Do you do dental implants?",
        "Can you put in an implant to replace a missing tooth?",
        "Do you offer implants?",
        "Do you offer sedation for nervous patients?",
        "Can I be sedated for my filling? I'm really anxious.",
        "Do you do braces for adults?",
        "Can adults get Invisalign with you?",
        "Do you validate parking at the garage?",
    ),
    "es-US": (
        "¿Hacen implantes dentales?",
        "¿Tienen sedación para pacientes nerviosos?",
    ),
}
DECLINE = {
    "en-US": "I'm sorry, I don't have that information. I can take a message for the team.",
    "es-US": "Lo siento, no tengo esa información. Puedo tomar un mensaje para el equipo.",
}
# How callers leave (what the sentiment analyser hears last), from pleased to put out.
CLOSINGS = {
    "en-US": (
        "Perfect, thank you so much!",
        "Great, thanks for your help.",
        "Okay, thanks.",
        "Alright, bye.",
        "Hmm, that's a bit annoying, but okay.",
        "That's frustrating. I'll call back later.",
    ),
    "es-US": ("¡Perfecto, muchas gracias!", "Vale, gracias.", "Bueno, adiós."),
}
CLOSING_WEIGHTS = {"en-US": (30, 25, 20, 12, 8, 5), "es-US": (40, 40, 20)}
SPAM_LINES = (
    "This is an important message about your car's extended warranty.",
    "Congratulations, you've been selected for a free cruise.",
    "We're calling about your business listing on search engines.",
)
CALLER_NAMES = (
    "Maria Lopez", "James Carter", "Aisha Khan", "Tom Nguyen", "Sofia Rossi", "David Kim",
    "Emily Brown", "Carlos Diaz", "Hannah Weiss", "Michael Chen", "Grace Park", "Luis Ortega",
)  # fmt: skip
MESSAGE_BODIES = (
    "Please call me back about rescheduling my appointment next week.",
    "I'd like to book a cleaning for my two kids, afternoons are best.",
    "Calling about a bill I received, I think I was charged twice.",
    "I have a question about whether my insurance covers a crown.",
    "My tooth has been hurting since yesterday, can someone call me today?",
    "I need a copy of my records sent to my new dentist.",
    "Just confirming my appointment on Thursday morning.",
)
# Seconds a call lasts, by outcome: (median, spread of the log-normal, low, high).
DURATIONS = {
    "answered": (95, 0.55, 25, 600),
    "transferred": (140, 0.5, 40, 900),
    "message": (120, 0.4, 50, 360),
    "abandoned": (9, 0.6, 2, 40),
    "spam": (18, 0.5, 5, 60),
}


@dataclass(frozen=True)
class SeedResult:
    calls: int
    turns: int
    messages: int
    agents: list[str]
    created_agent: bool
    replaced: int


def demo_hours(zone: str) -> KnowledgeBase:
    """A knowledge base with only the demo's opening hours (what after-hours counts read)."""
    weekly = Weekly(
        **{
            day: [Interval(open=f"{OPEN_HOURS[i][0]:02d}:00", close=f"{OPEN_HOURS[i][1]:02d}:00")]
            if i in OPEN_HOURS
            else []
            for i, day in enumerate(
                ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            )
        }
    )
    kb = KnowledgeBase()
    kb.categories.hours.time_zone = zone
    kb.categories.hours.weekly = weekly
    return kb


def demo_knowledge(name: str, zone: str) -> KnowledgeBase:
    """The demo agent's knowledge: its hours, and every answer the demo calls give, each under
    the category it is about (so the console answers what the history says it answered, and
    the questions it declines stay unanswered)."""
    kb = demo_hours(zone)
    kb.business_name = name
    kb.categories.profile.name = name
    for _, answer, category in QUESTIONS["en-US"]:
        if category != "hours":  # the weekly hours above say it, day by day
            getattr(kb.categories, category).facts.append(Fact(text=answer))
    return kb


def _agents_for(session: Session, tenant: Tenant) -> tuple[list[Agent], bool]:
    """The tenant's active agents (else any), or one new active demo agent."""
    found = list(
        session.exec(
            select(Agent).where(Agent.tenant_id == tenant.id).order_by(col(Agent.created_at))
        )
    )
    active = [a for a in found if a.status == AgentStatus.ACTIVE]
    if active or found:
        return active or found, False
    owner = Principal(tenant_id=tenant.id, role=Role.OWNER)
    agent = agents.create_agent(
        session,
        principal=owner,
        tenant_id=tenant.id,
        data=AgentCreate(
            name=DEMO_AGENT_NAME,
            greeting=f"Thanks for calling {tenant.name}, how can I help you today?",
            languages=["en", "es"],
            transfer_number=tenant.business_phone,
            time_zone=tenant.time_zone,
        ),
    )
    agent.status = AgentStatus.ACTIVE
    session.add(agent)
    record = session.get(KnowledgeRecord, agent.id)
    if record is not None:
        kb = demo_knowledge(tenant.name, zone_of(tenant.time_zone).key)
        record.document = kb.model_dump(mode="json")
        session.add(record)
        # The knowledge page's search reads the chunks, as for any agent.
        knowledge.reindex(session, get_embedder(), agent=agent, kb=kb)
    session.flush()
    return [agent], True


def _slots(
    anchor: datetime, days: int, zone: ZoneInfo
) -> tuple[list[datetime], list[float], list[bool]]:
    """Every hour of the window (UTC starts), how busy it is, and whether it is after hours."""
    starts, weights, closed = [], [], []
    total = days * 24
    for i in range(total):
        start = anchor - timedelta(hours=total - i)
        local = start.astimezone(zone)
        weekday, hour = local.weekday(), local.hour
        curve = WEEKEND_HOURS if weekday >= 5 else WEEKDAY_HOURS
        trend = 0.85 + 0.3 * i / total  # a business growing a little
        starts.append(start)
        weights.append(DAY_WEIGHT[weekday] * curve[hour] * trend)
        opening = OPEN_HOURS.get(weekday)
        closed.append(opening is None or not opening[0] <= hour < opening[1])
    return starts, weights, closed


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in table], [w for _, w in table])[0]


def _duration(rng: random.Random, outcome: str) -> int:
    median, spread, low, high = DURATIONS[outcome]
    return int(min(high, max(low, median * math.exp(rng.gauss(0, spread)))))


def _table(model: type[SQLModel]) -> sa.Table:
    """The model's table: core inserts, many rows to one statement (the ORM's bulk insert
    would send one statement a row to learn the turns' generated ids)."""
    return model.metadata.tables[str(model.__tablename__)]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _number(rng: random.Random) -> str:
    # 555-0100..0199 is the range kept for fiction.
    return f"+1{rng.choice(AREA_CODES)}55501{rng.randint(0, 99):02d}"


def seed_calls(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    count: int,
    days: int = 90,
    seed: int | None = None,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> SeedResult:
    """Write `count` demo calls over the last `days` days for the tenant's agents (one active
    demo agent is created when it has none), replacing earlier demo calls. `progress` is told
    how many calls each batch wrote."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant")
    replaced = clear_calls(session, tenant_id=tenant_id, remove_agent=False)
    team, created = _agents_for(session, tenant)
    zone = zone_of(tenant.time_zone)
    anchor = (now or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(f"{seed}:{tenant_id}" if seed is not None else None)  # noqa: S311
    starts, weights, closed = _slots(anchor, max(1, days), zone)
    chosen = sorted(rng.choices(range(len(starts)), weights=weights, k=count))
    # The first agent takes most calls, as a main line does.
    agent_weights = [1.0 / (rank + 1) ** 1.5 for rank in range(len(team))]
    callers = [_number(rng) for _ in range(max(1, count // 3))]
    totals = {"turns": 0, "messages": 0}
    calls_table = _table(Call)

    for first in range(0, count, BATCH):
        call_rows: list[dict[str, Any]] = []
        turn_rows: list[dict[str, Any]] = []
        message_rows: list[dict[str, Any]] = []
        batch_slots = chosen[first : first + BATCH]
        for slot in batch_slots:
            agent = rng.choices(team, agent_weights)[0]
            after_hours = closed[slot]
            outcome = _pick(rng, CLOSED_OUTCOMES if after_hours else OPEN_OUTCOMES)
            started = starts[slot] + timedelta(seconds=rng.randrange(3600))
            language = "es-US" if rng.random() < SPANISH_SHARE else "en-US"
            seconds = _duration(rng, outcome)
            call_id = _uuid(rng)
            caller = rng.choice(callers) if rng.random() < 0.7 else _number(rng)
            transfer_to = agent.transfer_number or tenant.business_phone or FALLBACK_PHONE
            call_rows.append(
                {
                    "id": call_id,
                    "tenant_id": tenant_id,
                    "agent_id": agent.id,
                    "call_sid": f"DEMO{call_id.hex}",
                    "channel": DEMO_CHANNEL,
                    "from_number": caller,
                    "to_number": agent.phone_number or tenant.business_phone or FALLBACK_PHONE,
                    "status": "completed",
                    "outcome": outcome,
                    "language": language,
                    "started_at": started,
                    "connected_at": started + timedelta(seconds=1),
                    "ended_at": started + timedelta(seconds=seconds),
                    "duration_seconds": seconds,
                    "transfer_to": transfer_to if outcome == "transferred" else None,
                    "transfer_reason": "the caller asked for a person"
                    if outcome == "transferred"
                    else None,
                    "transfer_status": "completed" if outcome == "transferred" else None,
                }
            )
            said = _conversation(rng, outcome, language, seconds)
            call_rows[-1] |= _analysed(call_rows[-1], said, after_hours, anchor)
            for offset, (speaker, text, action, facts) in said:
                turn_rows.append(
                    {
                        "call_id": call_id,
                        "tenant_id": tenant_id,
                        "speaker": speaker,
                        "text": text,
                        "action": action,
                        "facts": facts,
                        "language": language,
                        "latency_ms": rng.randint(350, 1400) if speaker == "agent" else None,
                        "interrupted": False,
                        "created_at": started + timedelta(seconds=offset),
                    }
                )
            if outcome == "message":
                message_rows.append(
                    {
                        "id": _uuid(rng),
                        "tenant_id": tenant_id,
                        "agent_id": agent.id,
                        "call_id": call_id,
                        "caller_name": rng.choice(CALLER_NAMES),
                        "callback_number": caller,
                        "body": rng.choice(MESSAGE_BODIES),
                        "created_at": started + timedelta(seconds=seconds),
                    }
                )
        session.execute(sa.insert(calls_table), call_rows)
        if turn_rows:
            session.execute(sa.insert(_table(CallTurn)), turn_rows)
        if message_rows:
            session.execute(sa.insert(_table(CallMessage)), message_rows)
        totals["turns"] += len(turn_rows)
        totals["messages"] += len(message_rows)
        if progress is not None:
            progress(len(call_rows))
    # The daily rollups the dashboard reads count the new history.
    rollups.rebuild(session, tenant_id)
    return SeedResult(
        calls=count,
        turns=totals["turns"],
        messages=totals["messages"],
        agents=[a.name for a in team],
        created_agent=created,
        replaced=replaced,
    )


Said = tuple[int, tuple[str, str, str | None, list[dict[str, Any]]]]


def _analysed(
    row: dict[str, Any], said: list[Said], after_hours: bool, now: datetime
) -> dict[str, Any]:
    """The post-call analysis of a demo call, by the same rules real calls get offline (so the
    dashboard's sentiment, satisfaction, topics and unanswered questions are the analyser's)."""
    call = Call.model_validate(row)
    turns = [
        CallTurn(call_id=call.id, tenant_id=call.tenant_id, speaker=who, text=text, action=action,
                 facts=facts)
        for _, (who, text, action, facts) in said
    ]  # fmt: skip
    found = analysis.analyze(call, turns, message_taken=row["outcome"] == "message")
    return {
        "summary": found.summary,
        "sentiment": found.sentiment,
        "satisfaction": found.satisfaction,
        "satisfaction_reason": found.satisfaction_reason,
        "topics": found.topics,
        "unanswered": found.unanswered,
        "after_hours": after_hours,
        "analyzed_at": now,
    }


def _conversation(rng: random.Random, outcome: str, language: str, seconds: int) -> list[Said]:
    """What was said, as (seconds into the call, (speaker, text, action, facts))."""
    lines: list[tuple[str, str, str | None, list[dict[str, Any]]]] = [
        ("agent", GREETING[language], None, [])
    ]
    if outcome == "spam":
        lines.append(("caller", rng.choice(SPAM_LINES), None, []))
    elif outcome != "abandoned":
        asked = {"answered": rng.randint(1, 4), "transferred": rng.randint(0, 2)}.get(
            outcome, rng.randint(0, 1)
        )
        pool = QUESTIONS[language]
        for question, answer, category in rng.sample(pool, min(asked, len(pool))):
            fact = {"category": category, "item_id": None, "text": answer, "source_url": None}
            lines.append(("caller", question, None, []))
            lines.append(("agent", answer, "answer", [fact]))
        if outcome in ("answered", "message") and rng.random() < UNKNOWN_SHARE:
            unknown = rng.choice(UNKNOWN_QUESTIONS[language])
            lines += [("caller", unknown, None, []), ("agent", DECLINE[language], "unknown", [])]
        if outcome == "answered":
            closing = rng.choices(CLOSINGS[language], CLOSING_WEIGHTS[language])[0]
            lines.append(("caller", closing, None, []))
        if outcome == "transferred":
            ask, reply = TRANSFER_ASK[language]
            lines += [("caller", ask, None, []), ("agent", reply, "handoff", [])]
        elif outcome == "message":
            ask, reply = MESSAGE_ASK[language]
            lines += [("caller", ask, None, []), ("agent", reply, "message", [])]
    step = max(1, seconds // max(1, len(lines)))
    return [(min(i * step, seconds), line) for i, line in enumerate(lines)]


def clear_calls(session: Session, *, tenant_id: uuid.UUID, remove_agent: bool = True) -> int:
    """Remove the tenant's demo calls (their turns and messages go with them) and, when asked,
    the demo agent if nothing else hangs off it; how many calls were removed."""
    result = session.execute(
        sa.delete(Call).where(col(Call.tenant_id) == tenant_id, col(Call.channel) == DEMO_CHANNEL)
    )
    removed = cast("CursorResult[Any]", result).rowcount
    if remove_agent:
        for agent in session.exec(
            select(Agent).where(
                Agent.tenant_id == tenant_id,
                Agent.name == DEMO_AGENT_NAME,
                col(Agent.phone_number).is_(None),
            )
        ):
            left = session.exec(select(Call.id).where(Call.agent_id == agent.id).limit(1)).first()
            if left is None:
                session.delete(agent)
    session.flush()
    if removed:
        rollups.rebuild(session, tenant_id)
    return int(removed or 0)
