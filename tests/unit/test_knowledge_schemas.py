"""The category schemas' rules and how a KB reads as sentences."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from voice_platform.knowledge.chunks import chunks_of, clock, spoken_price
from voice_platform.knowledge.document import (
    KnowledgeInvalid,
    export_faqs_csv,
    parse_category,
    parse_document,
    parse_faqs_csv,
)
from voice_platform.knowledge.schemas import (
    CATEGORY_NAMES,
    FAQ,
    Categories,
    Hours,
    HoursException,
    Interval,
    KnowledgeBase,
    Languages,
    Location,
    Locations,
    Price,
    Promotion,
    Promotions,
    Weekly,
)


def test_there_are_the_18_categories_of_the_design() -> None:
    assert CATEGORY_NAMES == (
        "profile", "contact", "locations", "hours", "services", "pricing", "booking", "policies",
        "payments", "faqs", "team", "promotions", "credentials", "amenities", "languages",
        "emergencies", "escalation", "brand_voice",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "problem"),
    [("8:00", "HH:MM"), ("25:00", "HH:MM"), ("noon", "HH:MM")],
)
def test_clock_times_are_24_hour(value: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        Interval(open=value, close="23:00")


def test_an_interval_must_close_after_it_opens() -> None:
    with pytest.raises(ValidationError, match="before it opens"):
        Interval(open="17:00", close="09:00")
    assert Interval(open="18:00", close="24:00").close == "24:00"


def test_unknown_time_zones_and_language_codes_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone"):
        Hours(time_zone="Atlantis/Capital")
    with pytest.raises(ValidationError, match="not a language code"):
        Languages(codes=["en", "Spanish"])
    assert Languages(codes=["en", "pt-BR", "yue"]).codes == ["en", "pt-BR", "yue"]


def test_currency_codes() -> None:
    with pytest.raises(ValidationError, match="three-letter"):
        Price(amount=10, currency="$")


def test_unknown_fields_are_errors_not_silently_dropped() -> None:
    with pytest.raises(KnowledgeInvalid) as err:
        parse_category("hours", {"weekly": {}, "opening_times": "9-5"})
    assert err.value.problems[0]["field"] == "opening_times"
    with pytest.raises(KnowledgeInvalid, match="no such category"):
        parse_category("weather", {})


@pytest.mark.parametrize(
    ("document", "field"),
    [("not json", "(document)"), ("[]", "(document)"), ('{"format": "x"}', "format")],
)
def test_documents_that_are_not_kbs(document: str, field: str) -> None:
    with pytest.raises(KnowledgeInvalid) as err:
        parse_document(document)
    assert err.value.problems[0]["field"] == field


@pytest.mark.parametrize(
    ("value", "spoken"),
    [
        ("00:00", "midnight"),
        ("08:00", "8:00 AM"),
        ("12:30", "12:30 PM"),
        ("17:05", "5:05 PM"),
        ("24:00", "midnight"),
    ],
)
def test_clock_reads_aloud(value: str, spoken: str) -> None:
    assert clock(value) == spoken


def test_prices_read_aloud() -> None:
    assert spoken_price(None) == ""
    assert spoken_price(Price(amount=129)) == "$129"
    assert spoken_price(Price(amount=89.5, amount_max=120)) == "$89.50 to $120"
    assert spoken_price(Price(amount=20, currency="EUR")) == "EUR 20"
    assert spoken_price(Price(text="from $89")) == "from $89"
    assert spoken_price(Price()) == ""


def test_every_day_and_exception_becomes_a_sentence() -> None:
    kb = KnowledgeBase(
        categories=Categories(
            hours=Hours(
                time_zone="America/Chicago",
                weekly=Weekly(friday=[Interval(open="08:00", close="13:00")]),
                exceptions=[HoursException(id="xmas", date=date(2026, 12, 25), note="Christmas")],
            ),
            locations=Locations(
                locations=[
                    Location(id="main", street="1 Main St", city="Austin", parking="Free lot")
                ]
            ),
            promotions=Promotions(
                promotions=[Promotion(id="p", title="10% off", valid_until=date(2026, 12, 31))]
            ),
        )
    )
    texts = {c.item_id: c.text for c in chunks_of(kb)}
    assert texts["weekly.friday"] == (
        "Hours on Friday: open 8:00 AM to 1:00 PM, closing at 1:00 PM (America/Chicago time)."
    )
    assert texts["weekly.saturday"] == "Hours on Saturday: closed (America/Chicago time)."
    assert texts["xmas"] == "On Friday December 25, 2026: closed (Christmas)."
    assert texts["main"] == "Address: 1 Main St, Austin."
    assert texts["main.parking"] == "Parking for cars: Free lot"
    assert texts["p"] == "Offer: 10% off (until December 31, 2026)."


def test_faq_csv_round_trip_keeps_commas_quotes_and_sources() -> None:
    kb = KnowledgeBase()
    kb.categories.faqs.faqs = [FAQ(question='Is it "free"?', answer="No, it costs $5, sorry.")]
    text = export_faqs_csv(kb)
    [back] = parse_faqs_csv(text)
    assert (back.question, back.answer) == ('Is it "free"?', "No, it costs $5, sorry.")
    with_bom = parse_faqs_csv("\ufeffQuestion,Answer\nA?,B.\n")
    assert with_bom[0].question == "A?"
