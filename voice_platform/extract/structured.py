"""Rules for what a site states in machine-readable form: schema.org business data
(JSON-LD or microdata) and opening-hours tables. These are the most trustworthy facts a site
has, so they come first and carry `structured_data` provenance."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from voice_platform.extract.page import clean, types_of
from voice_platform.knowledge.schemas import (
    DAYS,
    FAQ,
    LANGUAGE_CODE,
    EmailAddress,
    Fact,
    HoursException,
    Interval,
    KnowledgeBase,
    Location,
    Method,
    Phone,
    Provenance,
    SocialLink,
    Weekly,
)

LANGUAGE_NAMES = {
    "english": "en", "spanish": "es", "español": "es", "french": "fr", "german": "de",
    "italian": "it", "portuguese": "pt", "chinese": "zh", "mandarin": "zh", "cantonese": "yue",
    "vietnamese": "vi", "korean": "ko", "japanese": "ja", "arabic": "ar", "russian": "ru",
    "hindi": "hi", "tagalog": "tl", "polish": "pl",
}  # fmt: skip
DAY_ALIASES = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "wed": "wednesday", "thu": "thursday",
    "thur": "thursday", "thurs": "thursday", "fri": "friday", "sat": "saturday", "sun": "sunday",
    "lunes": "monday", "martes": "tuesday", "miércoles": "wednesday", "miercoles": "wednesday",
    "jueves": "thursday", "viernes": "friday", "sábado": "saturday", "sabado": "saturday",
    "domingo": "sunday",
}  # fmt: skip
TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?"
RANGE = re.compile(TIME + r"\s*(?:-|–|—|to|a|until)\s*" + TIME, re.IGNORECASE)
CLOSED = re.compile(r"\b(closed|cerrado)\b", re.IGNORECASE)


def structured(url: str, snippet: str) -> Provenance:
    return Provenance(
        source_url=url, snippet=snippet[:1000], method=Method.STRUCTURED_DATA, confidence=0.95
    )


def is_business(node: dict[str, Any]) -> bool:
    """A schema.org node that describes the business itself (any LocalBusiness subtype)."""
    if types_of(node) & {
        "WebPage",
        "WebSite",
        "BreadcrumbList",
        "FAQPage",
        "ImageObject",
        "Person",
    }:
        return False
    return bool(node.get("name")) and any(
        key in node for key in ("address", "telephone", "openingHoursSpecification", "openingHours")
    )


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return clean(str(value.get("name") or value.get("@value") or ""))
    return clean(str(value)) if value is not None else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value] if value not in (None, "") else []


def day_name(value: str) -> str | None:
    word = value.rsplit("/", 1)[-1].strip().lower().rstrip(".")
    if word in DAYS:
        return word
    return DAY_ALIASES.get(word)


def clock_24(value: str) -> str | None:
    match = re.match(r"^(\d{1,2}):(\d{2})", value.strip())
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    return f"{hours:02d}:{minutes:02d}" if hours < 24 and minutes < 60 else None


def weekly_from_specification(specs: Any) -> Weekly | None:
    days: dict[str, list[Interval]] = {day: [] for day in DAYS}
    found = False
    for spec in _list(specs):
        if not isinstance(spec, dict) or spec.get("validFrom") or spec.get("validThrough"):
            continue
        opens, closes = clock_24(str(spec.get("opens", ""))), clock_24(str(spec.get("closes", "")))
        if opens is None or closes is None:
            continue
        if opens == closes:  # schema.org's (and Google's) way of saying closed all day
            found = found or any(day_name(_text(raw)) for raw in _list(spec.get("dayOfWeek")))
            continue
        if closes == "00:00":
            closes = "24:00"
        if closes <= opens:
            continue
        for raw in _list(spec.get("dayOfWeek")):
            day = day_name(_text(raw))
            if day:
                days[day].append(Interval(open=opens, close=closes))
                found = True
    if not found:
        return None
    return Weekly(
        **{day: sorted(intervals, key=lambda i: i.open) for day, intervals in days.items()}
    )


def _to_24(hour: str, minute: str | None, meridiem: str | None, *, closing: bool) -> str | None:
    h, m = int(hour), int(minute or 0)
    if meridiem:
        pm = meridiem.lower().startswith("p")
        h = h % 12 + (12 if pm else 0)
    if h == 0 and closing and m == 0:
        h = 24
    if h > 24 or m > 59:
        return None
    return f"{h:02d}:{m:02d}"


def intervals_in(text: str) -> list[Interval]:
    """Opening intervals written like '8:00 AM – 5:00 PM' or '11:30 to 21:00'."""
    intervals = []
    for match in RANGE.finditer(text):
        h1, m1, ap1, h2, m2, ap2 = match.groups()
        # "9 - 5 pm" reads as 9 AM to 5 PM; a shared meridiem only fills an opening that
        # would otherwise fall after the closing.
        opens = _to_24(h1, m1, ap1 or ap2, closing=False)
        closes = _to_24(h2, m2, ap2 or ap1, closing=True)
        if opens and closes and closes <= opens and not ap1 and ap2:
            opens = _to_24(h1, m1, "am", closing=False)
        if opens and closes and opens < closes:
            intervals.append(Interval(open=opens, close=closes))
    return intervals


def days_in(label: str) -> list[str]:
    """'Monday', 'Mon–Fri', 'Saturday & Sunday' → the days named (ranges filled in)."""
    words = [day_name(w) for w in re.findall(r"[A-Za-zÀ-ÿ]+\.?", label)]
    named = [d for d in words if d]
    if len(named) == 2 and re.search(r"[-–—]|\bto\b|\bthrough\b|\ba\b", label):
        start, end = DAYS.index(named[0]), DAYS.index(named[1])
        if start <= end:
            return list(DAYS[start : end + 1])
    return list(dict.fromkeys(named))


MONTHS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
)  # fmt: skip
DATED = re.compile(
    r"\b(" + "|".join(MONTHS) + r")[a-z]*\.?\s+(\d{1,2})\b|\b(\d{1,2})/(\d{1,2})\b",
    re.IGNORECASE,
)


def date_in(label: str, today: date) -> date | None:
    """The day a label like "Christmas Eve - Wed, Dec 24" names: the year is the one, of
    last year, this year and next, whose calendar has that weekday (else this year)."""
    found = DATED.search(label)
    if not found:
        return None
    if found.group(1):
        month, day = MONTHS.index(found.group(1).lower()[:3]) + 1, int(found.group(2))
    else:
        month, day = int(found.group(3)), int(found.group(4))
    weekday = next((d for d in days_in(label)), None)
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    matching = [c for c in candidates if weekday and DAYS[c.weekday()] == weekday]
    this_year = [c for c in candidates if c.year == today.year]
    return next(iter(matching or this_year), None)


def exceptions_from_table(
    rows: list[list[str]], url: str, today: date | None = None
) -> list[HoursException]:
    """Holiday hours: rows naming a date, with its hours or "Closed"."""
    found = []
    for row in rows:
        if len(row) < 2 or not (when := date_in(row[0], today or date.today())):
            continue
        rest = " ".join(row[1:])
        intervals = intervals_in(rest)
        if not intervals and not CLOSED.search(rest):
            continue
        note = clean(f"{row[0]}: {rest}")[:300]
        found.append(
            HoursException(
                date=when,
                closed=not intervals,
                intervals=intervals,
                note=note,
                provenance=Provenance(
                    source_url=url, snippet=note, method=Method.PAGE_TEXT, confidence=0.85
                ),
            )
        )
    return found


def weekly_from_table(rows: list[list[str]]) -> Weekly | None:
    """An opening-hours table: a day (or range of days) and its hours or 'Closed' per row.
    Rows that name a date are holidays, not the week."""
    days: dict[str, list[Interval]] = {}
    for row in rows:
        if len(row) < 2 or DATED.search(row[0]):
            continue
        named = days_in(row[0])
        rest = " ".join(row[1:])
        if not named:
            continue
        intervals = [] if CLOSED.search(rest) and not intervals_in(rest) else intervals_in(rest)
        if not intervals and not CLOSED.search(rest):
            continue
        for day in named:
            days[day] = intervals
    if len(days) < 3:
        return None
    return Weekly(**{day: days.get(day, []) for day in DAYS})


def _language_codes(values: Any) -> list[str]:
    codes = []
    for value in _list(values):
        text = _text(value)
        code = LANGUAGE_NAMES.get(text.lower(), text if LANGUAGE_CODE.match(text) else "")
        if code and code not in codes:
            codes.append(code.split("-")[0] if len(code) > 3 else code)
    return codes


def apply_business(kb: KnowledgeBase, node: dict[str, Any], url: str) -> None:
    """Fill categories from a schema.org business node; what is already set stays."""
    c = kb.categories
    name = _text(node.get("name"))
    source = structured(url, f"{sorted(types_of(node))[0]}: {name}")
    c.profile.name = c.profile.name or name or None
    legal = _text(node.get("legalName") or node.get("alternateName"))
    c.profile.legal_name = c.profile.legal_name or legal or None
    c.profile.description = c.profile.description or _text(node.get("description")) or None
    c.profile.tagline = c.profile.tagline or _text(node.get("slogan")) or None
    if not c.profile.founded_year and (
        year := re.match(r"^(\d{4})", _text(node.get("foundingDate")))
    ):
        c.profile.founded_year = int(year.group(1))
    c.profile.website = c.profile.website or _text(node.get("url")) or None
    kb.business_name = kb.business_name or name

    known_numbers = {re.sub(r"\D", "", p.number) for p in c.contact.phones}
    for label, key in (("main", "telephone"), ("fax", "faxNumber")):
        for number in _list(node.get(key)):
            digits = re.sub(r"\D", "", _text(number))
            if digits and digits not in known_numbers:
                known_numbers.add(digits)
                c.contact.phones.append(Phone(label=label, number=_text(number), provenance=source))
    for address in _list(node.get("email")):
        text = _text(address).removeprefix("mailto:")
        if text and text not in {e.address for e in c.contact.emails}:
            c.contact.emails.append(EmailAddress(address=text, provenance=source))
    for link in _list(node.get("sameAs")):
        text = _text(link)
        host = (urlsplit(text).hostname or "").removeprefix("www.")
        if host and text not in {s.url for s in c.contact.social}:
            c.contact.social.append(
                SocialLink(network=host.split(".")[0], url=text, provenance=source)
            )

    for address in _list(node.get("address")):
        if isinstance(address, dict):
            c.locations.locations.append(
                Location(
                    name=name or None,
                    street=_text(address.get("streetAddress")) or None,
                    city=_text(address.get("addressLocality")) or None,
                    region=_text(address.get("addressRegion")) or None,
                    postal_code=_text(address.get("postalCode")) or None,
                    country=_text(address.get("addressCountry")) or None,
                    provenance=source,
                )
            )
    for area in _list(node.get("areaServed")):
        text = _text(area)
        if text and text not in c.locations.service_area:
            c.locations.service_area.append(text)

    weekly = weekly_from_specification(node.get("openingHoursSpecification"))
    if weekly is not None and c.hours.weekly is None:
        c.hours.weekly = weekly
        c.hours.weekly_provenance = source

    for method in re.split(r",\s*", _text(node.get("paymentAccepted"))):
        if method and method not in c.payments.methods:
            c.payments.methods.append(method)
    for code in _language_codes(node.get("knowsLanguage") or node.get("availableLanguage")):
        if code not in c.languages.codes:
            c.languages.codes.append(code)
    if price_range := _text(node.get("priceRange")):
        c.pricing.facts.append(Fact(text=f"Price range: {price_range}", provenance=source))
    accepts = node.get("acceptsReservations") in (True, "True", "true", "Yes")
    if accepts and "phone" not in c.booking.methods:
        c.booking.methods.append("phone")
    if node.get("isAcceptingNewPatients") in (True, "True", "true"):
        c.faqs.facts.append(Fact(text="Accepting new patients.", provenance=source))


def faqs_from(pairs: list[tuple[str, str]], url: str) -> list[FAQ]:
    return [
        FAQ(
            question=question[:2000],
            answer=answer[:2000],
            provenance=Provenance(
                source_url=url,
                snippet=f"{question} {answer}"[:1000],
                method=Method.PAGE_TEXT,
                confidence=0.9,
            ),
        )
        for question, answer in pairs
        if question and answer
    ]
