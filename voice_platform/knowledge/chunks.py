"""The KB as short sentences, one per thing the agent may say, each citing its source.

These are what retrieval indexes and returns, and what the agent reads before it answers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from voice_platform.knowledge.schemas import (
    DAYS,
    Categories,
    Interval,
    KnowledgeBase,
    Price,
    Provenance,
)


@dataclass(frozen=True)
class Chunk:
    category: str
    item_id: str
    text: str
    source_url: str | None


def clock(value: str) -> str:
    """08:00 → 8:00 AM, 17:30 → 5:30 PM, 24:00 → midnight."""
    hours, minutes = (int(part) for part in value.split(":"))
    if hours in (0, 24) and minutes == 0:
        return "midnight"
    suffix = "AM" if hours < 12 else "PM"
    return f"{(hours % 12) or 12}:{minutes:02d} {suffix}"


def spoken_intervals(intervals: list[Interval]) -> str:
    if not intervals:
        return "closed"
    return " and ".join(f"open {clock(i.open)} to {clock(i.close)}" for i in intervals)


def spoken_price(price: Price | None) -> str:
    if price is None:
        return ""
    if price.text:
        return price.text
    if price.amount is None:
        return ""
    amount = f"{price.amount:,.2f}".removesuffix(".00")
    high = f"{price.amount_max:,.2f}".removesuffix(".00") if price.amount_max else ""
    symbol = "$" if price.currency == "USD" else f"{price.currency} "
    return f"{symbol}{amount}" + (f" to {symbol}{high}" if high else "")


def _source(provenance: Provenance) -> str | None:
    return provenance.source_url


def _weekly(categories: Categories) -> Iterator[Chunk]:
    hours = categories.hours
    if hours.weekly is None:
        return
    zone = f" ({hours.time_zone} time)" if hours.time_zone else ""
    for day in DAYS:
        intervals = getattr(hours.weekly, day)
        closing = f", closing at {clock(intervals[-1].close)}" if intervals else ""
        yield Chunk(
            "hours",
            f"weekly.{day}",
            f"Hours on {day.capitalize()}: {spoken_intervals(intervals)}{closing}{zone}.",
            _source(hours.weekly_provenance),
        )


def chunks_of(kb: KnowledgeBase) -> list[Chunk]:
    c = kb.categories
    out: list[Chunk] = []

    def add(category: str, item_id: str, text: str, provenance: Provenance) -> None:
        if text.strip():
            out.append(Chunk(category, item_id, text.strip(), _source(provenance)))

    p = c.profile
    profile_bits = [
        f"The business is {p.name}" if p.name else "",
        f"(legal name {p.legal_name})" if p.legal_name else "",
        f"founded in {p.founded_year}" if p.founded_year else "",
    ]
    add("profile", "profile", " ".join(b for b in profile_bits if b), Provenance())
    if p.tagline:
        add("profile", "tagline", f"Tagline: {p.tagline}", Provenance())
    if p.description:
        add("profile", "description", p.description, Provenance())
    for phone in c.contact.phones:
        add("contact", phone.id, f"Phone ({phone.label}): {phone.number}", phone.provenance)
    for email in c.contact.emails:
        add("contact", email.id, f"Email ({email.label}): {email.address}", email.provenance)
    for link in c.contact.social:
        add("contact", link.id, f"{link.network}: {link.url}", link.provenance)
    for place in c.locations.locations:
        address = ", ".join(
            part
            for part in (
                place.street,
                place.unit,
                place.city,
                place.region,
                place.postal_code,
                place.country,
            )
            if part
        )
        name = f"{place.name}: " if place.name else ""
        # One sentence per question a caller asks ("where are you", "how do I find you",
        # "where do I park"): a focused sentence is retrieved better than a mixed one.
        add("locations", place.id, f"{name}Address: {address}.", place.provenance)
        if place.directions:
            add(
                "locations",
                f"{place.id}.directions",
                f"{name}Directions: {place.directions}",
                place.provenance,
            )
        if place.parking:
            add(
                "locations",
                f"{place.id}.parking",
                f"{name}Parking for cars: {place.parking}",
                place.provenance,
            )
    if c.locations.service_area:
        add(
            "locations",
            "service_area",
            "Area served: " + ", ".join(c.locations.service_area),
            Provenance(),
        )
    out.extend(_weekly(c))
    for day in c.hours.exceptions:
        hours = "closed" if day.closed else spoken_intervals(day.intervals)
        note = f" ({day.note})" if day.note else ""
        add("hours", day.id, f"On {day.date:%A %B %-d, %Y}: {hours}{note}.", day.provenance)
    for service in c.services.services:
        bits = [f"Service: {service.name}"]
        if service.duration_minutes:
            bits.append(f"takes about {service.duration_minutes} minutes")
        if price := spoken_price(service.price):
            bits.append(f"costs {price}")
        text = ", ".join(bits) + "."
        if service.description:
            text += f" {service.description}"
        add("services", service.id, text, service.provenance)
    for item in c.pricing.items:
        note = f" ({item.notes})" if item.notes else ""
        add(
            "pricing",
            item.id,
            f"Price of {item.item}: {spoken_price(item.price)}{note}.",
            item.provenance,
        )
    b = c.booking
    if b.methods:
        add(
            "booking",
            "methods",
            "Book by " + ", ".join(m.replace("_", "-") for m in b.methods) + ".",
            Provenance(),
        )
    for label, value in (
        ("Book online", b.booking_url),
        ("Booking notice", b.lead_time),
        ("Deposit", b.deposit),
    ):
        if value:
            add("booking", label.lower().replace(" ", "_"), f"{label}: {value}", Provenance())
    for policy in c.policies.policies:
        add("policies", policy.id, f"{policy.title}: {policy.text}", policy.provenance)
    if c.payments.methods:
        add(
            "payments",
            "methods",
            "Payment accepted: " + ", ".join(c.payments.methods) + ".",
            Provenance(),
        )
    if c.payments.insurance:
        add(
            "payments",
            "insurance",
            "Insurance accepted: " + ", ".join(c.payments.insurance) + ".",
            Provenance(),
        )
    if c.payments.financing:
        add("payments", "financing", f"Financing: {c.payments.financing}", Provenance())
    for faq in c.faqs.faqs:
        add("faqs", faq.id, f"Q: {faq.question} A: {faq.answer}", faq.provenance)
    for member in c.team.members:
        text = member.name + (f", {member.role}" if member.role else "")
        if member.specialties:
            text += f"; specialties: {', '.join(member.specialties)}"
        if member.bio:
            text += f". {member.bio}"
        add("team", member.id, text, member.provenance)
    for promo in c.promotions.promotions:
        until = f" (until {promo.valid_until:%B %-d, %Y})" if promo.valid_until else ""
        add(
            "promotions",
            promo.id,
            f"Offer: {promo.title}{until}. {promo.details or ''}",
            promo.provenance,
        )
    for credential in c.credentials.credentials:
        by = f" from {credential.issuer}" if credential.issuer else ""
        year = f" ({credential.year})" if credential.year else ""
        add("credentials", credential.id, f"{credential.name}{by}{year}", credential.provenance)
    if c.amenities.amenities:
        add(
            "amenities",
            "amenities",
            "Amenities: " + ", ".join(c.amenities.amenities) + ".",
            Provenance(),
        )
    if c.languages.codes:
        add(
            "languages",
            "codes",
            "Languages spoken: " + ", ".join(c.languages.codes) + ".",
            Provenance(),
        )
    e = c.emergencies
    if e.instructions:
        add("emergencies", "instructions", f"In an emergency: {e.instructions}", Provenance())
    if e.emergency_phone:
        add("emergencies", "phone", f"Emergency phone: {e.emergency_phone}", Provenance())
    if c.escalation.transfer_when:
        add(
            "escalation",
            "transfer_when",
            "Transfer to a person when: " + "; ".join(c.escalation.transfer_when),
            Provenance(),
        )
    for name in type(c).model_fields:
        for fact in getattr(c, name).facts:
            add(name, fact.id, fact.text, fact.provenance)
    return out
