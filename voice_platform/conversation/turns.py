"""What one caller turn gives an engine, and what an engine gives back.

An engine streams the agent's words as they are produced and ends with the whole Turn: what it
did, everything it said, and the facts it used. The call (dialogue.py) speaks the words at once
and acts on the Turn: hands off, takes a message, ends the call, switches the language."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol, TypeVar

from voice_platform.conversation.retrieval import Hit
from voice_platform.knowledge.chunks import Chunk
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.providers.llm.base import Usage

T = TypeVar("T")

# Retrieval embeds the question (locally, or with a request to the embedding endpoint): a
# blocking call that runs on these threads, never on the event loop, where it would stall
# every other call's socket. Its own threads, so that turns never queue behind the database
# work of asyncio.to_thread (benchmarks/calls.py).
RETRIEVAL_THREADS = 16
_retrieval = ThreadPoolExecutor(RETRIEVAL_THREADS, thread_name_prefix="retrieval")


async def off_the_loop(work: Callable[..., T], *args: object) -> T:
    """`work(*args)` on the retrieval threads."""
    return await asyncio.get_running_loop().run_in_executor(_retrieval, work, *args)


Action = Literal["answer", "unknown", "message", "handoff", "end"]
Speaker = Literal["caller", "agent"]


@dataclass(frozen=True)
class Turn:
    action: Action
    text: str
    facts: list[Chunk] = field(default_factory=list)
    # The caller's language when the engine heard a change (BCP-47, e.g. "es-ES"), else None.
    language: str | None = None
    # What a model used to produce this turn (None: no model), for the business's usage.
    usage: Usage | None = None


class Searcher(Protocol):
    def search(self, query: str, k: int = 5) -> list[Hit]: ...
    def idf(self, term: str) -> float: ...
    def holds(self, term: str) -> bool: ...


@dataclass(frozen=True)
class TurnContext:
    question: str
    kb: KnowledgeBase
    retriever: Searcher
    # What was said so far, oldest first.
    history: Sequence[tuple[Speaker, str]] = ()
    business: str = ""
    persona: str = ""
    # The language the call is in now (BCP-47), and those the agent may speak.
    language: str = "en-US"
    languages: Sequence[str] = ("en",)
    transfer_available: bool = False
    now: datetime | None = None
    # The language the speech-to-text reported for the question (the relay's `lang`), if any.
    heard_language: str | None = None


class Engine(Protocol):
    def reply(self, context: TurnContext) -> AsyncIterator[str | Turn]:
        """Text pieces as they are produced, then exactly one Turn."""
        ...
