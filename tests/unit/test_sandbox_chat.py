"""The offline chat model: it answers from the facts it is given, or says it does not know;
it calls the transfer, message and end-call tools when the caller asks; it streams the same
answer word by word, and answers the same way every time."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from voice_platform.config import Settings
from voice_platform.providers.errors import BadRequest
from voice_platform.providers.llm import get_chat
from voice_platform.providers.llm.base import (
    Message,
    StreamEnd,
    TextDelta,
    Tool,
    ToolCall,
    assistant_message,
    tool_message,
)
from voice_platform.providers.llm.sandbox import LocalChat

SYSTEM = """You answer the phone for Bright Smiles Dental. Use only these facts:
- We are open Monday to Friday, 8 a.m. to 5 p.m.
- A cleaning costs $120.
- We are at 12 Main Street, Springfield.
- Free parking is behind the building.
- We accept Visa, Mastercard and cash.
- Dr. Ana Lee is our lead dentist."""
TRANSFER = Tool(
    "transfer_to_human",
    "Put the caller through to a person.",
    {
        "type": "object",
        "properties": {"reason": {"type": "string"}},
        "required": ["reason"],
        "additionalProperties": False,
    },
)
TAKE_MESSAGE = Tool(
    "take_message",
    "Write down a message for the business.",
    {
        "type": "object",
        "properties": {
            "caller_name": {"type": "string"},
            "message": {"type": "string"},
            "urgent": {"type": "boolean"},
            "priority": {"type": "string", "enum": ["normal", "high"]},
        },
        "required": ["message", "urgent", "priority"],
        "additionalProperties": False,
    },
)
END_CALL = Tool("end_call", "Hang up once the caller is done.")
TOOLS = [TRANSFER, TAKE_MESSAGE, END_CALL]


def asking(question: str, system: str = SYSTEM) -> list[Message]:
    return [{"role": "system", "content": system}, {"role": "user", "content": question}]


async def answer(question: str, **kw: Any) -> str:
    return (await LocalChat().complete(asking(question), **kw)).text


@pytest.mark.parametrize(
    ("question", "fact"),
    [
        ("What are your hours?", "We are open Monday to Friday, 8 a.m. to 5 p.m."),
        ("Hi, what time do you close tomorrow?", "We are open Monday to Friday, 8 a.m. to 5 p.m."),
        ("How much is a cleaning?", "A cleaning costs $120."),
        ("Where are you located?", "We are at 12 Main Street, Springfield."),
        ("Is there somewhere to park?", "Free parking is behind the building."),
        ("Do you take credit cards?", "We accept Visa, Mastercard and cash."),
        ("Who is the dentist there?", "Dr. Ana Lee is our lead dentist."),
    ],
)
async def test_it_answers_with_the_fact_that_answers_the_question(question: str, fact: str) -> None:
    assert await answer(question) == fact


async def test_facts_may_come_in_the_user_message_too() -> None:
    messages: list[Message] = [
        {"role": "system", "content": "You answer the phone for a bakery."},
        {
            "role": "user",
            "content": "Facts:\n* Sourdough is baked every morning.\n* We close at 3 p.m.\n\n"
            "Do you have sourdough?",
        },
    ]
    assert (await LocalChat().complete(messages)).text == "Sourdough is baked every morning."


@pytest.mark.parametrize(
    "question",
    ["Do you offer teeth whitening?", "How much is teeth whitening?", "Do you do implants?"],
)
async def test_it_says_it_does_not_know_rather_than_answer_beside_the_question(
    question: str,
) -> None:
    said = await answer(question)
    assert said.startswith("I'm sorry, I don't have that information.")
    assert "take a message" in said
    assert "put you through" not in said


async def test_without_facts_it_does_not_know_and_offers_a_transfer_when_it_can() -> None:
    messages: list[Message] = [{"role": "user", "content": "What are your hours?"}]
    said = (await LocalChat().complete(messages, tools=[TRANSFER])).text
    assert said == (
        "I'm sorry, I don't have that information. "
        "I can take a message, or put you through to someone who can help."
    )


async def test_a_greeting_gets_an_offer_of_help() -> None:
    assert await answer("Hello!") == "How can I help you?"


async def test_asking_for_a_person_calls_the_transfer_tool_with_the_callers_words() -> None:
    reply = await LocalChat().complete(asking("Can I speak to the manager?"), tools=TOOLS)
    assert reply.text == ""
    assert reply.finish_reason == "tool_calls"
    (call,) = reply.tool_calls
    assert call.name == "transfer_to_human"
    assert call.arguments == {"reason": "Can I speak to the manager?"}


async def test_asking_to_leave_a_message_calls_the_message_tool_even_for_the_manager() -> None:
    reply = await LocalChat().complete(
        asking("Can I leave a message for the manager?"), tools=TOOLS
    )
    (call,) = reply.tool_calls
    assert call.name == "take_message"
    assert call.arguments["message"] == "Can I leave a message for the manager?"
    jsonschema.validate(call.arguments, TAKE_MESSAGE.parameters)


async def test_saying_goodbye_calls_the_end_call_tool() -> None:
    reply = await LocalChat().complete(asking("That's all, thanks. Bye!"), tools=TOOLS)
    assert [call.name for call in reply.tool_calls] == ["end_call"]


async def test_without_the_tool_it_answers_in_words() -> None:
    said = await answer("Can I speak to the manager?", tools=[END_CALL])
    assert said.startswith("I'm sorry, I don't have that information.")


async def test_after_a_tool_ran_it_says_the_result_in_words_not_data() -> None:
    chat = LocalChat()
    messages = asking("Please transfer me to a person")
    reply = await chat.complete(messages, tools=TOOLS)
    (call,) = reply.tool_calls
    messages += [assistant_message(reply.text, reply.tool_calls)]
    said = await chat.complete([*messages, tool_message(call, "Putting you through.")])
    assert said.text == "Putting you through."
    data = await chat.complete([*messages, tool_message(call, '{"status": "ok"}')], tools=TOOLS)
    assert data.text == "Done."
    assert data.tool_calls == ()


async def test_streaming_says_the_same_thing_word_by_word() -> None:
    chat = LocalChat()
    for question, tools in (("How much is a cleaning?", None), ("Transfer me", TOOLS)):
        whole = await chat.complete(asking(question), tools=tools)
        events = [event async for event in chat.stream(asking(question), tools=tools)]
        pieces = [e.text for e in events if isinstance(e, TextDelta)]
        assert "".join(pieces) == whole.text
        assert len(pieces) == len(whole.text.split())
        assert tuple(e for e in events if isinstance(e, ToolCall)) == whole.tool_calls
        assert events[-1] == StreamEnd(whole.usage, whole.finish_reason)


async def test_the_same_conversation_gets_the_same_answer() -> None:
    for question in ("Where are you located?", "Transfer me", "Do you do implants?"):
        first = await LocalChat().complete(asking(question), tools=TOOLS, temperature=1.0)
        second = await LocalChat().complete(asking(question), tools=TOOLS, temperature=0.0)
        assert first == second


async def test_usage_counts_words_and_costs_nothing() -> None:
    chat = LocalChat()
    reply = await chat.complete(asking("How much is a cleaning?"))
    assert reply.usage.prompt_tokens == len(SYSTEM.split()) + 5
    assert reply.usage.completion_tokens == 4
    assert reply.usage.model == "local"
    assert chat.cost_usd(reply.usage) == 0.0


async def test_max_tokens_cuts_the_answer_short() -> None:
    reply = await LocalChat().complete(asking("What are your hours?"), max_tokens=3)
    assert reply.text == "We are open"
    assert reply.finish_reason == "length"


async def test_structured_outputs_need_a_real_model() -> None:
    with pytest.raises(BadRequest, match="set LLM_API_KEY"):
        await LocalChat().structured(asking("hi"), schema_name="x", schema={"type": "object"})


def test_without_a_key_the_call_engine_gets_the_offline_model() -> None:
    assert isinstance(get_chat(Settings(_env_file=None, llm_api_key="")), LocalChat)
