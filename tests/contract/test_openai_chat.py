"""The OpenAI-compatible chat adapter (conversation with tools, Structured Outputs), through
the vendor's SDK, against a local fake. The fake's answers and every request the adapter sent
are checked against the contract with openapi-core. Streaming: test_openai_stream.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openapi_core.exceptions import OpenAPIError

from tests.fakes.openai_server import FakeOpenAI, validate_answer, validate_request
from voice_platform.config import Settings, get_settings
from voice_platform.extract.model import SCHEMA, SCHEMA_NAME, Piece, messages_for
from voice_platform.providers.errors import (
    AuthenticationFailed,
    BadRequest,
    ProviderError,
    ProviderNotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from voice_platform.providers.llm import get_chat, get_chat_model
from voice_platform.providers.llm.base import Tool, ToolCall, assistant_message, tool_message
from voice_platform.providers.llm.openai_compat import OpenAIChat
from voice_platform.providers.llm.sandbox import LocalChat

PAGE = Piece(
    "https://example.test/hours",
    "Hours",
    "We are open Monday to Friday from 8 a.m. to 5 p.m.\nParking is free behind the building.",
)
MESSAGES = messages_for([PAGE])
CHAT = "/v1/chat/completions"
TRANSFER = Tool(
    "transfer_call",
    "Put the caller through to a person.",
    {
        "type": "object",
        "properties": {"reason": {"type": "string"}},
        "required": ["reason"],
        "additionalProperties": False,
    },
)
CONVERSATION = [
    {"role": "system", "content": "You answer the phone for Bright Smiles."},
    {"role": "user", "content": "When are you open?"},
]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()
    for sent in server.requests:
        if sent["path"] == CHAT:
            validate_request(sent["path"], sent["body"], sent["auth"])


def settings_for(fake: FakeOpenAI, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"llm_api_key": "sk-test", "llm_base_url": fake.base_url}
    return Settings(_env_file=None, **{"llm_timeout_seconds": 5, **values, **overrides})


def post(fake: FakeOpenAI, body: dict[str, Any]) -> httpx.Response:
    """A request to the fake as the SDK sends one, key included."""
    return httpx.post(
        f"{fake.base_url}/chat/completions",
        json=body,
        headers={"Authorization": "Bearer sk-test"},
    )


def chat(fake: FakeOpenAI, *, max_retries: int = 3, **overrides: Any) -> OpenAIChat:
    return OpenAIChat(settings_for(fake, **overrides), max_retries=max_retries)


async def ask(fake: FakeOpenAI, **overrides: Any) -> dict[str, Any]:
    return await chat(fake, **overrides).structured(
        MESSAGES, schema_name=SCHEMA_NAME, schema=SCHEMA
    )


STRUCTURED_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": MESSAGES,
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
    },
    "temperature": 0,
}
TOOL_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "Please transfer me to the manager"}],
    "tools": [
        {
            "type": "function",
            "function": {"name": "transfer_call", "parameters": TRANSFER.parameters},
        }
    ],
}
ROUND_TRIP_REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [
        *TOOL_REQUEST["messages"],
        assistant_message("", [ToolCall("call_1", "transfer_call", {"reason": "manager"})]),
        tool_message(ToolCall("call_1", "transfer_call", {}), "Transferring you now."),
    ],
    "tools": TOOL_REQUEST["tools"],
}
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "structured": ({}, STRUCTURED_REQUEST),
    "invent": ({"invent": True}, STRUCTURED_REQUEST),
    "refuse": ({"refuse": True}, STRUCTURED_REQUEST),
    "truncate": ({"truncate": True}, STRUCTURED_REQUEST),
    "filtered": ({"filtered": True}, STRUCTURED_REQUEST),
    "invalid_json": ({"invalid_json": True}, STRUCTURED_REQUEST),
    "conversation": ({}, {"model": "gpt-4o-mini", "messages": CONVERSATION}),
    "tool call": ({}, TOOL_REQUEST),
    "tool result": ({}, ROUND_TRIP_REQUEST),
    "rate limited": ({"fail_next": [429], "retry_after": 3}, TOOL_REQUEST),
    "rate limited, no wait given": ({"fail_next": [429]}, TOOL_REQUEST),
    "out of quota": ({"out_of_quota": True}, TOOL_REQUEST),
}


@pytest.mark.parametrize(("knobs", "request_body"), CASES.values(), ids=CASES.keys())
def test_the_fake_answers_in_the_contracts_shape(
    fake: FakeOpenAI, knobs: dict[str, Any], request_body: dict[str, Any]
) -> None:
    for name, value in knobs.items():
        setattr(fake, name, value)
    validate_request(CHAT, request_body, "Bearer sk-test")
    answer = post(fake, request_body)
    assert answer.status_code == (429 if "fail_next" in knobs or "out_of_quota" in knobs else 200)
    validate_answer(CHAT, request_body, answer)


def test_the_fakes_tool_call_is_in_the_contracts_shape_and_names_the_offered_tool(
    fake: FakeOpenAI,
) -> None:
    answer = post(fake, TOOL_REQUEST).json()
    (choice,) = answer["choices"]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["function"]["name"] == "transfer_call"
    assert call["function"]["arguments"] == '{"reason": "Please transfer me to the manager"}'


def test_the_malformed_knob_really_breaks_the_shape(fake: FakeOpenAI) -> None:
    fake.malformed = True
    answer = post(fake, STRUCTURED_REQUEST)
    with pytest.raises(OpenAPIError):
        validate_answer(CHAT, STRUCTURED_REQUEST, answer)


def test_a_request_outside_the_contract_is_refused_by_the_check() -> None:
    with pytest.raises(OpenAPIError):
        validate_request(CHAT, {"model": "m", "messages": [{"role": "robot"}]}, "Bearer sk")


def test_the_fake_refuses_a_schema_strict_mode_would_refuse(fake: FakeOpenAI) -> None:
    loose = {"type": "object", "properties": {"facts": {"type": "array"}}, "required": []}
    request = {"model": "m", "messages": MESSAGES, "response_format": {"type": "json_schema",
               "json_schema": {"name": "loose", "strict": True, "schema": loose}}}  # fmt: skip
    answer = post(fake, request)
    assert answer.status_code == 400
    assert "additionalProperties" in answer.json()["error"]["message"]


async def test_a_structured_answer_comes_back_as_a_parsed_object(fake: FakeOpenAI) -> None:
    answer = await ask(fake, llm_chat_model="gpt-test-mini")
    assert [fact["category"] for fact in answer["facts"]] == ["hours", "locations"]
    assert answer["facts"][0]["snippet"] == "We are open Monday to Friday from 8 a.m. to 5 p.m."
    (sent,) = fake.requests
    assert sent["auth"] == "Bearer sk-test"
    assert sent["body"]["model"] == "gpt-test-mini"
    assert sent["body"]["temperature"] == 0
    assert sent["body"]["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
    }
    assert [m["role"] for m in sent["body"]["messages"]] == ["system", "user"]


async def test_a_429_is_retried_after_the_delay_it_asks_for(fake: FakeOpenAI) -> None:
    # The SDK's own first back-off is at most 0.5 s: waiting a second shows Retry-After ruled.
    fake.fail_next = [429]
    fake.retry_after = 1
    answer = await ask(fake)
    assert answer["facts"]
    first, second = fake.requests
    assert second["at"] - first["at"] >= 0.95


async def test_server_errors_are_retried(fake: FakeOpenAI) -> None:
    fake.fail_next = [500, 503]
    assert (await ask(fake))["facts"]
    assert len(fake.requests) == 3


async def test_a_request_the_service_rejects_is_not_retried_and_says_why(
    fake: FakeOpenAI,
) -> None:
    fake.fail_next = [400]
    with pytest.raises(ProviderError, match=r"refused: .*fake failure"):
        await ask(fake)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("knob", "message"),
    [
        ("refuse", "refused: I'm sorry, I can't help with that"),
        ("truncate", "ran out of output tokens"),
        ("filtered", "content filter"),
        ("invalid_json", "invalid JSON"),
        ("malformed", "unknown shape"),
    ],
)
async def test_an_answer_that_is_not_the_objects_json_is_a_clear_provider_error(
    fake: FakeOpenAI, knob: str, message: str
) -> None:
    setattr(fake, knob, True)
    with pytest.raises(ProviderError, match=message):
        await ask(fake)


async def test_a_slow_server_times_out(fake: FakeOpenAI) -> None:
    fake.latency = 2.0
    with pytest.raises(ProviderError):
        await chat(fake, llm_timeout_seconds=0.3).structured(
            MESSAGES, schema_name=SCHEMA_NAME, schema=SCHEMA
        )


def test_without_a_key_there_is_no_chat_model_and_with_one_there_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LLM_API_KEY", raising=False)
    get_settings.cache_clear()
    assert get_chat_model() is None
    monkeypatch.setenv("LLM_API_KEY", "sk-test")
    monkeypatch.setenv("LLM_CHAT_MODEL", "gpt-test")
    get_settings.cache_clear()
    try:
        model = get_chat_model()
        assert isinstance(model, OpenAIChat)
        assert model.name == "openai:gpt-test"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_without_a_key_callers_get_the_offline_engine_and_with_one_the_service() -> None:
    assert isinstance(get_chat(Settings(_env_file=None, llm_api_key="")), LocalChat)
    with_key = get_chat(Settings(_env_file=None, llm_api_key="sk-test", llm_chat_model="m"))
    assert isinstance(with_key, OpenAIChat)
    assert with_key.name == "openai:m"


async def test_a_completion_carries_its_text_its_usage_and_its_cost(fake: FakeOpenAI) -> None:
    adapter = chat(
        fake,
        llm_chat_model="gpt-test-mini",
        llm_prompt_cost_per_million=2.0,
        llm_completion_cost_per_million=8.0,
    )
    answer = await adapter.complete(CONVERSATION, temperature=0.5, max_tokens=60)
    assert answer.text == "You said: When are you open?"
    assert answer.tool_calls == ()
    assert answer.finish_reason == "stop"
    # The fake counts words: 11 in the messages, 6 in the answer.
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (11, 6)
    assert answer.usage.model == "gpt-test-mini"
    assert adapter.cost_usd(answer.usage) == pytest.approx((11 * 2.0 + 6 * 8.0) / 1_000_000)
    (sent,) = fake.chat_requests()
    assert sent["temperature"] == 0.5
    assert sent["max_completion_tokens"] == 60
    assert "tools" not in sent
    assert "max_tokens" not in sent  # deprecated in the contract


async def test_a_tool_call_comes_back_parsed_and_its_result_goes_back(fake: FakeOpenAI) -> None:
    adapter = chat(fake)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Transfer me, please"}]
    first = await adapter.complete(messages, tools=[TRANSFER])
    assert first.text == ""
    assert first.finish_reason == "tool_calls"
    (call,) = first.tool_calls
    assert call.name == "transfer_call"
    assert call.arguments == {"reason": "Transfer me, please"}
    messages += [assistant_message(first.text, first.tool_calls), tool_message(call, "Ringing.")]
    second = await adapter.complete(messages, tools=[TRANSFER])
    assert second.text == "Done: Ringing."
    offered, answered = fake.chat_requests()
    assert offered["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "transfer_call",
                "description": "Put the caller through to a person.",
                "parameters": TRANSFER.parameters,
            },
        }
    ]
    assert answered["messages"][1]["tool_calls"][0]["id"] == call.id
    assert answered["messages"][1]["tool_calls"][0]["function"]["arguments"] == (
        '{"reason": "Transfer me, please"}'
    )
    assert answered["messages"][2] == {
        "role": "tool",
        "tool_call_id": call.id,
        "content": "Ringing.",
    }


async def test_an_answer_of_an_unknown_shape_is_a_provider_error(fake: FakeOpenAI) -> None:
    fake.malformed = True
    with pytest.raises(ProviderError, match="unknown shape"):
        await chat(fake).complete(CONVERSATION)


async def test_tool_arguments_that_are_not_a_json_object_are_a_provider_error(
    fake: FakeOpenAI,
) -> None:
    fake.broken_arguments = True
    messages = [{"role": "user", "content": "Transfer me, please"}]
    with pytest.raises(
        ProviderError, match="called transfer_call with arguments that are not JSON"
    ):
        await chat(fake).complete(messages, tools=[TRANSFER])


async def test_structured_answers_can_come_with_their_usage(fake: FakeOpenAI) -> None:
    answer, usage = await chat(fake).structured_with_usage(
        MESSAGES, schema_name=SCHEMA_NAME, schema=SCHEMA
    )
    assert answer["facts"]
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0


ERRORS: dict[str, tuple[dict[str, Any], type[ProviderError], str]] = {
    "401": ({"fail_next": [401]}, AuthenticationFailed, "refused the credentials"),
    "403": ({"fail_next": [403]}, AuthenticationFailed, "refused the credentials"),
    "404": ({"fail_next": [404]}, ProviderNotFound, "has no model gpt-4o-mini"),
    "400": ({"fail_next": [400]}, BadRequest, "refused: .*fake failure"),
    "429": ({"fail_next": [429], "retry_after": 7}, RateLimited, "rate limiting"),
    "quota": ({"out_of_quota": True}, QuotaExceeded, "out of credit"),
    "500": ({"fail_next": [500]}, Unavailable, "failed"),
    "503": ({"fail_next": [503]}, Unavailable, "failed"),
    "timeout": ({"latency": 1.0}, Unavailable, "did not answer in time"),
}


@pytest.mark.parametrize(("knobs", "error", "message"), ERRORS.values(), ids=ERRORS.keys())
async def test_each_failure_of_the_service_is_the_providers_error_for_it(
    fake: FakeOpenAI, knobs: dict[str, Any], error: type[ProviderError], message: str
) -> None:
    for name, value in knobs.items():
        setattr(fake, name, value)
    adapter = chat(fake, max_retries=0, llm_timeout_seconds=0.3)
    with pytest.raises(error, match=message) as raised:
        await adapter.complete(CONVERSATION, tools=[TRANSFER])
    assert type(raised.value) is error
    if error is RateLimited:
        assert isinstance(raised.value, RateLimited)
        assert raised.value.retry_after == 7


async def test_an_unreachable_service_is_unavailable() -> None:
    settings = Settings(_env_file=None, llm_api_key="sk-test", llm_base_url="http://127.0.0.1:9/v1")
    with pytest.raises(Unavailable, match="could not be reached"):
        await OpenAIChat(settings, max_retries=0).complete(CONVERSATION)


async def test_a_conversation_waits_as_long_as_retry_after_asks_then_answers(
    fake: FakeOpenAI,
) -> None:
    fake.fail_next = [429, 429]
    fake.retry_after = 1
    answer = await chat(fake).complete(CONVERSATION)
    assert answer.text == "You said: When are you open?"
    first, second, third = fake.requests
    assert second["at"] - first["at"] >= 0.95
    assert third["at"] - second["at"] >= 0.95


async def test_a_rate_limit_that_outlasts_the_retries_says_when_to_try_again(
    fake: FakeOpenAI,
) -> None:
    fake.fail_next = [429, 429]
    fake.retry_after = 1
    with pytest.raises(RateLimited) as raised:
        await chat(fake, max_retries=1).complete(CONVERSATION)
    assert raised.value.retry_after == 1
    assert len(fake.requests) == 2


async def test_an_account_out_of_credit_is_not_retried(fake: FakeOpenAI) -> None:
    fake.out_of_quota = True
    with pytest.raises(QuotaExceeded):
        await chat(fake).complete(CONVERSATION)
    assert len(fake.requests) == 1


async def test_server_errors_in_a_conversation_are_retried(fake: FakeOpenAI) -> None:
    fake.fail_next = [500, 502]
    assert (await chat(fake).complete(CONVERSATION)).text
    assert len(fake.requests) == 3
