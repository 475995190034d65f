"""Post-call analysis on scripted transcripts: the offline rules (VADER and the records), and
the model's structured answer with its fallback."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import Call, CallTurn
from voice_platform.providers.errors import Unavailable
from voice_platform.providers.llm.base import Usage
from voice_platform.services import analysis
from voice_platform.services.analysis import analyze, analyze_with_model

TENANT = uuid.uuid4()
START = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def a_call(seconds: int | None = 60, **fields: Any) -> Call:
    return Call(
        tenant_id=TENANT,
        agent_id=uuid.uuid4(),
        call_sid=f"CA{uuid.uuid4().hex}",
        status="completed",
        started_at=START,
        ended_at=START + timedelta(seconds=seconds or 0),
        duration_seconds=seconds,
        **fields,
    )


def caller(text: str) -> CallTurn:
    return CallTurn(call_id=uuid.uuid4(), tenant_id=TENANT, speaker="caller", text=text)


def agent(text: str, action: str = "answer", *categories: str) -> CallTurn:
    facts = [{"category": c, "item_id": "x", "text": "", "source_url": None} for c in categories]
    return CallTurn(
        call_id=uuid.uuid4(),
        tenant_id=TENANT,
        speaker="agent",
        text=text,
        action=action,
        facts=facts,
    )


HAPPY = [
    caller("Hi, what time do you open on Saturday?"),
    agent("We're open 9 to 2 on Saturdays.", "answer", "hours"),
    caller("And do you take Delta Dental insurance?"),
    agent("Yes, we accept Delta Dental.", "answer", "payments"),
    caller("Perfect, thank you so much, that's really helpful!"),
    agent("You're welcome, goodbye!", "end"),
]


def test_a_happy_caller_who_got_every_answer() -> None:
    result = analyze(a_call(), HAPPY)
    assert result.outcome == "answered"
    assert result.sentiment is not None
    assert result.sentiment > 0.3
    assert result.satisfaction is not None
    assert result.satisfaction >= 4
    assert "pleased" in result.satisfaction_reason
    assert "every question was answered" in result.satisfaction_reason
    assert result.topics == ["hours", "payments"]
    assert result.unanswered == []
    assert result.summary == "The caller asked about hours and payments; the agent answered."
    assert result.after_hours is False


def test_an_angry_caller_scores_low() -> None:
    turns = [
        caller("This is ridiculous. I have called three times and nobody ever calls me back!"),
        agent("I'm sorry about that. I can take a message.", "message"),
        caller("No, that is useless. This is unacceptable, forget it."),
    ]
    result = analyze(a_call(), turns)
    assert result.outcome == "answered"
    assert result.sentiment is not None
    assert result.sentiment < -0.5
    assert result.satisfaction is not None
    assert result.satisfaction <= 2
    assert "unhappy" in result.satisfaction_reason


def test_a_message_taken() -> None:
    turns = [
        caller("I'd like Dr. Lee to call me back about my crown."),
        agent("Sure, can I have your name?", "message"),
        caller("Maria Lopez, 555 0123."),
        agent("Thanks Maria, I'll pass that on.", "message"),
    ]
    result = analyze(a_call(outcome="message"), turns, message_taken=True)
    assert result.outcome == "message"
    assert "message" in result.topics
    assert result.summary.endswith("left a message.")
    assert "left a message" in result.satisfaction_reason


def test_a_transfer_someone_took() -> None:
    turns = [
        caller("Can I speak to someone at the front desk please?"),
        agent("Of course, putting you through.", "handoff"),
    ]
    call = a_call(outcome="transferred", transfer_to="+15550009999", transfer_status="completed")
    result = analyze(call, turns)
    assert result.outcome == "transferred"
    assert result.topics == ["transfer"]
    assert "put through to a person" in result.summary


def test_a_transfer_nobody_took_is_not_a_transfer() -> None:
    turns = [caller("Can I talk to a person?"), agent("Putting you through.", "handoff")]
    call = a_call(transfer_to="+15550009999", transfer_status="no-answer")
    assert analyze(call, turns).outcome == "answered"


def test_a_silent_caller_abandoned() -> None:
    result = analyze(a_call(seconds=12, outcome="abandoned"), [caller("   ")])
    assert result.outcome == "abandoned"
    assert result.sentiment is None
    assert result.satisfaction is None
    assert result.summary == "The caller hung up without saying anything."


@pytest.mark.parametrize(
    "said",
    [
        "Hello, this is an automated message about your car's extended warranty. Press 1 now.",
        "Congratulations, you have been selected for a free cruise!",
        "We noticed your Google business listing is not verified, press one to speak to an agent.",
    ],
)
def test_robocalls_are_spam(said: str) -> None:
    result = analyze(a_call(seconds=20), [caller(said), agent("Sorry?", "unknown")])
    assert result.outcome == "spam"
    assert result.satisfaction is None
    assert result.unanswered == []
    assert result.summary.startswith("Likely spam")


def test_a_very_short_call_with_no_speech_is_spam() -> None:
    assert analyze(a_call(seconds=1), []).outcome == "spam"


def test_unanswered_questions_are_listed() -> None:
    turns = [
        caller("Do you do Invisalign?"),
        agent("I don't have that information, sorry.", "unknown"),
        caller("What about teeth whitening for kids?"),
        agent("I'm not sure about that one.", "unknown"),
        caller("OK. When are you open?"),
        agent("9 to 5 on weekdays.", "answer", "hours"),
    ]
    result = analyze(a_call(), turns)
    assert result.unanswered == [
        "Do you do Invisalign?",
        "What about teeth whitening for kids?",
    ]
    assert "2 questions went unanswered" in result.satisfaction_reason
    assert 'could not answer 2 questions, such as "Do you do Invisalign?"' in result.summary


def test_after_hours_from_the_businesss_hours() -> None:
    kb = KnowledgeBase.model_validate(
        {
            "categories": {
                "hours": {
                    "time_zone": "America/New_York",
                    "weekly": {
                        day: [{"open": "09:00", "close": "17:00"}]
                        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
                    },
                }
            }
        }
    )
    # 15:00 UTC on a Wednesday is 10:00 in New York; 02:00 UTC is 21:00 the evening before.
    assert analyze(a_call(), HAPPY, kb).after_hours is False
    late = a_call()
    late.started_at = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
    assert analyze(late, HAPPY, kb).after_hours is True


class FakeChat:
    name = "fake"

    def __init__(self, answer: dict[str, Any] | Exception) -> None:
        self.answer = answer
        self.asked: list[Any] = []

    async def structured_with_usage(
        self, messages: Any, *, schema_name: str, schema: dict[str, Any]
    ) -> tuple[dict[str, Any], Usage]:
        self.asked.append((messages, schema_name, schema))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer, Usage(100, 20, "fake-model")

    def cost_usd(self, usage: Usage) -> float:
        return 0.0


async def test_with_a_model_its_structured_answer_is_used_within_bounds() -> None:
    chat = FakeChat(
        {
            "summary": "A caller asked about Saturday hours and insurance.",
            "outcome": "answered",
            "sentiment": 1.7,
            "satisfaction": 9,
            "satisfaction_reason": "Warm thanks at the end.",
            "topics": ["opening hours", "insurance"],
            "unanswered": [],
        }
    )
    result, usage = await analyze_with_model(chat, a_call(), HAPPY)  # type: ignore[arg-type]
    assert usage == Usage(100, 20, "fake-model")
    _, name, schema = chat.asked[0]
    assert name == analysis.SCHEMA_NAME
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])
    assert result.by == "model"
    assert result.summary == "A caller asked about Saturday hours and insurance."
    assert (result.sentiment, result.satisfaction) == (1.0, 5)
    assert result.topics == ["opening hours", "insurance"]


async def test_the_records_outrank_the_model() -> None:
    chat = FakeChat(
        {
            "summary": "s",
            "outcome": "spam",
            "sentiment": 0.0,
            "satisfaction": 3,
            "satisfaction_reason": "r",
            "topics": [],
            "unanswered": ["Do you do Invisalign?"],
        }
    )
    turns = [caller("Do you do Invisalign?"), agent("I don't know.", "unknown")]
    call = a_call(transfer_status="completed", outcome="transferred")
    result, _ = await analyze_with_model(chat, call, turns)  # type: ignore[arg-type]
    assert result.outcome == "transferred"
    assert result.unanswered == ["Do you do Invisalign?"]


async def test_a_model_that_fails_leaves_the_rules_answer() -> None:
    chat = FakeChat(Unavailable("down"))
    result, usage = await analyze_with_model(chat, a_call(), HAPPY)  # type: ignore[arg-type]
    assert usage is None
    assert result == analyze(a_call(), HAPPY)
    assert result.by == "rules"


def test_vader_works_offline() -> None:
    # The lexicon ships in the wheel: no download, no network.
    assert analysis.analyzer().polarity_scores("great, thanks")["compound"] > 0
