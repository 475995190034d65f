"""Embeddings and chat from any OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM…)."""

from __future__ import annotations

import json
import math
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from voice_platform.config import Settings
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm.base import DIMENSIONS

BATCH = 256
# The SDK retries connection errors, 408, 409, 429 and 5xx, waiting as Retry-After asks.
MAX_RETRIES = 3


def client_options(settings: Settings) -> dict[str, Any]:
    return {
        "api_key": settings.llm_api_key.get_secret_value(),
        "base_url": settings.llm_base_url or None,
        "timeout": settings.llm_timeout_seconds,
        "max_retries": MAX_RETRIES,
    }


class OpenAIEmbedder:
    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_embedding_model
        self.name = f"openai:{self.model}"
        self.client = openai.OpenAI(**client_options(settings))

    def embed(self, texts: list[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            try:
                response = self.client.embeddings.create(
                    model=self.model, input=batch, dimensions=DIMENSIONS, encoding_format="float"
                )
            except openai.APIError as exc:
                raise ProviderError(f"the embedding service refused: {exc}") from exc
            rows = sorted(response.data, key=lambda row: row.index)
            for row in rows:
                if len(row.embedding) != DIMENSIONS:
                    raise ProviderError(
                        f"{self.model} returned {len(row.embedding)} dimensions, not {DIMENSIONS}"
                    )
                norm = math.sqrt(sum(x * x for x in row.embedding)) or 1.0
                vectors.append([x / norm for x in row.embedding])
        return vectors


class OpenAIChat:
    """Structured Outputs: the answer is JSON that meets a strict schema, or an error."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_chat_model
        self.name = f"openai:{self.model}"
        self.client = openai.AsyncOpenAI(**client_options(settings))

    async def structured(
        self, messages: list[dict[str, str]], *, schema_name: str, schema: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "strict": True, "schema": schema},
                },
                temperature=0,
            )
        except openai.APIError as exc:
            raise ProviderError(f"the chat service refused: {exc}") from exc
        return self._answer(completion)

    def _answer(self, completion: ChatCompletion) -> dict[str, Any]:
        # The SDK does not validate response bodies, so a body of the wrong shape shows up
        # here as a wrong type, not as an SDK error.
        try:
            choice = completion.choices[0]
            finish_reason, refusal = choice.finish_reason, choice.message.refusal
            content = choice.message.content
        except (AttributeError, IndexError, KeyError, TypeError) as exc:
            raise ProviderError(f"{self.model} sent an answer of an unknown shape") from exc
        if refusal:
            raise ProviderError(f"{self.model} refused: {refusal}")
        if finish_reason == "length":
            raise ProviderError(f"{self.model} ran out of output tokens before it finished")
        if finish_reason == "content_filter":
            raise ProviderError(f"{self.model}'s answer was withheld by its content filter")
        if not isinstance(content, str):
            raise ProviderError(f"{self.model} sent no content")
        try:
            parsed = json.loads(content)
        except json.JSONDecodeError as exc:
            raise ProviderError(f"{self.model} answered with invalid JSON: {exc}") from exc
        if not isinstance(parsed, dict):
            raise ProviderError(f"{self.model} answered with JSON that is not an object")
        return parsed
