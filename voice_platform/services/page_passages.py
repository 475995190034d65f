"""The text of the site's pages an agent was made from (services/crawled_pages.py), as
passages that may answer a caller's question, indexed by meaning and words, and the search
for the one that answers best (the knowledge-gap drafts use it)."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voice_platform.conversation.retrieval import SENTENCE, words_of
from voice_platform.models import CrawledPage
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm import Embedder
from voice_platform.services.lru import Recent

# A passage's score: its similarity to the question plus this times the share of the
# question's words it has.
KEYWORD_WEIGHT = 0.3
PASSAGE_WORDS = 60
HEADING_WORDS = 8
MAX_HEADING_QUESTION = 25  # words of a line that asks what the paragraphs under it answer
CACHED_AGENTS = 32


def unit_vectors(texts: list[str], embedder: Embedder | None) -> np.ndarray | None:
    """The texts' embeddings, each of length 1; None when there is no embedder or it fails
    (a remote one down), so grouping falls back to words."""
    if embedder is None or not texts:
        return None
    try:
        vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    except ProviderError:
        return None
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


@dataclass(frozen=True)
class Source:
    """A passage that may answer a question: what it says, what it is about (the question it
    answers on its page, or its heading), and where it is."""

    text: str
    about: str
    url: str | None
    title: str = ""

    @property
    def indexed(self) -> str:
        return f"{self.about}: {self.text}" if self.about else self.text


def _heading(line: str) -> bool:
    return len(line.split()) <= HEADING_WORDS and not line.endswith((".", "!", ":", ";", ","))


def _table_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if all(set(c) <= set("-: ") for c in cells):
        return ""
    return ": ".join(c for c in cells if c)


def _windows(text: str) -> list[str]:
    """A long paragraph as runs of whole sentences, each at most PASSAGE_WORDS words."""
    if len(text.split()) <= PASSAGE_WORDS:
        return [text]
    out: list[str] = []
    run: list[str] = []
    for sentence in SENTENCE.split(text):
        if run and len(" ".join([*run, sentence]).split()) > PASSAGE_WORDS:
            out.append(" ".join(run))
            run = []
        run.append(sentence.strip())
    if run:
        out.append(" ".join(run))
    return out


def passages_of(url: str, title: str, text: str) -> list[Source]:
    """A page's text (a paragraph a line, as trafilatura writes it) as passages: each
    paragraph (a long one cut into runs of sentences), a list with the line that introduces
    it, a table's rows; each with the heading or question above it."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    out: list[Source] = []
    about = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if row := _table_row(lines[i]):
                    rows.append(row)
                i += 1
            if rows:
                out.append(Source("; ".join(rows) + ".", about, url, title))
            continue
        if line.startswith(("- ", "* ", "• ")):
            items = []
            while i < len(lines) and lines[i].startswith(("- ", "* ", "• ")):
                items.append(lines[i][2:].strip())
                i += 1
            lead = out.pop().text.rstrip(":") + ": " if out and out[-1].text.endswith(":") else ""
            out.append(Source(lead + "; ".join(items) + ".", about, url, title))
            continue
        i += 1
        if (line.endswith("?") and len(line.split()) <= MAX_HEADING_QUESTION) or _heading(line):
            about = line
            continue
        for window in _windows(line):
            out.append(Source(window, about, url, title))
    return out


@dataclass(frozen=True)
class Indexed:
    """Passages, their words, and their embeddings: of each as read with what it is about,
    and of the question it answers on its page (zero for a passage under no question)."""

    sources: list[Source]
    terms: list[frozenset[str]]
    vectors: np.ndarray | None
    asks: np.ndarray | None
    # how many passages hold each word
    holding: dict[str, int] = field(default_factory=dict)

    def weights(self, question: str) -> dict[str, float]:
        """The question's words, the rarer among the passages the heavier ("medicaid" over
        "take"); a word no passage has, heaviest."""
        n = len(self.sources)
        return {
            term: math.log(
                1 + (n - self.holding.get(term, 0) + 0.5) / (self.holding.get(term, 0) + 0.5)
            )
            for term in set(words_of(question))
        }


def coverage(weights: dict[str, float], terms: frozenset[str]) -> float:
    """The share of the question's words (by weight) a passage has."""
    total = sum(weights.values())
    return sum(w for term, w in weights.items() if term in terms) / total if total else 0.0


def index_sources(sources: list[Source], embedder: Embedder | None) -> Indexed:
    terms = [frozenset(words_of(s.indexed)) for s in sources]
    holding = Counter(term for held in terms for term in held)
    asking = [i for i, s in enumerate(sources) if s.about.endswith("?")]
    texts = [s.indexed for s in sources] + [sources[i].about for i in asking]
    vectors = unit_vectors(texts, embedder)
    if vectors is None:
        return Indexed(sources, terms, None, None, dict(holding))
    asks = np.zeros((len(sources), vectors.shape[1]), dtype=np.float32)
    asks[asking] = vectors[len(sources) :]
    return Indexed(sources, terms, vectors[: len(sources)], asks, dict(holding))


_page_cache: Recent[tuple[Any, ...], Indexed] = Recent(CACHED_AGENTS)


def page_sources(
    agent_id: uuid.UUID, pages: Sequence[CrawledPage], embedder: Embedder | None
) -> Indexed:
    """The passages of the agent's pages, embedded, kept while the pages stay the same:
    embedding a whole site is the slow part of a draft."""
    key = (
        agent_id,
        getattr(embedder, "name", None),
        len(pages),
        max((p.fetched_at for p in pages), default=None),
    )

    def index() -> Indexed:
        sources = [s for page in pages for s in passages_of(page.url, page.title, page.text)]
        return index_sources(sources, embedder)

    return _page_cache.get(key, index)


def best_source(
    question: str,
    indexed: Indexed,
    embedder: Embedder | None,
    extra: Iterable[tuple[Source, float]] = (),
) -> tuple[Source | None, float]:
    """The passage that best answers the question, among the indexed ones and `extra` (with
    their similarity already known), and its score: how close in meaning it is (as close as
    the closer of the passage and the question it answers on its page), plus a part of the
    share of the question's words it has; with no embeddings, that share alone."""
    weights = indexed.weights(question)
    query = unit_vectors([question], embedder) if indexed.vectors is not None else None
    scored: list[tuple[Source, float]] = []
    for n, source in enumerate(indexed.sources):
        words = coverage(weights, indexed.terms[n])
        if query is None or indexed.vectors is None or indexed.asks is None:
            scored.append((source, words))
        else:
            close = max(float(indexed.vectors[n] @ query[0]), float(indexed.asks[n] @ query[0]))
            scored.append((source, close + KEYWORD_WEIGHT * words))
    for source, close in extra:
        words = coverage(weights, frozenset(words_of(source.indexed)))
        scored.append((source, close + KEYWORD_WEIGHT * words))
    return max(scored, key=lambda pair: pair[1], default=(None, 0.0))
