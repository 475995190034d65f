"""The interfaces every language-model provider meets."""

from __future__ import annotations

from typing import Any, Protocol

# Every provider returns vectors of this size, so one pgvector index serves them all.
DIMENSIONS = 384


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors of DIMENSIONS floats, one per text, in order."""
        ...


class ChatModel(Protocol):
    name: str

    async def structured(
        self, messages: list[dict[str, str]], *, schema_name: str, schema: dict[str, Any]
    ) -> dict[str, Any]:
        """The model's answer to `messages` as a JSON object meeting `schema` (a strict JSON
        Schema named `schema_name`). Raises ProviderError when there is no such answer: the
        service failed, the model refused, or its answer was cut short or is not JSON."""
        ...
