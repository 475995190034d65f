"""Embeddings and chat from any OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM…)."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

import openai
from openai.types.chat import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessageParam,
    ChatCompletionToolParam,
)
from openai.types.chat.chat_completion_chunk import ChoiceDeltaToolCall

from voice_platform.config import Settings
from voice_platform.providers.errors import (
    AuthenticationFailed,
    BadRequest,
    ProviderError,
    ProviderNotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from voice_platform.providers.llm.base import (
    DEFAULT_TEMPERATURE,
    DIMENSIONS,
    Completion,
    Message,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Tool,
    ToolCall,
    Usage,
)

BATCH = 256
# The SDK retries connection errors, 408, 409, 429 and 5xx, waiting as Retry-After asks.
MAX_RETRIES = 3
INSUFFICIENT_QUOTA = "insufficient_quota"


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


async def quota_is_final(response: Any) -> None:
    """An account out of credit stays so: mark that 429 not to be retried (the SDK obeys
    `x-should-retry`), or a caller on the phone waits through every back-off for nothing."""
    if response.status_code != 429:
        return
    await response.aread()
    try:
        code = response.json().get("error", {}).get("code")
    except (ValueError, AttributeError):
        return
    if code == INSUFFICIENT_QUOTA:
        response.headers["x-should-retry"] = "false"


def http_client() -> openai.DefaultAsyncHttpxClient:
    return openai.DefaultAsyncHttpxClient(event_hooks={"response": [quota_is_final]})


def retry_after(exc: openai.APIStatusError) -> float | None:
    """The wait the service asked for, in seconds, when it gave one as a number."""
    for header, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = exc.response.headers.get(header)
        if value:
            try:
                return float(value) * scale
            except ValueError:
                continue
    return None


def provider_error(exc: openai.APIError, model: str) -> ProviderError:
    """The SDK's error as one of the errors every provider raises."""
    detail = exc.message
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return AuthenticationFailed(f"the chat service refused the credentials: {detail}")
    if isinstance(exc, openai.RateLimitError):
        if exc.code == INSUFFICIENT_QUOTA:
            return QuotaExceeded(f"the chat service account is out of credit: {detail}")
        return RateLimited(f"the chat service is rate limiting: {detail}", retry_after(exc))
    if isinstance(exc, openai.NotFoundError):
        return ProviderNotFound(f"the chat service has no model {model}: {detail}")
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return BadRequest(f"the chat service refused: {detail}")
    if isinstance(exc, openai.APITimeoutError):
        return Unavailable(f"the chat service did not answer in time: {detail}")
    if isinstance(exc, openai.APIConnectionError):
        return Unavailable(f"the chat service could not be reached: {detail}")
    if isinstance(exc, openai.InternalServerError):
        return Unavailable(f"the chat service failed: {detail}")
    if isinstance(exc, openai.APIStatusError):
        return ProviderError(f"the chat service refused: {detail}")
    # What is left is an error event in the middle of a stream.
    return Unavailable(f"the chat service broke off: {detail}")


@contextmanager
def translated_errors(model: str) -> Iterator[None]:
    try:
        yield
    except openai.APIError as exc:
        raise provider_error(exc, model) from exc


def tool_param(tool: Tool) -> ChatCompletionToolParam:
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description,
            "parameters": tool.parameters,
        },
    }


def tool_call(call_id: str, name: str, arguments: str) -> ToolCall:
    """A call as the model made it; its arguments must be a JSON object."""
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError as exc:
        raise ProviderError(f"the model called {name} with arguments that are not JSON") from exc
    if not isinstance(parsed, dict):
        raise ProviderError(f"the model called {name} with arguments that are not an object")
    return ToolCall(call_id, name, parsed)


