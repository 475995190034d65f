"""Bag-of-words vectors: similarity by shared words, with no model weights to load."""

from __future__ import annotations

import hashlib
import math

from voice_platform.conversation.retrieval import words_of
from voice_platform.providers.llm.base import DIMENSIONS


class WordsEmbedder:
    name = "test:words"

    def embed(self, texts: list[str]) -> list[list[float]]:
        out = []
        for text in texts:
            row = [0.0] * DIMENSIONS
            for word in words_of(text):
                row[int(hashlib.sha256(word.encode()).hexdigest(), 16) % DIMENSIONS] += 1.0
            size = math.sqrt(sum(v * v for v in row)) or 1.0
            out.append([v / size for v in row])
        return out
