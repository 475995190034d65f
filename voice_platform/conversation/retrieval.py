"""Retrieval over a knowledge base held in memory, for answering without a database.

The KB becomes the same chunks the database indexes (knowledge/chunks.py); each chunk is ranked
by meaning (local embeddings, cosine) and by words (a BM25 score over stemmed terms), and the two
rankings are fused by reciprocal rank, as the database's hybrid search does.

Each chunk is also cut into passages, one per sentence or list item, each read with the heading
its chunk gives it ("Late Arrivals: ...") and, for a question-and-answer fact, with the question
it answers. A caller's question is usually answered by one sentence of a fact that says several
things; `passages()` finds that sentence, by the same two rankings, and for a question-and-answer
fact also by how close the caller's question is to the question the fact answers."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from voice_platform.knowledge.chunks import Chunk, chunks_of
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.providers.llm.base import Embedder
from voice_platform.providers.llm.sandbox import STOPWORDS, WORD, stem

RRF_K = 60  # as in services/knowledge.py: how much the top ranks dominate
BM25_K1 = 1.2
BM25_B = 0.75


# A heading before a colon: short, and no sentence of its own.
HEADING = re.compile(r"^([^:.!;]{1,60}?[?]?):\s+(?=\S)")
FAQ = re.compile(r"^Q: (?P<asks>.+?) A: (?P<says>.+)$", re.S)
# Sentences (not after a title such as "Dr."), and the items of a list written with semicolons.
SENTENCE = re.compile(
    r"(?<=[.!?])(?<!\bDr\.)(?<!\bMr\.)(?<!\bMs\.)(?<!\bMrs\.)(?<!\bSt\.)(?<!\bMt\.)(?<!\bJr\.)"
    r"(?<!\bSr\.)(?<!\bNo\. (?=\d))(?<!\b[A-Z]\.)\s+(?=[A-Z0-9\"“$(])"
)
ITEM = re.compile(r";\s+")
# The parts of a caller's question ("we need a new furnace but money's tight, do you have
# financing?"): a caller says the setting, then asks.
CLAUSE = re.compile(
    r"(?<=[.?!,;])\s+|\s+(?:but|and|so)\s+(?=(?:do|does|can|could|is|are|will|would|what|how"
    r"|where|when|who)\b)",
    re.I,
)
# A part of the question this close in meaning to a question the site answers asks it.
CLAUSE_SIMILARITY = 0.75


def parts_of(question: str) -> list[str]:
    """The parts of a question of several ("..., do you have financing?"), at most four; none
    for a question of one part."""
    parts = [c.strip() for c in CLAUSE.split(question) if len(c.split()) >= 2]
    return parts[:4] if len(parts) >= 2 else []


# Ways of saying one thing in several words, in general English, read as the one word (or
# an abbreviation as its words).
PHRASES = [
    (re.compile(r"\b(?:payment|installment|instalment) plans?\b", re.I), "financing"),
    (
        re.compile(r"\bpay(?:ing|ments?)? (?:(?:it|for it|that|them) )?(?:off )?over time\b", re.I),
        "financing",
    ),
    (re.compile(r"\b(?:in|by) (?:monthly )?(?:installments|instalments)\b", re.I), "financing"),
    # a tip or charge "automatic" on the bill is one added to it, as businesses say
    (
        re.compile(
            r"\bautomatic(?:ally)?(?= (?:added )?(?:tips?|gratuit(?:y|ies)|service charges?)\b)",
            re.I,
        ),
        "added",
    ),
    # an abbreviation read as the words it stands for, as a caller says them
    (re.compile(r"\bbyo[bw]\b", re.I), "bring your own bottle"),
]


# A word written with a hyphen after a part that is no word of its own ("Wi-Fi", "e-mail",
# "co-pay"): one word, as callers write it ("wifi"); "on-call" and "same-day" stay two.
JOINED = re.compile(r"\b([a-z]{1,2})-(?=[a-z])")


def joined(found: re.Match[str]) -> str:
    part = found.group(1)
    return found.group(0) if part in STOPWORDS else part


def words_of(text: str) -> list[str]:
    """Stemmed content words, in order, repeats kept; a phrase of PHRASES as its one word."""
    text = text.lower().replace("\u2019", "'")
    for phrase, word in PHRASES:
        text = phrase.sub(word, text)
    text = JOINED.sub(joined, text)
    return [stem(word) for word in WORD.findall(text) if word not in STOPWORDS]


@dataclass(frozen=True)
class Passage:
    """One sentence or list item of a chunk, which may be said on its own."""

    chunk: Chunk
    number: int  # its place among the chunk's passages
    heading: str  # what the chunk says it is about ("Late Arrivals"), or ""
    asks: str  # for a question-and-answer fact, the question; else ""
    text: str  # the sentence or item itself
    item: bool  # an item of a list (written with semicolons), not a sentence

    @property
    def indexed(self) -> str:
        """What is searched: the passage with what it is about."""
        lead = self.asks or self.heading
        return f"{lead}: {self.text}" if lead else self.text


def heading_of(text: str) -> tuple[str, str]:
    """A lead-in heading ("Late Arrivals: ...") and the rest; no heading when it would be most
    of the text."""
    head = HEADING.match(text)
    if head is None or len(head.group(1).split()) > 8 or len(text) - head.end() < 2:
        return "", text
    return head.group(1).strip(), text[head.end() :].strip()


def split_chunk(chunk: Chunk) -> list[Passage]:
    """A chunk's passages, in order. An item of a list may have its own heading, or a question
    it answers ("Do you take walk-ins?: ..."); it has the chunk's otherwise, or the first
    item's when only the first has one (a list under its heading)."""
    text, top, asked = chunk.text.strip(), "", ""
    if faq := FAQ.match(text):
        asked, text = faq["asks"].strip(), faq["says"].strip()
    else:
        top, text = heading_of(text)
        if top.endswith("?"):
            asked, top = top, ""
    out: list[Passage] = []
    items = [i.strip() for i in ITEM.split(text) if i.strip()]
    split = [heading_of(item) if len(items) > 1 else ("", item) for item in items]
    if split and split[0][0] and not any(own for own, _ in split[1:]):
        top, split[0] = split[0][0], ("", split[0][1])  # one list under one heading
    for own, body in split:
        heading, asks = top, asked
        if own.endswith("?"):
            asks, heading = own, ""
        elif own:
            heading, asks = own, ""
        for sentence in SENTENCE.split(body):
            if sentence.strip():
                out.append(
                    Passage(chunk, len(out), heading, asks, sentence.strip(), len(items) > 1)
                )
    return out


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused reciprocal-rank score
    similarity: float  # cosine similarity of the question and the chunk, -1..1
    keyword: float  # BM25 score of the question's words in the chunk


