"""The offline way to sort page text into categories: each statement goes to the category
whose example sentences and description it is closest to (local embeddings), weighed with
the headings it sits under and a few cues no embedding misses (a price, a clock time)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
DAY = re.compile(r"\b(mon|tues?|wed(nes)?|thu(rs)?|fri|sat(ur)?|sun)(day)?s?\b", re.IGNORECASE)
MIN_SIMILARITY = 0.18
PAGE_WEIGHT = 0.3
ALSO_WITHIN, ALSO_AT_MOST = 0.03, 2


@dataclass(frozen=True)
class Placed:
    index: int  # of the text among those placed
    category: str
    score: float


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
    return bonus


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


class Classifier:
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._descriptions = dict(
            zip(CATEGORIES, embedder.embed([DESCRIPTIONS[c] for c in CATEGORIES]), strict=True)
        )
        self._examples = {
            category: embedder.embed(list(EXAMPLES[category])) for category in CATEGORIES
        }

    def _similarities(self, vector: list[float]) -> dict[str, float]:
        scores = {}
        for category in CATEGORIES:
            nearest = sorted((_dot(vector, e) for e in self._examples[category]), reverse=True)
            examples = sum(nearest[:TOP_EXAMPLES]) / TOP_EXAMPLES
            described = _dot(vector, self._descriptions[category])
            scores[category] = EXAMPLE_WEIGHT * examples + (1 - EXAMPLE_WEIGHT) * described
        return scores

    def place(self, texts: list[str], contexts: list[str] | None = None) -> list[Placed]:
        """Each text's category. `contexts` (one per text: its page's title, headings and
        path) weigh in: a sentence on an "Insurance & Financing" page is likely payments."""
        if not texts:
            return []
        vectors = self.embedder.embed(texts)
        distinct = sorted(set(contexts or []))
        page_scores = {
            context: self._similarities(vector)
            for context, vector in zip(distinct, self.embedder.embed(distinct), strict=True)
        }
        placed: list[Placed] = []
        for index, (text, vector) in enumerate(zip(texts, vectors, strict=True)):
            bonus = cues(text)
            own = self._similarities(vector)
            page = page_scores.get(contexts[index], own) if contexts else own
            scores = {
                category: (1 - PAGE_WEIGHT) * own[category]
                + PAGE_WEIGHT * page[category]
                + bonus.get(category, 0.0)
                for category in CATEGORIES
            }
            best = max(scores.values())
            if best < MIN_SIMILARITY:
                continue
            # A statement can belong to two categories ("a $50 deposit holds the booking"):
            # it is filed under each that scores nearly as well as the best.
            ranked = sorted(CATEGORIES, key=scores.__getitem__, reverse=True)[:ALSO_AT_MOST]
            placed.extend(
                Placed(index, category, scores[category])
                for category in ranked
                if scores[category] >= best - ALSO_WITHIN
            )
        return placed
