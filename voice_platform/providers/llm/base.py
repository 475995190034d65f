"""The interface every embedding provider meets."""

from __future__ import annotations

from typing import Protocol

# Every provider returns vectors of this size, so one pgvector index serves them all.
DIMENSIONS = 384


class ProviderError(RuntimeError):
    """The provider could not do it; the message says why, for the person who reads it."""


class Embedder(Protocol):
    name: str

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Unit-length vectors of DIMENSIONS floats, one per text, in order."""
        ...
