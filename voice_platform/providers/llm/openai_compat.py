"""Embeddings from any OpenAI-compatible endpoint (OpenAI, Azure, Ollama, vLLM…)."""

from __future__ import annotations

import math

import openai

from voice_platform.config import Settings
from voice_platform.providers.llm.base import DIMENSIONS, ProviderError

BATCH = 256


class OpenAIEmbedder:
    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_embedding_model
        self.name = f"openai:{self.model}"
        self.client = openai.OpenAI(
            api_key=settings.llm_api_key.get_secret_value(),
            base_url=settings.llm_base_url or None,
            timeout=settings.llm_timeout_seconds,
            max_retries=3,
        )

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
