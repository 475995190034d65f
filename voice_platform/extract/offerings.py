"""Menus and price lists, read as what the business offers: each priced line becomes a
service (name, duration, price) and a price item, and the list's names one services fact
("Barber menu: Skin fade, 45 min; Classic cut, 30 min; ...") the agent can say as it is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voice_platform.extract.page import PageContent
from voice_platform.extract.statements import statements_of, units_of
from voice_platform.knowledge.schemas import (
    Fact,
    KnowledgeBase,
    Method,
    Price,
    PriceItem,
    Provenance,
    Service,
)

AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?"
PRICE = re.compile(
    rf"(?P<from>from\s+)?(?P<sign>[$€£])\s?(?P<amount>{AMOUNT})"
    rf"(?:\s?(?:-|–|to)\s?[$€£]?(?P<max>{AMOUNT}))?(?P<plus>\+)?",
    re.IGNORECASE,
)
# A line that starts like a sentence is prose about a price, not an item on a list.
SENTENCE_START = re.compile(
    r"^(we|you|our|your|it|they|i|there|this|that|all|if|when|each|every)\b", re.IGNORECASE
)
DURATION = re.compile(
    r"(?P<value>\d+(?:\.\d+)?)(?:\s?[-–]\s?\d+(?:\.\d+)?)?\s?(?P<unit>minutes|mins?|hours?|hrs?)\b",
    re.IGNORECASE,
)
CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP"}
SEPARATORS = " ,;:·•|-–—"
MAX_NAME_WORDS, MAX_NAME = 8, 80
RUN_ON = {
    "is", "are", "was", "be", "costs", "cost", "to", "the", "a", "an", "with", "for", "of",
    "and", "or", "at", "by", "from", "just", "only", "standard", "our", "your",
}  # fmt: skip
# Lines that price something other than a service: fees, deposits, plans, rewards.
NOT_A_SERVICE = re.compile(
    r"\b(fees?|charges?|surcharge|deposit|tax|tips?|gratuity|membership|plan|earn|redeem|"
    r"refer\w*|credit|rewards?|points?|gift cards?)\b",
    re.IGNORECASE,
)
# Pages about working there: their pay rates are not prices for customers.
HIRING = re.compile(r"career|job|hiring|employment|join (our|the) team|vacanc", re.IGNORECASE)


@dataclass(frozen=True)
class Offering:
    name: str
    price: Price
    minutes: int | None
    description: str
    line: str  # as the page says it


def is_name(text: str) -> bool:
    """An item's name, not a piece of prose: short, capitalised, not a question, not a
    clause that runs on into its price ("Delivery is $5")."""
    words = text.split()
    return (
        len(text) <= MAX_NAME
        and len(words) <= MAX_NAME_WORDS
        and text[0].isupper()
        and not SENTENCE_START.match(text)
        and not text.endswith(("?", "!"))
        and words[-1].lower() not in RUN_ON
    )


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def offering(part: str) -> Offering | None:
    """One priced line: "Skin Fade: $38 · 45 min · Blended by hand" and the like. A line
    with several prices (by size, by stylist level) is priced from the lowest to the highest."""
    prices = list(PRICE.finditer(part))
    if not prices:
        return None
    first = prices[0]
    before = part[: first.start()]
    if ":" in before:  # "Catering: Baked ziti (half tray): $45": the name is the last label
        labelled = before.rsplit(":", 1)[0]
        before = labelled.rsplit(":", 1)[-1]
    name = DURATION.sub("", before).strip(SEPARATORS)
    if not name or not is_name(name):
        return None
    duration = DURATION.search(part)
    minutes = None
    if duration:
        value = float(duration.group("value"))
        minutes = round(value * 60 if duration.group("unit").lower().startswith("h") else value)
    amounts = [_number(p.group("amount")) for p in prices] + [
        _number(p.group("max")) for p in prices if p.group("max")
    ]
    sign = first.group("sign")
    low, high = min(amounts), max(amounts)
    said = first.group(0).strip() if len(prices) == 1 else f"{sign}{low:,g}-{sign}{high:,g}"
    return Offering(
        name=name,
        price=Price(
            amount=low,
            amount_max=high if high != low else None,
            currency=CURRENCIES[sign],
            text=said,
        ),
        minutes=minutes if minutes and 0 < minutes <= 24 * 60 else None,
        description=part[part.find(name) + len(name) :].strip(SEPARATORS)[:300],
        line=part,
    )


def add_offerings(kb: KnowledgeBase, contents: list[PageContent]) -> None:
    """Every list of two or more priced lines, on any page, into services and pricing."""
    services, pricing = kb.categories.services, kb.categories.pricing
    named = {s.name.lower() for s in services.services}
    for page in contents:
        if HIRING.search(f"{page.url} {page.title}"):
            continue
        for statement in statements_of(page.sections, url=page.url, title=page.title):
            lead, parts = units_of(statement.text)
            found = [o for part in parts if (o := offering(part))]
            if len(found) < 2:
                continue
            source = Provenance(
                source_url=page.url,
                snippet=statement.text[:160],
                method=Method.PAGE_TEXT,
                confidence=0.85,
            )
            for item in found:
                if item.name.lower() in named:
                    continue
                named.add(item.name.lower())
                line = source.model_copy(update={"snippet": item.line[:160]})
                if not NOT_A_SERVICE.search(item.name):
                    services.services.append(
                        Service(
                            name=item.name,
                            description=item.description or None,
                            duration_minutes=item.minutes,
                            price=item.price,
                            provenance=line,
                        )
                    )
                pricing.items.append(
                    PriceItem(
                        item=item.name,
                        price=item.price,
                        notes=item.description or None,
                        provenance=line,
                    )
                )
            offered = [o for o in found if not NOT_A_SERVICE.search(o.name)]
            if len(offered) < 2:
                continue
            listed = "; ".join(
                f"{o.name}, {o.minutes} min" if o.minutes else o.name for o in offered
            )
            summary = f"{lead}: {listed}" if lead else listed
            if summary not in {fact.text for fact in services.facts}:
                services.facts.append(Fact(text=summary[:2000], provenance=source))
