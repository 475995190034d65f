"""Structured-data rules on the corpus sites' own markup, and hours written in tables."""

from __future__ import annotations

import pytest

from tests.shared import SHARED
from voice_platform.extract.page import extract_page
from voice_platform.extract.structured import (
    apply_business,
    days_in,
    intervals_in,
    is_business,
    weekly_from_specification,
    weekly_from_table,
)
from voice_platform.knowledge.chunks import chunks_of
from voice_platform.knowledge.schemas import Interval, KnowledgeBase, Method

SITES = SHARED / "sites"


def kb_from_home(site: str) -> KnowledgeBase:
    html = (
        (SITES / site / "site" / "index.html")
        .read_text()
        .replace("__BASE_URL__", "https://s.example")
    )
    page = extract_page("https://s.example/", html)
    kb = KnowledgeBase()
    for node in page.structured:
        if is_business(node):
            apply_business(kb, node, page.url)
    return kb


def test_the_dentists_json_ld_fills_profile_contact_location_and_hours() -> None:
    kb = kb_from_home("bright-smile-dental")
    c = kb.categories
    assert c.profile.name == "Bright Smile Family Dental"
    assert c.profile.founded_year == 2009
    assert any(p.number.endswith("0147") for p in c.contact.phones)
    assert c.locations.locations[0].city == "Round Rock"
    assert "Pflugerville" in c.locations.service_area
    assert c.hours.weekly is not None
    assert c.hours.weekly.friday == [Interval(open="08:00", close="13:00")]
    assert c.hours.weekly.saturday == []
    assert c.hours.weekly_provenance.method is Method.STRUCTURED_DATA
    assert "es" in c.languages.codes
    friday = next(ch for ch in chunks_of(kb) if ch.item_id == "weekly.friday")
    assert "1:00 PM" in friday.text


@pytest.mark.parametrize(
    "site", ["fade-and-fringe-salon", "nonna-rosa-pizzeria", "rapid-rooter-plumbing"]
)
def test_every_corpus_business_yields_hours_and_a_phone(site: str) -> None:
    kb = kb_from_home(site)
    assert kb.business_name
    assert kb.categories.hours.weekly is not None
    assert kb.categories.contact.phones


def test_specifications_accept_urls_for_days_and_midnight_closing() -> None:
    weekly = weekly_from_specification(
        [
            {"dayOfWeek": "https://schema.org/Saturday", "opens": "18:00:00", "closes": "00:00"},
            {"dayOfWeek": "Sunday", "opens": "10:00", "closes": "09:00"},
            {"dayOfWeek": "Monday", "opens": "09:00", "closes": "17:00", "validFrom": "2026-12-24"},
        ]
    )
    assert weekly is not None
    assert weekly.saturday == [Interval(open="18:00", close="24:00")]
    assert weekly.sunday == []
    assert weekly.monday == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8:00 AM – 5:00 PM", [("08:00", "17:00")]),
        ("9 - 5 pm", [("09:00", "17:00")]),
        ("11:30 to 21:00", [("11:30", "21:00")]),
        ("7am-noonish", []),
        (
            "10:00 a.m. – 2:00 p.m. and 4:00 p.m. – 9:00 p.m.",
            [("10:00", "14:00"), ("16:00", "21:00")],
        ),
    ],
)
def test_time_ranges_in_text(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(i.open, i.close) for i in intervals_in(text)] == expected


def test_day_labels_and_ranges() -> None:
    assert days_in("Mon–Fri") == ["monday", "tuesday", "wednesday", "thursday", "friday"]
    assert days_in("Saturday & Sunday") == ["saturday", "sunday"]
    assert days_in("Viernes") == ["friday"]
    assert days_in("Holidays") == []


def test_an_hours_table() -> None:
    weekly = weekly_from_table(
        [
            ["Day", "Hours"],
            ["Mon–Thu", "8:00 AM – 5:00 PM"],
            ["Friday", "8:00 AM – 1:00 PM"],
            ["Sat–Sun", "Closed"],
        ]
    )
    assert weekly is not None
    assert weekly.thursday == [Interval(open="08:00", close="17:00")]
    assert weekly.friday == [Interval(open="08:00", close="13:00")]
    assert weekly.sunday == []
    assert weekly_from_table([["Price", "$20"], ["Color", "$80"]]) is None


def test_opening_and_closing_at_the_same_time_is_closed_all_day() -> None:
    from voice_platform.extract.structured import weekly_from_specification

    weekly = weekly_from_specification(
        [
            {"dayOfWeek": "Tuesday", "opens": "10:00", "closes": "19:00"},
            {"dayOfWeek": ["Sunday", "Monday"], "opens": "00:00", "closes": "00:00"},
            {"dayOfWeek": "Saturday", "opens": "18:00", "closes": "00:00"},
        ]
    )
    assert weekly is not None
    assert weekly.monday == []
    assert weekly.sunday == []
    assert weekly.saturday[0].close == "24:00"
