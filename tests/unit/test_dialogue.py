"""The call's dialogue, with no telephone: taking a message, transfers and the hours, goodbye,
silence, keypad, language, and carrying a conversation over between turns."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from voice_platform.conversation.dialogue import (
    AgentTurn,
    CallEnd,
    CallSetup,
    Dialogue,
    Event,
    LanguageChange,
    MessageTaken,
    Speech,
    digits_in,
    is_open,
    name_in,
    spoken_number,
)
from voice_platform.conversation.language import LanguageAware
from voice_platform.conversation.offline import RulesEngine
from voice_platform.conversation.phrases import phrase
from voice_platform.conversation.retrieval import Retriever
from voice_platform.knowledge.document import parse_document
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.providers.llm.local import LocalEmbedder

FIXTURE = Path(__file__).parents[1] / "fixtures" / "bright_smile_kb.json"
# Bright Smile is in America/Chicago: open Tuesday 7:00-16:00, closed on Saturdays.
TUESDAY_10AM = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)
SATURDAY_NOON = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return parse_document(json.loads(FIXTURE.read_text()))


@pytest.fixture(scope="module")
def index(kb: KnowledgeBase) -> Retriever:
    return Retriever(kb, LocalEmbedder())


def dialogue(
    kb: KnowledgeBase, when: datetime = TUESDAY_10AM, index: Retriever | None = None, **setup: Any
) -> Dialogue:
    fields: dict[str, Any] = {
        "business": "Bright Smile Dental",
        "transfer_to": "+15550009999",
        "caller_number": "+15125550199",
        "languages": ("en", "es"),
        **setup,
    }
    call = CallSetup(kb=kb, retriever=Retriever(kb, None), **fields)
    if index is not None:
        call = replace(call, retriever=index)
    return Dialogue(call, LanguageAware(RulesEngine()), clock=lambda: when)


async def hear(call: Dialogue, said: str, language: str | None = None) -> list[Event]:
    return [event async for event in call.hear(said, language)]


def spoken(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, Speech)).strip()


def test_digits_names_and_numbers_are_read_as_people_say_them() -> None:
    assert digits_in("five one two, five five five, zero one nine nine") == "5125550199"
    assert digits_in("512-555-0199") == "5125550199"
    assert digits_in("double four, triple seven") == "44777"
    assert digits_in("call me tomorrow") == ""
    assert spoken_number("+15125550199") == "5 1 2, 5 5 5, 0 1 9 9"
    assert name_in("Hi, my name is Tom Jones.") == "Tom Jones"
    assert name_in("It's Maria") == "Maria"


def test_the_business_hours_decide_open_and_closed(kb: KnowledgeBase) -> None:
    assert is_open(kb, TUESDAY_10AM) is True
    assert is_open(kb, SATURDAY_NOON) is False
    assert is_open(KnowledgeBase(), TUESDAY_10AM) is None


async def test_a_message_is_taken_step_by_step_and_read_back(kb: KnowledgeBase) -> None:
    call = dialogue(kb)
    asked = await hear(call, "I'd like to leave a message please")
    assert spoken(asked).endswith("What's your name?")
    assert "5 1 2, 5 5 5, 0 1 9 9" in spoken(await hear(call, "This is Ann Lee"))
    assert spoken(await hear(call, "no, use 312 555 0147")) == phrase("ask_body")
    read = spoken(await hear(call, "My crown came loose"))
    assert read == phrase(
        "read_back", name="Ann Lee", number="3 1 2, 5 5 5, 0 1 4 7", body="My crown came loose"
    )
    assert spoken(await hear(call, "no")) == phrase("ask_name_again")
    await hear(call, "Ann Lee")
    await hear(call, "yes that's my number")
    await hear(call, "My crown came loose")
    unsure = await hear(call, "hmm")
    assert spoken(unsure) == phrase("confirm_again")
    done = await hear(call, "yes, correct")
    [taken] = [e for e in done if isinstance(e, MessageTaken)]
    assert taken == MessageTaken("Ann Lee", "+15125550199", "My crown came loose")
    assert spoken(done) == phrase("message_taken")
    assert call.step == "talk"


async def test_a_callback_number_can_be_typed(kb: KnowledgeBase) -> None:
    call = dialogue(kb, caller_number="")
    await hear(call, "can you take a message")
    assert "press pound" in spoken(await hear(call, "Tom"))
    events: list[Event] = []
    for key in "3125550147#":
        events += [e async for e in call.keypad(key)]
    assert spoken(events) == phrase("ask_body")
    assert call.draft["number"] == "3125550147"


async def test_a_transfer_when_open_ends_the_call_with_the_number(kb: KnowledgeBase) -> None:
    call = dialogue(kb)
    events = await hear(call, "Can I talk to a real person?")
    assert "transfer" in spoken(events).lower()
    end = events[-1]
    assert isinstance(end, CallEnd)
    assert end.reason == "handoff"
    assert end.handoff["to"] == "+15550009999"
    assert end.handoff["reasonCode"] == "live-agent-handoff"


async def test_after_hours_a_transfer_becomes_a_message(kb: KnowledgeBase) -> None:
    call = dialogue(kb, when=SATURDAY_NOON)
    assert call.opening().endswith(phrase("closed_now"))
    events = await hear(call, "Can I talk to a real person?")
    assert spoken(events) == phrase("closed_transfer")
    assert "transfer you" not in spoken(events)
    assert not any(isinstance(e, CallEnd) for e in events)
    assert call.step == "name"
    on_call = dialogue(kb, when=SATURDAY_NOON, transfer_after_hours=True)
    assert isinstance((await hear(on_call, "put me through to someone"))[-1], CallEnd)


async def test_with_no_one_to_transfer_to_the_agent_offers_a_message(kb: KnowledgeBase) -> None:
    call = dialogue(kb, transfer_to=None)
    events = await hear(call, "I want to speak to a human")
    assert spoken(events) == phrase("no_transfer")
    unknown = await hear(dialogue(kb, transfer_to=None), "Do you sell gift cards for the spa?")
    assert "transfer" not in spoken(unknown)


async def test_pressing_zero_asks_for_a_person(kb: KnowledgeBase) -> None:
    call = dialogue(kb)
    events = [e async for e in call.keypad("0")]
    assert isinstance(events[-1], CallEnd)
    assert events[-1].reason == "handoff"


async def test_goodbye_and_silence_end_the_call(kb: KnowledgeBase) -> None:
    call = dialogue(kb)
    events = await hear(call, "ok thanks, bye")
    assert spoken(events) == phrase("goodbye")
    assert events[-1] == CallEnd("caller")
    quiet = dialogue(kb)
    first = [e async for e in quiet.silence()]
    assert spoken(first) == phrase("still_there")
    second = await hear(quiet, "   ")
    assert spoken(second) == phrase("silence_goodbye")
    assert second[-1] == CallEnd("silence")


async def test_each_answer_is_one_turn_with_its_facts(kb: KnowledgeBase, index: Retriever) -> None:
    call = dialogue(kb, index=index)
    events = await hear(call, "do y'all take Delta Dental?")
    [turn] = [e for e in events if isinstance(e, AgentTurn)]
    assert turn.turn.action == "answer"
    assert turn.turn.facts
    assert spoken(events) == turn.turn.text
    assert call.history[-2:] == [
        ("caller", "do y'all take Delta Dental?"),
        ("agent", turn.turn.text),
    ]


async def test_a_spanish_caller_is_answered_in_spanish(kb: KnowledgeBase) -> None:
    call = dialogue(kb)
    events = await hear(call, "Hola, quiero dejar un mensaje para la doctora por favor")
    assert LanguageChange("es-US") in events
    assert call.language == "es-US"
    assert spoken(events) == phrase("ask_name", "es")
    assert "Ana" in spoken(await hear(call, "Me llamo Ana"))


async def test_the_conversation_carries_over_between_turns(kb: KnowledgeBase) -> None:
    call = dialogue(kb)
    await hear(call, "I'd like to leave a message")
    await hear(call, "Ann")
    memory = json.loads(json.dumps(call.memory()))
    later = dialogue(kb).recall(memory)
    assert later.step == "number"
    assert later.draft == {"name": "Ann"}
    assert spoken(await hear(later, "yes")) == phrase("ask_body")
