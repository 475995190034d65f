"""Two pages giving different figures for the same thing ("a cleaning is $129" on the
pricing page, "$99" in a post): one of them is out of date. The page that is about the
subject wins over one that mentions it in passing, an evergreen page over a dated article,
a newer article over an older one; the loser is left out and reported."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

FIGURES = re.compile(
    r"[$€£]\s?\d[\d,]*(?:\.\d+)?"
    r"|\b\d{1,2}(?::\d{2})?\s?(?:a\.?m\.?|p\.?m\.?)"
    r"|\b\d+(?:\.\d+)?\s?%",
    re.IGNORECASE,
)
SAME_THING = 0.8  # cosine similarity above which two statements talk about the same thing

Rank = Callable[[str, str], tuple[float, ...]]  # (url, category) → smaller wins


@dataclass(frozen=True)
class Candidate:
    category: str
    text: str
    url: str


@dataclass(frozen=True)
class Superseded:
    text: str
    url: str
    by_url: str


def figures(text: str) -> set[str]:
    return {re.sub(r"[\s.,]", "", found.lower()) for found in FIGURES.findall(text)}


def disagree(a: str, b: str) -> bool:
    """Both state figures and each states one the other does not."""
    first, second = figures(a), figures(b)
    return bool(first - second) and bool(second - first)


def outranked(
    candidates: Sequence[Candidate], vectors: Sequence[Sequence[float]], rank: Rank
) -> tuple[set[int], list[Superseded]]:
    """Which candidates lose to another page's statement about the same thing."""
    if len(candidates) < 2:
        return set(), []
    matrix = np.array(vectors)
    similar = matrix @ matrix.T
    dropped: set[int] = set()
    report: list[Superseded] = []
    for i, a in enumerate(candidates):
        for j in range(i + 1, len(candidates)):
            b = candidates[j]
            if (
                i in dropped
                or j in dropped
                or a.category != b.category
                or a.url == b.url
                or similar[i, j] < SAME_THING
                or not disagree(a.text, b.text)
            ):
                continue
            loser, winner = (j, a) if rank(a.url, a.category) <= rank(b.url, b.category) else (i, b)
            dropped.add(loser)
            report.append(Superseded(candidates[loser].text, candidates[loser].url, winner.url))
    return dropped, report
