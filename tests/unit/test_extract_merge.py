"""A re-crawl never overwrites what the owner wrote."""

from __future__ import annotations

from voice_platform.extract.merge import merge
from voice_platform.knowledge.schemas import (
    FAQ,
    Fact,
    Interval,
    KnowledgeBase,
    Method,
    Provenance,
    Weekly,
)

OWNER = Provenance(method=Method.OWNER)
PAGE = Provenance(source_url="https://x.example/faq/", method=Method.PAGE_TEXT, confidence=0.8)


def test_owner_items_stay_and_crawled_ones_replace_the_rest() -> None:
    existing = KnowledgeBase(business_name="Owner's name for it")
    existing.categories.faqs.faqs = [
        FAQ(id="mine", question="Do you deliver?", answer="Yes, within 3 miles.", provenance=OWNER),
        FAQ(id="old", question="Old question?", answer="Old answer.", provenance=PAGE),
    ]
    existing.categories.policies.facts = [
        Fact(id="rule", text="No pets, please.", provenance=OWNER)
    ]
    crawled = KnowledgeBase(business_name="Site name")
    crawled.categories.faqs.faqs = [
        FAQ(question="Do you deliver?", answer="Yes, within 3 miles.", provenance=PAGE),
        FAQ(question="Do you cater?", answer="Yes, for 20 or more.", provenance=PAGE),
    ]
    merged = merge(existing, crawled)
    faqs = merged.categories.faqs.faqs
    assert [f.question for f in faqs] == ["Do you deliver?", "Do you cater?"]
    assert faqs[0].id == "mine"
    assert faqs[0].provenance.method is Method.OWNER
    assert [f.text for f in merged.categories.policies.facts] == ["No pets, please."]
    assert merged.business_name == "Owner's name for it"


def test_hours_the_owner_set_survive_a_recrawl() -> None:
    existing = KnowledgeBase()
    existing.categories.hours.weekly = Weekly(friday=[Interval(open="08:00", close="12:00")])
    existing.categories.hours.weekly_provenance = OWNER
    crawled = KnowledgeBase()
    crawled.categories.hours.weekly = Weekly(friday=[Interval(open="08:00", close="17:00")])
    merged = merge(existing, crawled)
    assert merged.categories.hours.weekly is not None
    assert merged.categories.hours.weekly.friday == [Interval(open="08:00", close="12:00")]


def test_crawled_hours_replace_crawled_hours() -> None:
    existing = KnowledgeBase()
    existing.categories.hours.weekly = Weekly(friday=[Interval(open="08:00", close="12:00")])
    existing.categories.hours.weekly_provenance = PAGE
    crawled = KnowledgeBase()
    crawled.categories.hours.weekly = Weekly(friday=[Interval(open="09:00", close="17:00")])
    assert merge(existing, crawled).categories.hours.weekly == crawled.categories.hours.weekly
