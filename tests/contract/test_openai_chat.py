"""The OpenAI-compatible chat adapter (Structured Outputs), through the vendor's SDK, against
a local fake whose answers and the adapter's requests are checked against the contract."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest

from tests.fakes.openai_server import FakeOpenAI, contract
from voice_platform.config import Settings, get_settings
from voice_platform.extract.model import SCHEMA, SCHEMA_NAME, Piece, messages_for
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm import get_chat_model
from voice_platform.providers.llm.openai_compat import OpenAIChat

PAGE = Piece(
    "https://example.test/hours",
    "Hours",
    "We are open Monday to Friday from 8 a.m. to 5 p.m.\nParking is free behind the building.",
)
MESSAGES = messages_for([PAGE])


def schema(name: str) -> dict[str, object]:
    return {"$ref": f"#/components/schemas/{name}", "components": contract()["components"]}


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()
    for body in server.chat_requests():
        jsonschema.validate(body, schema("CreateChatCompletionRequest"))


def chat(fake: FakeOpenAI, **overrides: Any) -> OpenAIChat:
    values: dict[str, Any] = {"llm_api_key": "sk-test", "llm_base_url": fake.base_url}
    settings = Settings(_env_file=None, **{"llm_timeout_seconds": 5, **values, **overrides})
    return OpenAIChat(settings)


async def ask(fake: FakeOpenAI, **overrides: Any) -> dict[str, Any]:
    return await chat(fake, **overrides).structured(
        MESSAGES, schema_name=SCHEMA_NAME, schema=SCHEMA
    )


KNOBS = [{}, {"invent": True}, {"refuse": True}, {"truncate": True}, {"filtered": True}]
KNOBS += [{"invalid_json": True}]


@pytest.mark.parametrize("knobs", KNOBS, ids=lambda knobs: ",".join(knobs) or "plain")
def test_the_fake_answers_in_the_contracts_shape(fake: FakeOpenAI, knobs: dict[str, bool]) -> None:
    for name, value in knobs.items():
        setattr(fake, name, value)
    request = {
        "model": "gpt-4o-mini",
        "messages": MESSAGES,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA},
        },
        "temperature": 0,
    }
    jsonschema.validate(request, schema("CreateChatCompletionRequest"))
    body = httpx.post(f"{fake.base_url}/chat/completions", json=request).json()
    jsonschema.validate(body, schema("CreateChatCompletionResponse"))


def test_the_malformed_knob_really_breaks_the_shape(fake: FakeOpenAI) -> None:
    fake.malformed = True
    request = {"model": "m", "messages": MESSAGES, "response_format": {"type": "json_schema",
               "json_schema": {"name": SCHEMA_NAME, "strict": True, "schema": SCHEMA}}}  # fmt: skip
    body = httpx.post(f"{fake.base_url}/chat/completions", json=request).json()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema("CreateChatCompletionResponse"))


def test_the_fake_refuses_a_schema_strict_mode_would_refuse(fake: FakeOpenAI) -> None:
    loose = {"type": "object", "properties": {"facts": {"type": "array"}}, "required": []}
    request = {"model": "m", "messages": MESSAGES, "response_format": {"type": "json_schema",
               "json_schema": {"name": "loose", "strict": True, "schema": loose}}}  # fmt: skip
    answer = httpx.post(f"{fake.base_url}/chat/completions", json=request)
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
