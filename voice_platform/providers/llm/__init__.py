"""Language-model capabilities. For now: embeddings for retrieval."""

from __future__ import annotations

from functools import lru_cache

from voice_platform.config import get_settings
from voice_platform.providers.llm.base import Embedder, ProviderError


@lru_cache
def get_embedder() -> Embedder:
    """The OpenAI-compatible endpoint when LLM_API_KEY is set, else the local model."""
    settings = get_settings()
    if settings.llm_api_key.get_secret_value():
        from voice_platform.providers.llm.openai_compat import OpenAIEmbedder

        return OpenAIEmbedder(settings)
    from voice_platform.providers.llm.local import LocalEmbedder

    return LocalEmbedder()


__all__ = ["Embedder", "ProviderError", "get_embedder"]
