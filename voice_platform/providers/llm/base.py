"""The interfaces every language-model provider meets, and the values they answer with.

Messages are plain dicts in the Chat Completions shape (`{"role": "user", "content": "…"}`);
`assistant_message` and `tool_message` build the two a tool-call round trip adds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# Every provider returns vectors of this size, so one pgvector index serves them all.
DIMENSIONS = 384
# A receptionist should say the same thing the same way; a little freedom keeps it natural.
DEFAULT_TEMPERATURE = 0.2

Message = dict[str, Any]


@dataclass(frozen=True)
class Tool:
    """A function the model may ask the caller of `complete` or `stream` to run."""

    name: str
    description: str
    # A JSON Schema object describing the arguments.
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


@dataclass(frozen=True)
class ToolCall:
    """The model asks for `name` to be run with `arguments`; `id` ties the result to it."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    """Tokens one call used, as the provider counted them (the sandbox counts words)."""

    prompt_tokens: int
    completion_tokens: int
    model: str

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def cost_usd(self, prompt_per_million: float, completion_per_million: float) -> float:
        return (
            self.prompt_tokens * prompt_per_million
            + self.completion_tokens * completion_per_million
        ) / 1_000_000


@dataclass(frozen=True)
class Completion:
    """A whole answer: its text (empty when the model only calls tools), the tools it calls,
    what it used, and why it stopped (`stop`, `length`, `tool_calls`, `content_filter`)."""

    text: str
    tool_calls: tuple[ToolCall, ...]
    usage: Usage
    finish_reason: str


@dataclass(frozen=True)
class TextDelta:
    """The next piece of a streamed answer's text."""

    text: str


@dataclass(frozen=True)
class StreamEnd:
    """The last event of every stream."""

    usage: Usage
    finish_reason: str


# A stream yields text pieces and whole tool calls in the order the model produced them,
# then one StreamEnd.
StreamEvent = TextDelta | ToolCall | StreamEnd


def assistant_message(text: str, tool_calls: Sequence[ToolCall] = ()) -> Message:
    """The model's turn as it goes back into the conversation."""
    message: Message = {"role": "assistant", "content": text or None}
    if tool_calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in tool_calls
        ]
    return message


def tool_message(call: ToolCall, result: str) -> Message:
    """What running `call` gave, for the model's next turn."""
    return {"role": "tool", "tool_call_id": call.id, "content": result}


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors of DIMENSIONS floats, one per text, in order."""
        ...


class ChatModel(Protocol):
    """Every method raises a voice_platform.providers.errors.ProviderError when the service
    cannot answer: AuthenticationFailed, QuotaExceeded, RateLimited (after the retries),
    ProviderNotFound (no such model), BadRequest, Unavailable (down, slow or unreachable)."""

    name: str

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Tool] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int | None = None,
    ) -> Completion:
        """The model's next turn in the conversation `messages`."""
        ...

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Tool] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """The same turn as `complete`, as it is produced; ends with a StreamEnd."""
        ...

    async def structured_with_usage(
        self, messages: Sequence[Message], *, schema_name: str, schema: dict[str, Any]
    ) -> tuple[dict[str, Any], Usage]:
        """`structured`'s answer and the tokens it took."""
        ...

    async def structured(
        self, messages: Sequence[Message], *, schema_name: str, schema: dict[str, Any]
    ) -> dict[str, Any]:
        """The model's answer to `messages` as a JSON object meeting `schema` (a strict JSON
        Schema named `schema_name`). Raises ProviderError when there is no such answer: the
        service failed, the model refused, or its answer was cut short or is not JSON."""
        ...

    def cost_usd(self, usage: Usage) -> float:
        """What `usage` costs at this provider's prices (nothing, for the sandbox)."""
        ...
