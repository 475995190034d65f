"""The OpenAI-compatible embedding adapter, through the vendor's SDK, against a local fake."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import jsonschema
import pytest

from tests.fakes.openai_server import FakeOpenAI, contract
from voice_platform.config import Settings
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm.base import DIMENSIONS
from voice_platform.providers.llm.openai_compat import OpenAIEmbedder


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def embedder(fake: FakeOpenAI, **overrides: object) -> OpenAIEmbedder:
    settings = Settings(
        _env_file=None,
        llm_api_key="sk-test",
        llm_base_url=fake.base_url,
        llm_timeout_seconds=5,
        **overrides,
    )
    return OpenAIEmbedder(settings)


def schema(name: str) -> dict[str, object]:
    spec = contract()
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def test_the_fake_answers_in_the_contracts_shape(fake: FakeOpenAI) -> None:
    request = {"model": "text-embedding-3-small", "input": ["hello"], "dimensions": 8}
    jsonschema.validate(request, schema("CreateEmbeddingRequest"))
    body = httpx.post(f"{fake.base_url}/embeddings", json=request).json()
    jsonschema.validate(body, schema("CreateEmbeddingResponse"))


def test_vectors_come_back_in_order_and_of_unit_length(fake: FakeOpenAI) -> None:
    vectors = embedder(fake).embed(["first", "second", "third"])
    assert len(vectors) == 3
    assert all(len(v) == DIMENSIONS for v in vectors)
    assert sum(x * x for x in vectors[0]) == pytest.approx(1.0)
    sent = fake.requests[-1]
    assert sent["body"]["dimensions"] == DIMENSIONS
    assert sent["body"]["encoding_format"] == "float"
    assert sent["auth"] == "Bearer sk-test"
    jsonschema.validate(sent["body"], schema("CreateEmbeddingRequest"))
    assert embedder(fake).embed(["second"])[0] == vectors[1]


def test_a_429_is_retried_after_the_delay_it_asks_for(fake: FakeOpenAI) -> None:
    fake.fail_next = [429, 500]
    fake.retry_after = 0
    assert len(embedder(fake).embed(["hello"])) == 1
    assert len(fake.requests) == 3


def test_a_lasting_failure_becomes_a_clear_provider_error(fake: FakeOpenAI) -> None:
    fake.fail_next = [500] * 10
    with pytest.raises(ProviderError, match="refused"):
        embedder(fake).embed(["hello"])


def test_wrong_dimensions_are_refused(fake: FakeOpenAI) -> None:
    fake.dimensions_override = 1536
    with pytest.raises(ProviderError, match="1536 dimensions"):
        embedder(fake).embed(["hello"])


def test_a_slow_server_times_out(fake: FakeOpenAI) -> None:
    fake.latency = 2.0
    with pytest.raises(ProviderError):
        OpenAIEmbedder(
            Settings(
                _env_file=None,
                llm_api_key="sk-test",
                llm_base_url=fake.base_url,
                llm_timeout_seconds=0.3,
            )
        ).embed(["hello"])


def test_malformed_answers_are_refused(fake: FakeOpenAI) -> None:
    fake.malformed = True
    with pytest.raises((ProviderError, TypeError, AttributeError, ValueError)):
        embedder(fake).embed(["hello"])
