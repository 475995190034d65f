"""What a call was, once it is over: a summary, its outcome, how the caller felt, an estimate
of their satisfaction (1 to 5, with the reason), its topics and the questions the agent could
not answer.

Offline (no model configured) it is rules: the caller's words scored by VADER's lexicon, the
outcome from what the call recorded (a transfer someone took, a message, silence, robocall
phrases), topics from the knowledge-base categories the answers drew on. With a model, the
model reads the transcript and answers a strict JSON schema; what the records say for certain
(a transfer taken, a message left, after hours, the unanswered questions) stays the rules'.

`analyze_and_store` runs after every call (the arq job `analyze_call`) and on demand; it
writes the analysis on the call and brings the agent's daily rollup up to date."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

import structlog
from sqlmodel import Session, col, select
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from voice_platform.config import get_settings
from voice_platform.conversation.dialogue import is_open
from voice_platform.db import tenant_session
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import (
    Call,
    CallMessage,
    CallOutcome,
    CallTurn,
    KnowledgeRecord,
    Tenant,
)
from voice_platform.models.base import utcnow
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm.base import ChatModel, Usage
from voice_platform.services import rollups

log = structlog.get_logger(__name__)

JOB = "analyze_call"
OUTCOMES = tuple(outcome.value for outcome in CallOutcome)
# A call this short with no word from the caller is a dialler probing numbers, not a person.
SPAM_SECONDS = 3
TRANSFER_TAKEN = {"completed", "answered", "in-progress"}
ROBOCALL = re.compile(
    r"\b(press (one|1|two|2|nine|9)\b|extended (car |auto |vehicle )?warranty|car'?s warranty|"
    r"final (notice|attempt)|this is an? (automated|recorded) (message|call)|"
    r"you('ve| have) (been selected|won|been pre-?approved)|google (business )?listing|"
    r"lower your (interest|credit card) rate|(student|business) loan forgiveness|"
    r"social security number (has been|is) (suspended|compromised)|"
    r"(free|all-expenses-paid) (cruise|vacation)|remove you from (our|the) (call|calling) list|"
    r"search engine optimi[sz]ation|merchant (services|processing))",
    re.IGNORECASE,
)
WORDS = re.compile(r"[^\W\d_]+|\d+")
MAX_TOPICS = 6
MAX_UNANSWERED = 10
# Words a phone caller uses that VADER's social-media lexicon underrates or lacks.
PHONE_LEXICON = {
    "unacceptable": -2.5,
    "rude": -2.0,
    "waiting": -0.4,
    "nobody": -0.8,
    "useless": -2.2,
    "frustrated": -2.2,
    "frustrating": -2.2,
    "helpful": 1.8,
    "perfect": 2.4,
    "wonderful": 2.7,
}


@dataclass(frozen=True)
class Analysis:
    summary: str
    outcome: str
    # -1 (angry) .. 1 (delighted); None when the caller said nothing.
    sentiment: float | None
    satisfaction: int | None
    satisfaction_reason: str
    topics: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    after_hours: bool = False
    # "rules" or the model's name.
    by: str = "rules"


@lru_cache(maxsize=1)
def analyzer() -> SentimentIntensityAnalyzer:
    found = SentimentIntensityAnalyzer()
    found.lexicon.update(PHONE_LEXICON)
    return found


def said(turn: CallTurn) -> bool:
    return bool(WORDS.search(turn.text or ""))


def caller_turns(turns: Sequence[CallTurn]) -> list[CallTurn]:
    return [t for t in turns if t.speaker == "caller" and said(t)]


def sentiment_of(turns: Sequence[CallTurn]) -> float | None:
    """The caller's mood over the call: VADER's compound score of each thing they said,
    averaged, how they left (the last words) counting twice. None: not a word from them."""
    spoken = caller_turns(turns)
    if not spoken:
        return None
    scores = [analyzer().polarity_scores(t.text)["compound"] for t in spoken]
    weights = [1.0] * len(scores)
    weights[-1] = 2.0 if len(scores) > 1 else 1.0
    mean = sum(s * w for s, w in zip(scores, weights, strict=True)) / sum(weights)
    return round(max(-1.0, min(1.0, mean)), 4)


def unanswered_of(turns: Sequence[CallTurn]) -> list[str]:
    """What the caller asked just before each answer the agent had to give up on."""
    found: list[str] = []
    last_caller: str | None = None
    for turn in turns:
        if turn.speaker == "caller" and said(turn):
            last_caller = turn.text.strip()
        elif turn.speaker == "agent" and turn.action == "unknown" and last_caller:
            if last_caller not in found:
                found.append(last_caller[:300])
            last_caller = None
    return found[:MAX_UNANSWERED]


def topics_of(turns: Sequence[CallTurn], outcome: str) -> list[str]:
    """The knowledge-base categories the answers drew on, most used first, then what was
    done (a message, a transfer)."""
    counts: dict[str, int] = {}
    for turn in turns:
        if turn.speaker != "agent":
            continue
        for category in dict.fromkeys(f.get("category") for f in turn.facts or []):
            if category:
                counts[str(category)] = counts.get(str(category), 0) + 1
    topics = sorted(counts, key=lambda name: -counts[name])
    if outcome == CallOutcome.MESSAGE.value:
        topics.append("message")
    elif outcome == CallOutcome.TRANSFERRED.value:
        topics.append("transfer")
    return topics[:MAX_TOPICS]


def seconds_of(call: Call) -> int | None:
    if call.duration_seconds is not None:
        return call.duration_seconds
    if call.ended_at is not None:
        return int((call.ended_at - call.started_at).total_seconds())
    return None


def recorded_outcome(call: Call, *, message_taken: bool) -> str | None:
    """The outcomes the records prove, whatever anyone reads into the words."""
    if call.outcome == CallOutcome.UNROUTED.value:
        return CallOutcome.UNROUTED.value
    if call.transfer_status in TRANSFER_TAKEN or (
        call.outcome == CallOutcome.TRANSFERRED.value and call.transfer_status is None
    ):
        return CallOutcome.TRANSFERRED.value
    if message_taken:
        return CallOutcome.MESSAGE.value
    return None


def outcome_of(call: Call, turns: Sequence[CallTurn], *, message_taken: bool) -> str:
    proven = recorded_outcome(call, message_taken=message_taken)
    if proven is not None:
        return proven
    spoken = caller_turns(turns)
    if any(ROBOCALL.search(t.text) for t in spoken):
        return CallOutcome.SPAM.value
    seconds = seconds_of(call)
    if not spoken:
        if seconds is not None and seconds < SPAM_SECONDS:
            return CallOutcome.SPAM.value
        return CallOutcome.ABANDONED.value
    return CallOutcome.ANSWERED.value


def after_hours_of(call: Call, kb: KnowledgeBase | None) -> bool:
    return kb is not None and is_open(kb, call.started_at) is False


def satisfaction_of(
    sentiment: float | None, outcome: str, unanswered: int
) -> tuple[int | None, str]:
    """An estimate from 1 (unhappy) to 5 (delighted), and why, in plain words."""
    if outcome == CallOutcome.SPAM.value:
        return None, "A spam or automated call: nobody to satisfy."
    if outcome == CallOutcome.UNROUTED.value:
        return None, "No agent took the call."
    if sentiment is None:
        return None, "The caller hung up without saying anything."
    score = 3.0 + 2.0 * sentiment
    reasons: list[str] = []
    if sentiment >= 0.35:
        reasons.append("the caller sounded pleased")
    elif sentiment <= -0.35:
        reasons.append("the caller sounded unhappy")
    elif sentiment <= -0.05:
        reasons.append("the caller sounded a little unhappy")
    else:
        reasons.append("the caller sounded neutral")
    if unanswered:
        score -= min(1.5, 0.75 * unanswered)
        reasons.append(
            "1 question went unanswered"
            if unanswered == 1
            else f"{unanswered} questions went unanswered"
        )
    elif outcome == CallOutcome.ANSWERED.value:
        score += 0.5
        reasons.append("every question was answered")
    if outcome == CallOutcome.TRANSFERRED.value:
        reasons.append("they were put through to a person")
    elif outcome == CallOutcome.MESSAGE.value:
        score -= 0.25
        reasons.append("they left a message for a call back")
    elif outcome == CallOutcome.ABANDONED.value:
        score -= 1.0
        reasons.append("they hung up early")
    rating = int(max(1, min(5, round(score))))
    reason = _joined(reasons)
    return rating, (reason[0].upper() + reason[1:] + ".")[:300]


def _joined(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _topic_words(topics: Sequence[str]) -> str:
    return _joined([t.replace("_", " ") for t in topics if t not in ("message", "transfer")])


def summary_of(
    outcome: str, turns: Sequence[CallTurn], topics: Sequence[str], unanswered: Sequence[str]
) -> str:
    """One or two sentences a person reads in a call list."""
    spoken = caller_turns(turns)
    first = spoken[0].text.strip() if spoken else ""
    if len(first) > 120:
        first = first[:117].rstrip() + "…"
    about = _topic_words(topics)
    if outcome == CallOutcome.UNROUTED.value:
        return "The call reached a number with no active agent and was declined."
    if outcome == CallOutcome.SPAM.value:
        if first:
            return f'Likely spam: an automated or sales call ("{first}").'
        return "Likely spam: a very short call with no one speaking."
    if outcome == CallOutcome.ABANDONED.value:
        return "The caller hung up without saying anything."
    opening = f"The caller asked about {about}" if about else f'The caller said "{first}"'
    if outcome == CallOutcome.TRANSFERRED.value:
        text = f"{opening} and was put through to a person."
    elif outcome == CallOutcome.MESSAGE.value:
        text = f"{opening} and left a message."
    else:
        text = f"{opening}; the agent answered." if not unanswered else f"{opening}."
    if unanswered:
        count = len(unanswered)
        question = unanswered[0] if len(unanswered[0]) <= 100 else unanswered[0][:97] + "…"
        text += (
            f' The agent could not answer "{question}".'
            if count == 1
            else f' The agent could not answer {count} questions, such as "{question}".'
        )
    return text


def analyze(
    call: Call,
    turns: Sequence[CallTurn],
    kb: KnowledgeBase | None = None,
    *,
    message_taken: bool = False,
) -> Analysis:
    """The offline analysis: rules and VADER, no model."""
    outcome = outcome_of(call, turns, message_taken=message_taken)
    unanswered = unanswered_of(turns) if outcome != CallOutcome.SPAM.value else []
    sentiment = sentiment_of(turns) if outcome != CallOutcome.SPAM.value else None
    topics = topics_of(turns, outcome) if outcome != CallOutcome.SPAM.value else []
    satisfaction, reason = satisfaction_of(sentiment, outcome, len(unanswered))
    return Analysis(
        summary=summary_of(outcome, turns, topics, unanswered),
        outcome=outcome,
        sentiment=sentiment,
        satisfaction=satisfaction,
        satisfaction_reason=reason,
        topics=topics,
        unanswered=unanswered,
        after_hours=after_hours_of(call, kb),
    )


# --- with a model -------------------------------------------------------------------------------

SCHEMA_NAME = "call_analysis"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": [
        "summary",
        "outcome",
        "sentiment",
        "satisfaction",
        "satisfaction_reason",
        "topics",
        "unanswered",
    ],
    "properties": {
        "summary": {"type": "string", "description": "One or two sentences."},
        "outcome": {"type": "string", "enum": ["answered", "abandoned", "spam"]},
        "sentiment": {
            "type": "number",
            "description": "The caller's sentiment from -1 (angry) to 1 (delighted).",
        },
        "satisfaction": {
            "type": "integer",
            "description": "Estimated caller satisfaction from 1 to 5.",
        },
        "satisfaction_reason": {"type": "string", "description": "Why, in a short sentence."},
        "topics": {"type": "array", "items": {"type": "string"}},
        "unanswered": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The caller's questions the agent could not answer, as asked.",
        },
    },
}
INSTRUCTIONS = (
    "You review a phone call between a caller and a business's AI receptionist. Answer with "
    "the call's analysis. summary: one or two plain sentences on what the caller wanted and "
    "what happened. outcome: 'spam' for robocalls, sales pitches and automated messages; "
    "'abandoned' when the caller hung up before asking anything; else 'answered'. sentiment: "
    "the caller's, from -1 to 1. satisfaction: 1 to 5, with a one-sentence reason. topics: up "
    "to six short lowercase topics. unanswered: the caller's questions the receptionist could "
    "not answer, in the caller's words (none when it answered everything)."
)


def transcript(call: Call, turns: Sequence[CallTurn], facts: dict[str, Any]) -> str:
    lines = [f"Call facts: {json.dumps(facts)}", "Transcript:"]
    for turn in turns:
        note = f" [{turn.action}]" if turn.speaker == "agent" and turn.action else ""
        lines.append(f"{turn.speaker}{note}: {turn.text}")
    return "\n".join(lines)


def from_model(answer: dict[str, Any], rules: Analysis) -> Analysis:
    """The model's answer within bounds; what the records prove stays the rules'."""
    outcome = str(answer.get("outcome", ""))
    if rules.outcome in ("transferred", "message", "unrouted") or outcome not in OUTCOMES:
        outcome = rules.outcome
    sentiment = rules.sentiment
    if rules.sentiment is not None and isinstance(answer.get("sentiment"), int | float):
        sentiment = round(max(-1.0, min(1.0, float(answer["sentiment"]))), 4)
    satisfaction = rules.satisfaction
    if rules.satisfaction is not None and isinstance(answer.get("satisfaction"), int | float):
        satisfaction = int(max(1, min(5, round(answer["satisfaction"]))))
    topics = [str(t)[:60] for t in answer.get("topics") or [] if str(t).strip()]
    unanswered = [str(q)[:300] for q in answer.get("unanswered") or [] if str(q).strip()]
    return Analysis(
        summary=str(answer.get("summary") or rules.summary)[:2000],
        outcome=outcome,
        sentiment=sentiment,
        satisfaction=satisfaction,
        satisfaction_reason=str(answer.get("satisfaction_reason") or rules.satisfaction_reason)[
            :300
        ],
        topics=list(dict.fromkeys(topics))[:MAX_TOPICS] or rules.topics,
        # The agent's own "I don't know" turns are certain; the model may find more.
        unanswered=list(dict.fromkeys([*rules.unanswered, *unanswered]))[:MAX_UNANSWERED],
        after_hours=rules.after_hours,
        by="model",
    )


async def analyze_with_model(
    chat: ChatModel,
    call: Call,
    turns: Sequence[CallTurn],
    kb: KnowledgeBase | None = None,
    *,
    message_taken: bool = False,
) -> tuple[Analysis, Usage | None]:
    """The model's analysis, or the rules' when the model cannot give one."""
    rules = analyze(call, turns, kb, message_taken=message_taken)
    if rules.outcome in ("unrouted",) or not turns:
        return rules, None
    facts = {
        "outcome_on_record": rules.outcome,
        "seconds": seconds_of(call),
        "message_taken": message_taken,
    }
    messages = [
        {"role": "system", "content": INSTRUCTIONS},
        {"role": "user", "content": transcript(call, turns, facts)},
    ]
    try:
        answer, usage = await chat.structured_with_usage(
            messages, schema_name=SCHEMA_NAME, schema=SCHEMA
        )
    except ProviderError as exc:
        log.warning("analysis_model_failed", call_id=str(call.id), error=str(exc))
        return rules, None
    return from_model(answer, rules), usage


# --- the job --------------------------------------------------------------------------------------


def _kb(session: Session, agent_id: uuid.UUID | None) -> KnowledgeBase | None:
    if agent_id is None:
        return None
    record = session.get(KnowledgeRecord, agent_id)
    if record is None:
        return None
    try:
        return KnowledgeBase.model_validate(record.document)
    except ValueError:
        return None


def store(
    session: Session, call: Call, analysis: Analysis, *, when: datetime | None = None
) -> Call:
    """Write the analysis on the call (in the caller's transaction)."""
    call.summary = analysis.summary
    call.outcome = analysis.outcome
    call.sentiment = analysis.sentiment
    call.satisfaction = analysis.satisfaction
    call.satisfaction_reason = analysis.satisfaction_reason
    call.topics = list(analysis.topics)
    call.unanswered = list(analysis.unanswered)
    call.after_hours = analysis.after_hours
    call.analyzed_at = when or utcnow()
    session.add(call)
    return call


async def analyze_and_store(
    call_id: uuid.UUID, tenant_id: uuid.UUID, *, use_model: bool = True
) -> Analysis | None:
    """Analyse a call, write the analysis on it and count it in its agent's day; None when
    there is no such call in the tenant."""
    from voice_platform.providers.llm.sandbox import LocalChat
    from voice_platform.services import usage as usage_records
    from voice_platform.services.providers import chat_for

    with tenant_session(tenant_id) as session:
        call = session.get(Call, call_id)
        if call is None or call.tenant_id != tenant_id:
            return None
        turns = list(
            session.exec(
                select(CallTurn)
                .where(CallTurn.call_id == call_id, CallTurn.tenant_id == tenant_id)
                .order_by(col(CallTurn.id))
            )
        )
        message_taken = (
            session.exec(
                select(CallMessage.id).where(
                    CallMessage.call_id == call_id, CallMessage.tenant_id == tenant_id
                )
            ).first()
            is not None
        )
        kb = _kb(session, call.agent_id)
        chat = chat_for(session, tenant_id) if use_model else None
    usage: Usage | None = None
    if chat is not None and not isinstance(chat, LocalChat):
        analysis, usage = await analyze_with_model(
            chat, call, turns, kb, message_taken=message_taken
        )
    else:
        analysis = analyze(call, turns, kb, message_taken=message_taken)
    with tenant_session(tenant_id) as session:
        # The row locked: a re-analysis at the same moment waits, then counts from this one.
        row = session.exec(
            select(Call).where(Call.id == call_id, Call.tenant_id == tenant_id).with_for_update()
        ).first()
        if row is None:
            return None
        store(session, row, analysis)
        tenant = session.get(Tenant, tenant_id)
        rollups.apply(session, row, time_zone=tenant.time_zone if tenant else None)
        if usage is not None and chat is not None:
            usage_records.record(
                session, tenant_id=tenant_id, usage=usage, chat=chat, purpose="analysis"
            )
    log.info("call_analyzed", call_id=str(call_id), outcome=analysis.outcome, by=analysis.by)
    return analysis


def public(analysis: Analysis) -> dict[str, Any]:
    return asdict(analysis)


async def enqueue(call_id: uuid.UUID, tenant_id: uuid.UUID, *, wait: float = 2.0) -> bool:
    """Queue the call's analysis for a worker; False (logged) when Redis cannot take it: a
    call's webhook never fails for its analysis, which `voice-platform analytics rebuild
    --reanalyze` can catch up on."""
    import asyncio

    from voice_platform.services import queue

    if not get_settings().redis_url:
        return False
    try:
        async with asyncio.timeout(wait):
            await queue.enqueue(
                JOB, str(call_id), str(tenant_id), job_id=f"analyze:{call_id}", wait=wait
            )
    except Exception as exc:  # Redis down, slow or refusing: the call itself is fine.
        log.warning("analysis_not_queued", call_id=str(call_id), error=repr(exc))
        return False
    return True
