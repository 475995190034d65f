"""Retrieval over a knowledge base held in memory, for answering without a database.

The KB becomes the same chunks the database indexes (knowledge/chunks.py); each chunk is ranked
by meaning (local embeddings, cosine) and by words (a BM25 score over stemmed terms), and the two
rankings are fused by reciprocal rank, as the database's hybrid search does."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from voice_platform.knowledge.chunks import Chunk, chunks_of
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.providers.llm.base import Embedder
from voice_platform.providers.llm.sandbox import STOPWORDS, WORD, stem

RRF_K = 60  # as in services/knowledge.py: how much the top ranks dominate
BM25_K1 = 1.2
BM25_B = 0.75


def words_of(text: str) -> list[str]:
    """Stemmed content words, in order, repeats kept."""
    return [stem(word) for word in WORD.findall(text.lower()) if word not in STOPWORDS]


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused reciprocal-rank score
    similarity: float  # cosine similarity of the question and the chunk, -1..1
    keyword: float  # BM25 score of the question's words in the chunk


class Retriever:
    """Hybrid search over one knowledge base's chunks. Embeds the chunks once, up front."""

    def __init__(self, kb: KnowledgeBase, embedder: Embedder | None) -> None:
        self.chunks = chunks_of(kb)
        self.embedder = embedder
        self._terms = [words_of(chunk.text) for chunk in self.chunks]
        self._counts = [Counter(terms) for terms in self._terms]
        self._average = sum(map(len, self._terms)) / max(1, len(self._terms))
        holding: Counter[str] = Counter()
        for terms in self._terms:
            holding.update(set(terms))
        self._holding = holding
        self._vectors: list[list[float]] = (
            embedder.embed([chunk.text for chunk in self.chunks])
            if embedder is not None and self.chunks
            else []
        )

    def idf(self, term: str) -> float:
        """Rarer words weigh more; a word no chunk holds weighs most."""
        n, held = len(self.chunks), self._holding.get(term, 0)
        return math.log(1 + (n - held + 0.5) / (held + 0.5))

    def holds(self, term: str) -> bool:
        return term in self._holding

    def keyword_scores(self, query: str) -> list[float]:
        asked = set(words_of(query))
        scores = []
        for counts, terms in zip(self._counts, self._terms, strict=True):
            score = 0.0
            norm = BM25_K1 * (1 - BM25_B + BM25_B * len(terms) / max(1.0, self._average))
            for term in asked:
                if tf := counts.get(term, 0):
                    score += self.idf(term) * tf * (BM25_K1 + 1) / (tf + norm)
            scores.append(score)
        return scores

    def similarities(self, query: str) -> list[float]:
        if self.embedder is None or not self._vectors:
            return [0.0] * len(self.chunks)
        [vector] = self.embedder.embed([query[:1000]])
        return [sum(a * b for a, b in zip(vector, row, strict=True)) for row in self._vectors]

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The k chunks most relevant to the query, best first."""
        query = query.strip()
        if not query or not self.chunks:
            return []
        keyword = self.keyword_scores(query)
        similarity = self.similarities(query)
        fused = [0.0] * len(self.chunks)
        by_meaning = sorted(range(len(self.chunks)), key=lambda i: -similarity[i])
        for rank, i in enumerate(by_meaning, start=1):
            fused[i] += 1 / (RRF_K + rank)
        by_words = sorted(
            (i for i in range(len(self.chunks)) if keyword[i] > 0), key=lambda i: -keyword[i]
        )
        for rank, i in enumerate(by_words, start=1):
            fused[i] += 1 / (RRF_K + rank)
        best = sorted(range(len(self.chunks)), key=lambda i: -fused[i])[:k]
        return [Hit(self.chunks[i], fused[i], similarity[i], keyword[i]) for i in best]
