"""Streamed chat through the vendor's SDK against the local fake: every server-sent chunk of the
fake is checked against the contract (CreateChatCompletionStreamResponse) with openapi-core,
and the adapter turns the chunks into text pieces, whole tool calls and a final usage."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAI, validate_request, validate_stream
from voice_platform.config import Settings
from voice_platform.providers.errors import AuthenticationFailed, Unavailable
from voice_platform.providers.llm.base import (
    Message,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Tool,
    ToolCall,
)
from voice_platform.providers.llm.openai_compat import OpenAIChat

CHAT = "/v1/chat/completions"
SAYING = {"type": "object", "properties": {"reason": {"type": "string"}}}
TRANSFER = Tool("transfer_call", "Put the caller through to a person.", SAYING)
MESSAGE = Tool(
    "take_message",
    "Write down a message for the business.",
    {"type": "object", "properties": {"message": {"type": "string"}}},
)
QUESTION: list[Message] = [{"role": "user", "content": "Do you open on Saturday mornings?"}]
BOTH_TOOLS: list[Message] = [
    {"role": "user", "content": "Transfer me, or else take a message for Sam"}
]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()
    for sent in server.requests:
        validate_request(sent["path"], sent["body"], sent["auth"])


def chat(fake: FakeOpenAI, *, max_retries: int = 0, timeout: float = 5) -> OpenAIChat:
    settings = Settings(
        _env_file=None,
        llm_api_key="sk-test",
        llm_base_url=fake.base_url,
        llm_timeout_seconds=timeout,
    )
    return OpenAIChat(settings, max_retries=max_retries)


def stream_request(messages: list[Message], **fields: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": messages, "stream": True, **fields}


def raw_stream(fake: FakeOpenAI, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The fake's chunks for `body`, each checked against the contract."""
    answer = httpx.post(
        f"{fake.base_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer sk-test"},
    )
    return validate_stream(CHAT, body, answer)


async def events(adapter: OpenAIChat, messages: list[Message], **kw: Any) -> list[StreamEvent]:
    return [event async for event in adapter.stream(messages, **kw)]


USAGE = {"stream_options": {"include_usage": True}}
TOOL_PARAMS = [
    {"type": "function", "function": {"name": tool.name, "parameters": tool.parameters}}
    for tool in (TRANSFER, MESSAGE)
]
STREAMS: dict[str, dict[str, Any]] = {
    "text": stream_request(QUESTION),
    "text with usage": stream_request(QUESTION, **USAGE),
    "no obfuscation": stream_request(QUESTION, stream_options={"include_obfuscation": False}),
    "tool calls": stream_request(BOTH_TOOLS, tools=TOOL_PARAMS, **USAGE),
}


@pytest.mark.parametrize("body", STREAMS.values(), ids=STREAMS.keys())
def test_every_chunk_the_fake_streams_meets_the_contract(
    fake: FakeOpenAI, body: dict[str, Any]
) -> None:
    validate_request(CHAT, body, "Bearer sk-test")
    chunks = raw_stream(fake, body)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    finishing = [c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
    assert len(finishing) == 1
    with_usage = body.get("stream_options", {}).get("include_usage", False)
    if with_usage:
        # One extra chunk, last, with no choices and the totals; every other one says null.
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"]["total_tokens"] > 0
        assert all(chunk["usage"] is None for chunk in chunks[:-1])
    else:
        assert all("usage" not in chunk for chunk in chunks)


def test_the_fake_streams_tool_call_arguments_in_interleaved_fragments(
    fake: FakeOpenAI,
) -> None:
    chunks = raw_stream(fake, STREAMS["tool calls"])
    fragments = [
        fragment
        for chunk in chunks
        for choice in chunk["choices"]
        for fragment in choice["delta"].get("tool_calls", [])
    ]
    order = [fragment["index"] for fragment in fragments if "id" not in fragment]
    assert order[:4] == [0, 1, 0, 1]
    assert all("id" in f and f["function"]["arguments"] == "" for f in fragments[:2])


async def test_a_stream_yields_the_text_piece_by_piece_then_the_usage(
    fake: FakeOpenAI,
) -> None:
    streamed = await events(chat(fake), QUESTION, max_tokens=50)
    *pieces, end = streamed
    assert all(isinstance(piece, TextDelta) for piece in pieces)
    assert len(pieces) == 8
    assert "".join(p.text for p in pieces if isinstance(p, TextDelta)) == (
        "You said: Do you open on Saturday mornings?"
    )
    assert isinstance(end, StreamEnd)
    assert end.finish_reason == "stop"
    assert (end.usage.prompt_tokens, end.usage.completion_tokens) == (6, 8)
    assert end.usage.model == "gpt-4o-mini"
    (sent,) = fake.chat_requests()
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["max_completion_tokens"] == 50


async def test_streamed_tool_call_fragments_are_merged_into_whole_calls(
    fake: FakeOpenAI,
) -> None:
    *calls, end = await events(chat(fake), BOTH_TOOLS, tools=[TRANSFER, MESSAGE])
    said = "Transfer me, or else take a message for Sam"
    assert [call for call in calls if isinstance(call, ToolCall)] == calls
    assert [(c.name, c.arguments) for c in calls if isinstance(c, ToolCall)] == [
        ("transfer_call", {"reason": said}),
        ("take_message", {"message": said}),
    ]
    assert all(isinstance(c, ToolCall) and c.id.startswith("call_") for c in calls)
    assert isinstance(end, StreamEnd)
    assert end.finish_reason == "tool_calls"
    assert end.usage.completion_tokens > 0


async def test_a_stream_says_what_the_same_completion_says(fake: FakeOpenAI) -> None:
    adapter = chat(fake)
    for messages, tools in ((QUESTION, None), (BOTH_TOOLS, [TRANSFER, MESSAGE])):
        whole = await adapter.complete(messages, tools=tools)
        streamed = await events(adapter, messages, tools=tools)
        text = "".join(e.text for e in streamed if isinstance(e, TextDelta))
        assert text == whole.text
        assert tuple(e for e in streamed if isinstance(e, ToolCall)) == whole.tool_calls
        end = streamed[-1]
        assert isinstance(end, StreamEnd)
        assert end.usage == whole.usage


async def test_a_stream_that_stalls_is_unavailable(fake: FakeOpenAI) -> None:
    fake.stall = 1.5
    adapter = chat(fake, timeout=0.3)
    streamed: list[StreamEvent] = []
    with pytest.raises(Unavailable, match="did not answer in time"):
        async for event in adapter.stream(QUESTION):
            streamed.append(event)
    assert streamed == []  # the first chunk carries no text


async def test_an_error_in_the_middle_of_a_stream_is_unavailable(fake: FakeOpenAI) -> None:
    fake.break_stream = True
    with pytest.raises(Unavailable, match="broke off: the stream broke"):
        await events(chat(fake), QUESTION)


async def test_a_refused_stream_is_the_providers_error_before_any_event(
    fake: FakeOpenAI,
) -> None:
    fake.fail_next = [401]
    with pytest.raises(AuthenticationFailed):
        await events(chat(fake), QUESTION)


async def test_a_stream_is_retried_after_the_wait_retry_after_asks(fake: FakeOpenAI) -> None:
    fake.fail_next = [429]
    fake.retry_after = 1
    streamed = await events(chat(fake, max_retries=2), QUESTION)
    assert isinstance(streamed[-1], StreamEnd)
    first, second = fake.requests
    assert second["at"] - first["at"] >= 0.95
