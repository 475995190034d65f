"""The offline classifier with the real local embedding model: statements of every kind of
business land in the category a reader would file them under."""

from __future__ import annotations

import pytest

from voice_platform.extract.classify import Classifier
from voice_platform.providers.llm.local import LocalEmbedder


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(LocalEmbedder())


@pytest.mark.parametrize(
    ("text", "context", "category"),
    [
        ("We accept Visa, Mastercard, Discover and cash.", "Payment options", "payments"),
        ("The studio is at 40 Birch Road, upstairs from the bookshop.", "Find us", "locations"),
        ("Open Tuesday to Saturday, 10 AM to 6 PM.", "Visit", "hours"),
        ("A full grooming for a large dog is $85.", "Grooming menu", "pricing"),
        ("Please cancel at least 48 hours ahead or the deposit is kept.", "Policies", "policies"),
        ("Certified by the state board, license #A-5521.", "About", "credentials"),
        ("Hablamos español; our receptionist also speaks Tagalog.", "Contact", "languages"),
        ("Our motto: honest work, fair prices, no pressure.", "About", "brand_voice"),
    ],
)
def test_statements_land_in_their_category(
    classifier: Classifier, text: str, context: str, category: str
) -> None:
    placed = classifier.place([text], [context])
    assert placed[0].category == category


def test_a_part_that_belongs_elsewhere_is_filed_there_too(classifier: Classifier) -> None:
    text = "Reach us: call 555-201-0000 or email hello@tidyhome.example; our staff speak Polish."
    units = [["call 555-201-0000 or email hello@tidyhome.example", "our staff speak Polish."]]
    placed = classifier.place([text], ["Contact"], units)
    assert [(p.category, p.unit) for p in placed] == [("contact", None), ("languages", 1)]