class ToolCallFragments:
    """Streamed tool calls put back together. Every fragment names its call by `index`;
    names and arguments arrive in pieces to join, as the SDK's own accumulator joins them."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, fragment: ChoiceDeltaToolCall) -> None:
        call = self._calls.setdefault(fragment.index, {"id": "", "name": "", "arguments": ""})
        if fragment.id:
            call["id"] = fragment.id
        if fragment.function is not None:
            call["name"] += fragment.function.name or ""
            call["arguments"] += fragment.function.arguments or ""

    def complete(self) -> list[ToolCall]:
        """The calls gathered so far, in index order; they are handed out once."""
        calls = [
            tool_call(call["id"], call["name"], call["arguments"])
            for _, call in sorted(self._calls.items())
        ]
        self._calls.clear()
        return calls


class OpenAIChat:
    """Conversation (whole or streamed, with tools) and Structured Outputs. Every call's
    token usage comes back with its answer; `cost_usd` prices it from the settings."""

    def __init__(self, settings: Settings, *, max_retries: int = MAX_RETRIES) -> None:
        self.model = settings.llm_chat_model
        self.name = f"openai:{self.model}"
        self.prices = (
            settings.llm_prompt_cost_per_million,
            settings.llm_completion_cost_per_million,
        )
        options = {**client_options(settings), "max_retries": max_retries}
        self.client = openai.AsyncOpenAI(**options, http_client=http_client())

    def cost_usd(self, usage: Usage) -> float:
        return usage.cost_usd(*self.prices)

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Tool] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int | None = None,
    ) -> Completion:
        with translated_errors(self.model):
            # Keyword by keyword, not from a dict, so the SDK's overloads type the answer.
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", list(messages)),
                tools=[tool_param(tool) for tool in tools] if tools else openai.omit,
                temperature=temperature,
                max_completion_tokens=openai.omit if max_tokens is None else max_tokens,
            )
        try:
            choice = completion.choices[0]
            calls = choice.message.tool_calls or []
            tool_calls = tuple(
                tool_call(call.id, call.function.name, call.function.arguments)
                for call in calls
                if call.type == "function"
            )
            return Completion(
                text=choice.message.content or "",
                tool_calls=tool_calls,
                usage=self._usage(completion),
                finish_reason=choice.finish_reason,
            )
        except (AttributeError, IndexError, TypeError) as exc:
            raise ProviderError(f"{self.model} sent an answer of an unknown shape") from exc

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Tool] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int | None = None,
    ) -> AsyncIterator[StreamEvent]:
        calls = ToolCallFragments()
        finish_reason = "stop"
        usage = Usage(0, 0, self.model)
        with translated_errors(self.model):
            chunks = await self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", list(messages)),
                tools=[tool_param(tool) for tool in tools] if tools else openai.omit,
                temperature=temperature,
                max_completion_tokens=openai.omit if max_tokens is None else max_tokens,
                stream=True,
                stream_options={"include_usage": True},
            )
            async with chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        usage = self._usage(chunk)
                    if not chunk.choices:
                        continue
                    choice = chunk.choices[0]
                    if choice.delta.content:
                        yield TextDelta(choice.delta.content)
                    for fragment in choice.delta.tool_calls or []:
                        calls.add(fragment)
                    if choice.finish_reason:
                        finish_reason = choice.finish_reason
                        for call in calls.complete():
                            yield call
        # A stream cut off before its last chunk may still hold whole calls.
        for call in calls.complete():
            yield call
        yield StreamEnd(usage, finish_reason)

    async def structured_with_usage(
        self, messages: Sequence[Message], *, schema_name: str, schema: dict[str, Any]
    ) -> tuple[dict[str, Any], Usage]:
        with translated_errors(self.model):
            completion = await self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", list(messages)),
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": schema_name, "strict": True, "schema": schema},
                },
                temperature=0,
            )
        return self._answer(completion), self._usage(completion)

    async def structured(
        self, messages: Sequence[Message], *, schema_name: str, schema: dict[str, Any]
    ) -> dict[str, Any]:
        answer, _ = await self.structured_with_usage(
            messages, schema_name=schema_name, schema=schema
        )
        return answer

    def _usage(self, answer: ChatCompletion | ChatCompletionChunk) -> Usage:
        # Some compatible servers send no usage; their calls are recorded as free.
        model = answer.model or self.model
        if answer.usage is None:
            return Usage(0, 0, model)
        return Usage(answer.usage.prompt_tokens, answer.usage.completion_tokens, model)

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
