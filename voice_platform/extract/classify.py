"""The offline way to sort page text into categories: each statement goes to the category
whose example sentences and description it is closest to (local embeddings), weighed with
the headings it sits under and a few cues no embedding misses (a price, a clock time)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from voice_platform.extract.examples import EXAMPLES
from voice_platform.providers.llm import Embedder

# Plain descriptions of what each category holds. Not tied to any site: they describe the
# kinds of sentences small-business pages use.
DESCRIPTIONS: dict[str, str] = {
    "profile": "About the business: who we are, our story, founded in a year, family-owned, our mission and values.",
    "contact": "How to reach us: call our phone number, text us, send an email, fax number, contact form.",
    "locations": "Where we are: street address, suite and floor, directions, landmarks, parking, the neighborhoods and towns we serve.",
    "hours": "Opening hours: we are open on these days from this time to that time, closed on weekends and holidays, lunch break.",
    "services": "What we offer: our services and treatments, what a visit includes, how long an appointment takes.",
    "pricing": "Prices and fees: how much it costs, the price in dollars, rates, estimates, charges.",
    "booking": "Booking: schedule an appointment, book online, reservations, walk-ins welcome, how far ahead to book.",
    "policies": "Policies: cancellation notice and fees, late arrivals, deposits, warranties and guarantees, refunds, rules.",
    "payments": "Payment: we accept cash and credit cards, insurance plans we take, financing and payment plans.",
    "faqs": "A frequently asked question and its answer.",
    "team": "Our team: the owner, doctors, staff members, their roles, training and specialties.",
    "promotions": "Special offers: discounts, coupons, deals, limited-time promotions, loyalty and referral rewards.",
    "credentials": "Credentials: licensed, certified, insured, awards, accreditations, professional memberships.",
    "amenities": "Amenities: free wifi, wheelchair accessible, kid-friendly, waiting area comforts, outdoor seating.",
    "languages": "Languages: we speak Spanish, bilingual staff, service in other languages.",
    "emergencies": "Emergencies: urgent problems, 24/7 emergency service, what to do after hours.",
    "escalation": "Talking to a person: ask for the manager, complaints, speak to the owner, call back.",
    "brand_voice": "How the business talks: its motto and slogan, tone of voice, personality and promises.",
}
# FAQs come from the page's question-and-answer markup, never from loose sentences.
CATEGORIES = tuple(c for c in DESCRIPTIONS if c != "faqs")
TOP_EXAMPLES = 2
EXAMPLE_WEIGHT = 0.6

PRICE = re.compile(r"[$€£]\s?\d")
CLOCK = re.compile(r"\b\d{1,2}(:\d{2})?\s?(a\.?m\.?|p\.?m\.?)\b", re.IGNORECASE)
PHONE = re.compile(r"\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b")
OFFER = re.compile(
    r"\b(happy hour|specials?|discounts?|coupons?|promo(tion)? codes?|half[- ]price|"
    r"\d+\s?% off|buy one|two[- ]for[- ]one|rewards? (program|points))\b",
    re.IGNORECASE,
)
DAY = re.compile(r"\b(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?s?\b", re.IGNORECASE)
MIN_SIMILARITY = 0.18
PAGE_WEIGHT = 0.2
ALSO_WITHIN, ALSO_AT_MOST = 0.03, 2
PRICE_LIST_WITHIN = 0.08
MIN_UNIT, UNIT_MARGIN = 20, 0.06
# Long lists (menus, rosters) are of a piece; mixed statements are short.
MAX_UNITS = 6


@dataclass(frozen=True)
class Placed:
    index: int  # of the text among those placed
    category: str
    score: float
    unit: int | None = None  # only this part of the text (a sentence, a list item)


def cues(text: str) -> dict[str, float]:
    """Small nudges from what a sentence plainly contains."""
    bonus: dict[str, float] = {}
    if PRICE.search(text):
        bonus["pricing"] = 0.12
        bonus["promotions"] = 0.04
    if CLOCK.search(text) and DAY.search(text):
        bonus["hours"] = 0.15
    if PHONE.search(text):
        bonus["contact"] = 0.08
    if OFFER.search(text):
        bonus["promotions"] = bonus.get("promotions", 0.0) + 0.1
    return bonus


class Memo:
    """An embedder that embeds each distinct text once: a build asks for the same headings,
    statements and parts more than once."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.name = embedder.name
        self._vectors: dict[str, list[float]] = {}

    def embed(self, texts: list[str]) -> list[list[float]]:
        missing = [text for text in dict.fromkeys(texts) if text not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.embedder.embed(missing), strict=True))
        return [self._vectors[text] for text in texts]


