"""Where the site disagrees with itself.

Structured data (JSON-LD) is what search engines show, page text is what visitors read; when
they differ, one of them is out of date and only the owner knows which. Both are kept and
the difference is flagged for review; the structured version stays in the field the agent
reads until the owner decides."""

from __future__ import annotations

import re
from collections import Counter

from voice_platform.extract.page import PageContent
from voice_platform.extract.sections import render
from voice_platform.knowledge.schemas import (
    DAYS,
    Conflict,
    Fact,
    KnowledgeBase,
    Method,
    Provenance,
    Weekly,
)


def describe_week(weekly: Weekly) -> str:
    """ "Monday 08:00-17:00; …; Sunday closed", the week as one line."""
    days = []
    for day in DAYS:
        intervals = getattr(weekly, day)
        said = ", ".join(f"{i.open}-{i.close}" for i in intervals) if intervals else "closed"
        days.append(f"{day.capitalize()} {said}")
    return "; ".join(days)


def flag(kb: KnowledgeBase, category: str, about: str, versions: list[Fact]) -> None:
    """Record a disagreement once: the same versions flagged again are not repeated."""
    said = [fact.text for fact in versions]
    if any(c.about == about and [f.text for f in c.versions] == said for c in kb.conflicts):
        return
    kb.conflicts.append(Conflict(category=category, about=about, versions=versions))


def page_hours(kb: KnowledgeBase, weekly: Weekly, url: str, snippet: str) -> None:
    """An hours table read from a page: the week's hours unless structured data already gave
    them; flagged, and kept as a fact, when it says otherwise."""
    hours = kb.categories.hours
    source = Provenance(
        source_url=url, snippet=snippet[:1000], method=Method.PAGE_TEXT, confidence=0.9
    )
    if hours.weekly is None:
        hours.weekly, hours.weekly_provenance = weekly, source
        return
    if hours.weekly == weekly or hours.weekly_provenance.method is not Method.STRUCTURED_DATA:
        return
    on_page = Fact(text=f"Opening hours on {url}: {describe_week(weekly)}", provenance=source)
    if on_page.text not in {fact.text for fact in hours.facts}:
        hours.facts.append(on_page)
    structured = Fact(
        text=f"Opening hours in the site's structured data: {describe_week(hours.weekly)}",
        provenance=hours.weekly_provenance,
    )
    flag(kb, "hours", "Opening hours", [structured, on_page])


PHONE_IN_TEXT = re.compile(r"\(?\b\d{3}\)?[\s.-]?\d{3}[\s.-]\d{4}\b")


def digits(number: str) -> str:
    return re.sub(r"\D", "", number)[-10:]


def structured_phones(kb: KnowledgeBase, contents: list[PageContent]) -> None:
    """A main number only the structured data gives, that no page shows or links, is most
    likely an old one: flagged next to the number the pages link most."""
    links: Counter[str] = Counter()
    written: dict[str, tuple[str, str]] = {}
    for page in contents:
        for _, number in page.phones:
            links[digits(number)] += 1
            written.setdefault(digits(number), (number, page.url))
    shown = set(links) | {
        digits(found)
        for page in contents
        for found in PHONE_IN_TEXT.findall(f"{page.text}\n{render(page.sections)}")
    }
    if not links:
        return
    number, url = written[links.most_common(1)[0][0]]
    for phone in kb.categories.contact.phones:
        if (
            phone.provenance.method is Method.STRUCTURED_DATA
            and phone.label == "main"
            and digits(phone.number) not in shown
        ):
            versions = [
                Fact(
                    text=f"Main phone in the site's structured data: {phone.number}",
                    provenance=phone.provenance,
                ),
                Fact(
                    text=f"Phone number the pages link: {number}",
                    provenance=Provenance(
                        source_url=url, snippet=number, method=Method.PAGE_TEXT, confidence=0.9
                    ),
                ),
            ]
            flag(kb, "contact", "Main phone number", versions)
