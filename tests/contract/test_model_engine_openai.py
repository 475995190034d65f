"""The model engine (#8) through the OpenAI adapter against the local fake: the request it
sends meets the contract and carries the grounded prompt, the tools and the history; the answer
streams piece by piece with its usage; the tools become handoffs and messages; a failing or
broken model falls back to the rules engine; cancelling a turn stops a stalled stream at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.openai_server import FakeOpenAI, validate_request
from tests.fakes.words_embedder import WordsEmbedder
from voice_platform.config import Settings
from voice_platform.conversation.model_engine import TOOLS, ModelEngine
from voice_platform.conversation.offline import RulesEngine
from voice_platform.conversation.phrases import phrase
from voice_platform.conversation.retrieval import Retriever
from voice_platform.conversation.turns import Turn, TurnContext
from voice_platform.knowledge.schemas import (
    Categories,
    Emergencies,
    Hours,
    Interval,
    KnowledgeBase,
    Price,
    PriceItem,
    Pricing,
    Weekly,
)
from voice_platform.providers.errors import AuthenticationFailed, Unavailable
from voice_platform.providers.llm.openai_compat import OpenAIChat

NOW = datetime(2026, 3, 3, 10, 15, tzinfo=ZoneInfo("America/Chicago"))


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()
    for sent in server.requests:
        validate_request(sent["path"], sent["body"], sent["auth"])


def adapter(fake: FakeOpenAI, *, timeout: float = 5) -> OpenAIChat:
    settings = Settings(
        _env_file=None,
        llm_api_key="sk-test",
        llm_base_url=fake.base_url,
        llm_timeout_seconds=timeout,
    )
    return OpenAIChat(settings, max_retries=0)


@pytest.fixture
def kb() -> KnowledgeBase:
    nine_to_five = [Interval(open="09:00", close="17:00")]
    return KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            hours=Hours(
                time_zone="America/Chicago",
                weekly=Weekly(monday=nine_to_five, tuesday=nine_to_five),
            ),
            pricing=Pricing(items=[PriceItem(item="Teeth whitening", price=Price(amount=349))]),
            emergencies=Emergencies(emergency_phone="555-0199"),
        ),
    )


def context(kb: KnowledgeBase, question: str, **kw: Any) -> TurnContext:
    fields: dict[str, Any] = {"business": "Test Dental", "now": NOW, **kw}
    return TurnContext(question=question, kb=kb, retriever=Retriever(kb, WordsEmbedder()), **fields)


async def reply(engine: ModelEngine, ctx: TurnContext) -> tuple[list[str], Turn]:
    items = [item async for item in engine.reply(ctx)]
    *pieces, turn = items
    assert isinstance(turn, Turn)
    said = [piece for piece in pieces if isinstance(piece, str)]
    assert len(said) == len(pieces)
    return said, turn


async def test_a_turn_streams_the_models_answer_with_the_grounded_prompt(
    fake: FakeOpenAI, kb: KnowledgeBase
) -> None:
    engine = ModelEngine(adapter(fake))
    ctx = context(
        kb,
        "How much is teeth whitening?",
        history=(("agent", "Thanks for calling Test Dental."), ("caller", "Hi there")),
    )
    pieces, turn = await reply(engine, ctx)
    assert "".join(pieces) == "You said: How much is teeth whitening?"
    assert len(pieces) == 7
    assert turn.action == "answer"
    assert any("whitening" in chunk.text for chunk in turn.facts)
    (sent,) = fake.chat_requests()
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert [tool["function"]["name"] for tool in sent["tools"]] == [t.name for t in TOOLS]
    system, *history, question = sent["messages"]
    assert system["role"] == "system"
    assert "- Price of Teeth whitening: $349." in system["content"]
    assert "We are open right now, until 5:00 PM today" in system["content"]
    assert "- Emergency phone: 555-0199" in system["content"]
    assert "answer only from the facts" in system["content"]
    assert [m["role"] for m in history] == ["assistant", "user"]
    assert question == {"role": "user", "content": "How much is teeth whitening?"}
    assert engine.last_usage is not None
    assert engine.last_usage.completion_tokens == 7
    assert engine.last_usage.prompt_tokens > 50
    assert engine.last_usage.model == "gpt-4o-mini"


async def test_with_no_fact_the_turn_is_unknown_whatever_the_model_says(
    fake: FakeOpenAI,
) -> None:
    empty = KnowledgeBase(business_name="Nothing Known")
    _, turn = await reply(ModelEngine(adapter(fake)), context(empty, "Do you do Botox?"))
    assert turn.action == "unknown"
    assert turn.facts == []


async def test_the_tools_become_a_handoff_and_a_message(
    fake: FakeOpenAI, kb: KnowledgeBase
) -> None:
    engine = ModelEngine(adapter(fake))
    ctx = context(kb, "Please transfer me to Dr. Lee", transfer_available=True)
    pieces, turn = await reply(engine, ctx)
    assert turn.action == "handoff"
    assert pieces == [phrase("transfer")]
    pieces, turn = await reply(engine, context(kb, "Can I leave a message?"))
    assert turn.action == "message"
    assert pieces == [phrase("ask_name")]
    assert engine.last_usage is not None


@pytest.mark.parametrize(
    ("knob", "value", "error"),
    [
        ("fail_next", [500], Unavailable),
        ("fail_next", [401], AuthenticationFailed),
        ("break_stream", True, Unavailable),
    ],
    ids=["server error", "refused key", "broken stream"],
)
async def test_a_failing_model_falls_back_to_the_rules(
    fake: FakeOpenAI, kb: KnowledgeBase, knob: str, value: Any, error: type[Exception]
) -> None:
    setattr(fake, knob, value)
    engine = ModelEngine(adapter(fake))
    ctx = context(kb, "How much is teeth whitening?")
    pieces, turn = await reply(engine, ctx)
    rules = [item async for item in RulesEngine().reply(ctx)][-1]
    assert isinstance(rules, Turn)
    assert pieces
    assert (turn.action, turn.text) == (rules.action, rules.text)
    assert "You said" not in turn.text
    assert isinstance(engine.last_error, error)


async def test_cancelling_a_turn_stops_a_stalled_stream_at_once(
    fake: FakeOpenAI, kb: KnowledgeBase
) -> None:
    fake.stall = 3
    engine = ModelEngine(adapter(fake, timeout=10))
    heard: list[str | Turn] = []

    async def speak() -> None:
        async for item in engine.reply(context(kb, "How much is teeth whitening?")):
            heard.append(item)

    task = asyncio.create_task(speak())
    # The fake sends its first chunk, then stalls for seconds.
    await asyncio.sleep(0.4)
    assert fake.requests
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 0.5
    assert heard == []
