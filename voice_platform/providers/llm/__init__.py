"""Language-model capabilities: embeddings for retrieval, structured chat for extraction,
conversation (whole or streamed, with tools) for calls."""

from __future__ import annotations

from functools import lru_cache

from voice_platform.config import Settings, get_settings
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm.base import (
    ChatModel,
    Completion,
    Embedder,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Tool,
    ToolCall,
    Usage,
    assistant_message,
    tool_message,
)


@lru_cache
def get_embedder() -> Embedder:
    """The OpenAI-compatible endpoint when LLM_API_KEY is set, else the local model."""
    settings = get_settings()
    if settings.llm_api_key.get_secret_value():
        from voice_platform.providers.llm.openai_compat import OpenAIEmbedder

        return OpenAIEmbedder(settings)
    from voice_platform.providers.llm.local import LocalEmbedder

    return LocalEmbedder()


def get_chat_model() -> ChatModel | None:
    """The OpenAI-compatible chat model when LLM_API_KEY is set; None means: work offline.

    Not cached: an async client's connections belong to the event loop that opened them,
    and the CLI, the worker and the app each run their own loops."""
    settings = get_settings()
    if not settings.llm_api_key.get_secret_value():
        return None
    from voice_platform.providers.llm.openai_compat import OpenAIChat

    return OpenAIChat(settings)


def get_chat(settings: Settings | None = None) -> ChatModel:
    """The model that answers callers: the OpenAI-compatible one when LLM_API_KEY is set,
    else the offline engine (retrieval and templates). Not cached, as get_chat_model."""
    settings = settings or get_settings()
    if settings.llm_api_key.get_secret_value():
        from voice_platform.providers.llm.openai_compat import OpenAIChat

        return OpenAIChat(settings)
    from voice_platform.providers.llm.sandbox import LocalChat

    return LocalChat()


__all__ = [
    "ChatModel",
    "Completion",
    "Embedder",
    "ProviderError",
    "StreamEnd",
    "StreamEvent",
    "TextDelta",
    "Tool",
    "ToolCall",
    "Usage",
    "assistant_message",
    "get_chat",
    "get_chat_model",
    "get_embedder",
    "tool_message",
]