@dataclass(frozen=True)
class PassageHit:
    passage: Passage
    score: float  # fused reciprocal-rank score
    similarity: float  # cosine similarity of the question and the passage (or its question)
    keyword: float  # BM25 score of the question's words in the passage


def bm25(
    asked: set[str], counts: list[Counter[str]], lengths: list[int], idf: dict[str, float]
) -> list[float]:
    average = sum(lengths) / max(1, len(lengths))
    scores = []
    for count, length in zip(counts, lengths, strict=True):
        score = 0.0
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / max(1.0, average))
        for term in asked:
            if tf := count.get(term, 0):
                score += idf[term] * tf * (BM25_K1 + 1) / (tf + norm)
        scores.append(score)
    return scores


def fuse(similarity: list[float], keyword: list[float]) -> list[float]:
    fused = [0.0] * len(similarity)
    by_meaning = sorted(range(len(similarity)), key=lambda i: -similarity[i])
    for rank, i in enumerate(by_meaning, start=1):
        fused[i] += 1 / (RRF_K + rank)
    by_words = sorted((i for i in range(len(keyword)) if keyword[i] > 0), key=lambda i: -keyword[i])
    for rank, i in enumerate(by_words, start=1):
        fused[i] += 1 / (RRF_K + rank)
    return fused


