"""The answer engine's rules (#8), on a small KB, with a bag-of-words embedder standing in for
the local model so the tests need no weights."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from voice_platform.conversation.engine import MAX_WORDS, answer
from voice_platform.conversation.retrieval import Retriever, words_of
from voice_platform.knowledge.schemas import (
    FAQ,
    Categories,
    Emergencies,
    Fact,
    FAQs,
    Hours,
    HoursException,
    Interval,
    KnowledgeBase,
    Policies,
    Policy,
    Price,
    PriceItem,
    Pricing,
    Weekly,
)
from voice_platform.providers.llm.base import DIMENSIONS


class WordsEmbedder:
    name = "test:words"

    def embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            row = [0.0] * DIMENSIONS
            for word in words_of(text):
                row[int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSIONS] += 1.0
            size = math.sqrt(sum(v * v for v in row)) or 1.0
            out.append([v / size for v in row])
        return out


def nine_to_five() -> list[Interval]:
    return [Interval(open="09:00", close="17:00")]


@pytest.fixture
def kb() -> KnowledgeBase:
    return KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            hours=Hours(
                time_zone="America/Chicago",
                weekly=Weekly(
                    monday=nine_to_five(),
                    tuesday=nine_to_five(),
                    wednesday=nine_to_five(),
                    thursday=nine_to_five(),
                    friday=[Interval(open="09:00", close="13:00")],
                ),
                exceptions=[HoursException(date=date(2026, 12, 25), note="Christmas Day")],
            ),
            pricing=Pricing(items=[PriceItem(item="Teeth whitening", price=Price(amount=349))]),
            policies=Policies(
                policies=[
                    Policy(
                        title="Cancellations",
                        text="Please cancel 24 hours ahead. Late cancellations cost $50.",
                    )
                ]
            ),
            faqs=FAQs(
                faqs=[FAQ(question="Do you offer sedation?", answer="Yes, we offer laughing gas.")]
            ),
            emergencies=Emergencies(
                facts=[Fact(text="Knocked-out tooth: keep the tooth in milk and call us at once.")]
            ),
        ),
    )


@pytest.fixture
def retriever(kb: KnowledgeBase) -> Retriever:
    return Retriever(kb, WordsEmbedder())


CHICAGO = ZoneInfo("America/Chicago")


def test_asking_for_a_person_is_a_handoff(kb: KnowledgeBase, retriever: Retriever) -> None:
    for asked in ("Can I talk to the manager?", "I want a real person please", "Put me through"):
        assert answer(asked, kb, retriever).action == "handoff", asked


def test_asking_to_leave_a_message(kb: KnowledgeBase, retriever: Retriever) -> None:
    turn = answer("Could I leave a message for Dr. Smith?", kb, retriever)
    assert turn.action == "message"


def test_nothing_relevant_is_unknown_and_invents_nothing(
    kb: KnowledgeBase, retriever: Retriever
) -> None:
    turn = answer("Do you do Botox injections?", kb, retriever)
    assert turn.action == "unknown"
    assert "message" in turn.text
    assert not re.search(r"\d", turn.text)  # no price, time or number it was not given
    assert turn.facts == []


def test_an_answer_quotes_the_retrieved_facts(kb: KnowledgeBase, retriever: Retriever) -> None:
    turn = answer("How much is teeth whitening?", kb, retriever)
    assert turn.action == "answer"
    assert "$349" in turn.text
    assert any("whitening" in chunk.text for chunk in turn.facts)
    turn = answer("How much do late cancellations cost?", kb, retriever)
    assert turn.action == "answer"
    assert "$50" in turn.text
    # trimmed to the sentence that answers, quoted from the retrieved fact
    assert turn.text in turn.facts[0].text
    assert len(turn.text.split()) <= MAX_WORDS


def test_open_now_uses_the_weekly_hours_in_the_time_zone(
    kb: KnowledgeBase, retriever: Retriever
) -> None:
    tuesday_ten = datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO)
    turn = answer("Are you open right now?", kb, retriever, now=tuesday_ten)
    assert turn.action == "answer"
    assert turn.text.startswith("Yes")
    assert "5:00 PM" in turn.text
    # 23:30 UTC on Tuesday is 17:30 in Chicago: closed.
    late = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC"))
    assert "closed" in answer("are you open now?", kb, retriever, now=late).text


def test_a_named_day_and_a_holiday(kb: KnowledgeBase, retriever: Retriever) -> None:
    now = datetime(2026, 12, 1, 10, 0, tzinfo=CHICAGO)
    assert "closed" in answer("Are you open on Sunday?", kb, retriever, now=now).text
    friday = answer("What time do you close on Fridays?", kb, retriever, now=now).text
    assert "1:00 PM" in friday
    christmas = answer("Are you open on Christmas?", kb, retriever, now=now)
    assert christmas.action == "answer"
    assert "closed" in christmas.text
    assert (
        "closed"
        in answer(
            "are you open today?", kb, retriever, now=datetime(2026, 12, 25, 10, 0, tzinfo=CHICAGO)
        ).text
    )


def test_an_emergency_follows_the_emergency_facts(kb: KnowledgeBase, retriever: Retriever) -> None:
    turn = answer("My son's tooth got knocked out, it's an emergency!", kb, retriever)
    assert turn.action == "answer"
    assert "milk" in turn.text