# The examples' and descriptions' vectors, per embedding model: the same for every build.
_PROTOTYPES: dict[str, tuple[np.ndarray, list[np.ndarray]]] = {}


def _prototypes(embedder: Embedder) -> tuple[np.ndarray, list[np.ndarray]]:
    if embedder.name not in _PROTOTYPES:
        texts = [DESCRIPTIONS[c] for c in CATEGORIES]
        texts += [example for c in CATEGORIES for example in EXAMPLES[c]]
        vectors = np.array(embedder.embed(texts))
        examples, start = [], len(CATEGORIES)
        for category in CATEGORIES:
            examples.append(vectors[start : start + len(EXAMPLES[category])])
            start += len(EXAMPLES[category])
        _PROTOTYPES[embedder.name] = (vectors[: len(CATEGORIES)], examples)
    return _PROTOTYPES[embedder.name]


class Classifier:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder if isinstance(embedder, Memo) else Memo(embedder)
        self._descriptions, self._examples = _prototypes(embedder)

    def _similarities(self, texts: list[str]) -> np.ndarray:
        """texts × categories: closeness to each category's nearest examples and description."""
        vectors = np.array(self.embedder.embed(texts)).reshape(len(texts), -1)
        described = vectors @ self._descriptions.T
        nearest = np.stack(
            [
                np.sort(vectors @ examples.T, axis=1)[:, -TOP_EXAMPLES:].mean(axis=1)
                for examples in self._examples
            ],
            axis=1,
        )
        return EXAMPLE_WEIGHT * nearest + (1 - EXAMPLE_WEIGHT) * described

    def affinity(self, texts: list[str]) -> list[dict[str, float]]:
        """How close each text is to each category, on its own (no cues, no context)."""
        if not texts:
            return []
        return [
            dict(zip(CATEGORIES, map(float, row), strict=True)) for row in self._similarities(texts)
        ]

    def _scores(self, texts: list[str], contexts: list[str]) -> np.ndarray:
        own = self._similarities(texts)
        distinct = sorted(set(contexts))
        by_context = dict(zip(distinct, self._similarities(distinct), strict=True))
        page = np.stack([by_context[context] for context in contexts]) if texts else own
        bonus = np.array([[cues(text).get(c, 0.0) for c in CATEGORIES] for text in texts])
        return (1 - PAGE_WEIGHT) * own + PAGE_WEIGHT * page + bonus.reshape(own.shape)

    def place(
        self, texts: list[str], contexts: list[str], units: list[list[str]] | None = None
    ) -> list[Placed]:
        """Each text's categories. `contexts` (one per text: its page's topic and headings)
        weigh in: a sentence under an "Insurance & Financing" heading is likely payments.

        `units` (one list per text: its sentences or list items) let a part that plainly
        belongs elsewhere be filed there too: "Kids eat free on Tuesdays" on a menu page."""
        if not texts:
            return []
        scores = self._scores(texts, contexts)
        placed: list[Placed] = []
        for index, row in enumerate(scores):
            best = float(row.max())
            if best < MIN_SIMILARITY:
                continue
            # A statement can belong to two categories ("a $50 deposit holds the booking"):
            # it is filed under each that scores nearly as well as the best.
            ranked = np.argsort(-row)[:ALSO_AT_MOST]
            # A price list also says what is offered: it may go to services from further.
            priced = units is not None and sum(bool(PRICE.search(u)) for u in units[index]) > 1
            within = (
                PRICE_LIST_WITHIN if priced and CATEGORIES[ranked[0]] == "pricing" else ALSO_WITHIN
            )
            placed.extend(
                Placed(index, CATEGORIES[c], float(row[c]))
                for c in ranked
                if row[c] >= best - within
            )
        if units:
            placed.extend(self._units(units, contexts, scores, placed))
        return placed

    def _units(
        self,
        units: list[list[str]],
        contexts: list[str],
        scores: np.ndarray,
        placed: list[Placed],
    ) -> list[Placed]:
        owners = [
            (index, number, unit)
            for index, parts in enumerate(units)
            if 1 < len(parts) <= MAX_UNITS
            for number, unit in enumerate(parts)
            if len(unit) >= MIN_UNIT
        ]
        if not owners:
            return []
        filed = {(p.index, p.category) for p in placed}
        unit_scores = self._scores(
            [unit for _, _, unit in owners], [contexts[index] for index, _, _ in owners]
        )
        extra = []
        for (index, number, _), row in zip(owners, unit_scores, strict=True):
            best = int(row.argmax())
            whole = int(scores[index].argmax())
            if (index, CATEGORIES[best]) not in filed and row[best] - row[whole] >= UNIT_MARGIN:
                extra.append(Placed(index, CATEGORIES[best], float(row[best]), number))
        return extra