class Retriever:
    """Hybrid search over one knowledge base's chunks and their passages. Embeds them once,
    up front."""

    def __init__(self, kb: KnowledgeBase, embedder: Embedder | None) -> None:
        self.chunks = chunks_of(kb)
        self.embedder = embedder
        self._terms = [words_of(chunk.text) for chunk in self.chunks]
        self._counts = [Counter(terms) for terms in self._terms]
        holding: Counter[str] = Counter()
        for terms in self._terms:
            holding.update(set(terms))
        self._holding = holding
        self.vocabulary = frozenset(holding)
        # each stemmed word as the facts most often write it ("parti": "parties")
        written: Counter[tuple[str, str]] = Counter()
        for chunk in self.chunks:
            for word in WORD.findall(chunk.text.lower().replace("\u2019", "'")):
                if word not in STOPWORDS:
                    written[(stem(word), word)] += 1
        self.written: dict[str, str] = {}
        for (term, word), _ in written.most_common():
            self.written.setdefault(term, word)
        seen: set[str] = set()
        self.passages: list[Passage] = []
        for chunk in self.chunks:
            for passage in split_chunk(chunk):
                if passage.indexed not in seen:
                    seen.add(passage.indexed)
                    self.passages.append(passage)
        passage_terms = [words_of(p.indexed) for p in self.passages]
        self._passage_counts = [Counter(terms) for terms in passage_terms]
        self._passage_lengths = [len(terms) for terms in passage_terms]
        self._asking = [i for i, p in enumerate(self.passages) if p.asks]
        self._vectors: np.ndarray | None = None
        self._passage_vectors: np.ndarray | None = None
        self._asks_vectors: np.ndarray | None = None
        self._cache: dict[str, np.ndarray] = {}
        if embedder is not None and self.chunks:
            texts = [c.text for c in self.chunks] + [p.indexed for p in self.passages]
            texts += [self.passages[i].asks for i in self._asking]
            vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
            n, m = len(self.chunks), len(self.passages)
            self._vectors = vectors[:n]
            self._passage_vectors = vectors[n : n + m]
            self._asks_vectors = vectors[n + m :]

    def idf(self, term: str) -> float:
        """Rarer words weigh more; a word no chunk holds weighs most."""
        n, held = len(self.chunks), self._holding.get(term, 0)
        return math.log(1 + (n - held + 0.5) / (held + 0.5))

    def holds(self, term: str) -> bool:
        return term in self._holding

    def keyword_scores(self, query: str) -> list[float]:
        asked = set(words_of(query))
        weights = {term: self.idf(term) for term in asked}
        return bm25(asked, self._counts, [len(t) for t in self._terms], weights)

    def warm(self, queries: list[str]) -> None:
        """Embed what these queries will be searched with (each, and each part of one of
        several parts) in one batch: one call of the model per caller turn."""
        if self.embedder is None or self._vectors is None:
            return
        texts = [q.strip()[:1000] for q in queries if q.strip()]
        texts += [part for q in texts for part in parts_of(q)]
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if len(self._cache) > 256:
                self._cache.clear()
            for text, vector in zip(missing, self.embedder.embed(missing), strict=True):
                self._cache[text] = np.asarray(vector, dtype=np.float32)

    def _embedded(self, query: str) -> np.ndarray | None:
        if self.embedder is None or self._vectors is None:
            return None
        query = query[:1000]
        if query not in self._cache:
            self.warm([query])
        return self._cache.get(query)

    def _clauses(self, query: str) -> list[np.ndarray]:
        """The parts of a question of several, embedded: each may ask what the site answers."""
        parts = parts_of(query)
        if not parts or self.embedder is None:
            return []
        if any(part not in self._cache for part in parts):
            self.warm(parts)
        return [self._cache[part] for part in parts if part in self._cache]

    def similarities(self, query: str) -> list[float]:
        vector = self._embedded(query)
        if vector is None or self._vectors is None:
            return [0.0] * len(self.chunks)
        return [float(x) for x in self._vectors @ vector]

    def search(self, query: str, k: int = 5) -> list[Hit]:
        """The k chunks most relevant to the query, best first."""
        query = query.strip()
        if not query or not self.chunks:
            return []
        keyword = self.keyword_scores(query)
        similarity = self.similarities(query)
        fused = fuse(similarity, keyword)
        best = sorted(range(len(self.chunks)), key=lambda i: -fused[i])[:k]
        return [Hit(self.chunks[i], fused[i], similarity[i], keyword[i]) for i in best]

    def find_passages(self, query: str, k: int = 12) -> list[PassageHit]:
        """The k passages most relevant to the query, best first. A question-and-answer
        passage is as close in meaning as the closer of itself and its question."""
        query = query.strip()
        if not query or not self.passages:
            return []
        asked = set(words_of(query))
        weights = {term: self.idf(term) for term in asked}
        keyword = bm25(asked, self._passage_counts, self._passage_lengths, weights)
        vector = self._embedded(query)
        if vector is None or self._passage_vectors is None or self._asks_vectors is None:
            similarity = [0.0] * len(self.passages)
        else:
            close = self._passage_vectors @ vector
            if self._asking:
                asks = self._asks_vectors @ vector
                for part in self._clauses(query):
                    near = self._asks_vectors @ part
                    asks = np.maximum(asks, np.where(near >= CLAUSE_SIMILARITY, near, -1.0))
                close[self._asking] = np.maximum(close[self._asking], asks)
            similarity = [float(x) for x in close]
        fused = fuse(similarity, keyword)
        best = sorted(range(len(self.passages)), key=lambda i: -fused[i])[:k]
        return [PassageHit(self.passages[i], fused[i], similarity[i], keyword[i]) for i in best]
