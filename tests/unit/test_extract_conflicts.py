"""Where a site disagrees with itself: both versions kept and flagged; holidays read apart."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from voice_platform.extract.conflicts import page_hours, structured_phones
from voice_platform.extract.page import PageContent
from voice_platform.extract.structured import (
    apply_business,
    exceptions_from_table,
    weekly_from_table,
)
from voice_platform.knowledge.schemas import Conflict, Fact, Interval, KnowledgeBase, Method

BUSINESS = {
    "@type": "Plumber",
    "name": "Acme Plumbing",
    "telephone": "+1 555-201-9999",
    "openingHoursSpecification": [
        {"dayOfWeek": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
         "opens": "08:00", "closes": "17:00"},
    ],
}  # fmt: skip
TABLE = [["Mon-Fri", "8:00 am - 6:00 pm"], ["Saturday", "Closed"], ["Sunday", "Closed"]]


def structured_kb() -> KnowledgeBase:
    kb = KnowledgeBase()
    apply_business(kb, BUSINESS, "https://acme.example/")
    return kb


def test_page_hours_that_differ_from_structured_data_are_kept_and_flagged() -> None:
    kb = structured_kb()
    weekly = weekly_from_table(TABLE)
    assert weekly is not None
    page_hours(kb, weekly, "https://acme.example/contact", "Mon-Fri 8:00 am - 6:00 pm")
    hours = kb.categories.hours
    assert hours.weekly is not None
    assert hours.weekly.monday == [Interval(open="08:00", close="17:00")]  # structured stays
    assert "Monday 08:00-18:00" in hours.facts[0].text
    [conflict] = kb.conflicts
    assert conflict.about == "Opening hours"
    assert [v.provenance.method for v in conflict.versions] == [
        Method.STRUCTURED_DATA,
        Method.PAGE_TEXT,
    ]
    page_hours(kb, weekly, "https://acme.example/contact", "again")
    assert len(kb.conflicts) == 1  # flagged once


def test_page_hours_that_agree_or_stand_alone_raise_no_flag() -> None:
    kb = structured_kb()
    same = weekly_from_table([["Mon-Fri", "8 am - 5 pm"], ["Sat & Sun", "Closed"]])
    assert same is not None
    page_hours(kb, same, "https://acme.example/contact", "")
    assert kb.conflicts == []
    alone = KnowledgeBase()
    page_hours(alone, same, "https://acme.example/contact", "")
    assert alone.categories.hours.weekly == same


def test_a_structured_number_no_page_shows_is_flagged() -> None:
    kb = structured_kb()
    page = PageContent(
        url="https://acme.example/",
        text="Call us today.",
        phones=[("555-201-0147", "+15552010147")],
    )
    structured_phones(kb, [page])
    [conflict] = kb.conflicts
    assert conflict.about == "Main phone number"
    assert "555-201-9999" in conflict.versions[0].text
    assert "+15552010147" in conflict.versions[1].text

    shown = structured_kb()
    page.text = "Call us at (555) 201-9999."
    structured_phones(shown, [page])
    assert shown.conflicts == []


def test_holiday_rows_are_exceptions_not_the_week() -> None:
    rows = [
        ["Date", "Office"],
        ["Thanksgiving Day - Thu, Nov 27", "Closed - emergency service only"],
        ["Christmas Eve - Wed, Dec 24", "7:00 am - 12:00 pm"],
        ["Friday", "8 am - 5 pm"],
    ]
    assert weekly_from_table(rows) is None
    found = exceptions_from_table(rows, "https://acme.example/", today=date(2026, 11, 1))
    assert [(e.date, e.closed) for e in found] == [
        (date(2025, 11, 27), True),  # the year whose Nov 27 is a Thursday
        (date(2025, 12, 24), False),  # and whose Dec 24 is a Wednesday
    ]
    assert found[1].intervals == [Interval(open="07:00", close="12:00")]
    assert found[0].note is not None
    assert "emergency service only" in found[0].note


def test_a_conflict_names_a_category_and_two_versions() -> None:
    one = Fact(text="Open 8-5")
    with pytest.raises(ValidationError):
        Conflict(category="weather", about="Hours", versions=[one, one])
    with pytest.raises(ValidationError):
        Conflict(category="hours", about="Hours", versions=[one])
