"""The model path's own rules: how pages are batched and which of the model's facts stand."""

from __future__ import annotations

from voice_platform.extract.model import (
    GUIDE,
    MODEL_CATEGORIES,
    NOT_FROM_TEXT,
    SCHEMA,
    SYSTEM_PROMPT,
    Piece,
    batches_of,
    checked,
    comparable,
    messages_for,
    split_text,
    without_duplicates,
)
from voice_platform.extract.page import PageContent
from voice_platform.knowledge.schemas import CATEGORY_NAMES, Fact, Method

URL = "https://example.test/about"
OTHER = "https://example.test/other"
PAGE_TEXT = "Founded in 1998 by Dr. Ana Ruiz.\nWe accept “most” PPO plans and   CareCredit."


def page(url: str, text: str, title: str = "About") -> PageContent:
    return PageContent(url=url, title=title, text=text)


def test_the_model_is_offered_every_schema_category_but_faqs() -> None:
    assert set(MODEL_CATEGORIES) == set(CATEGORY_NAMES) - NOT_FROM_TEXT
    assert len(MODEL_CATEGORIES) == 17
    assert "brand_voice" in MODEL_CATEGORIES
    assert set(GUIDE) == set(MODEL_CATEGORIES)
    item = SCHEMA["properties"]["facts"]["items"]
    assert item["properties"]["category"]["enum"] == list(MODEL_CATEGORIES)
    for name in MODEL_CATEGORIES:
        assert f"- {name}: {GUIDE[name]}" in SYSTEM_PROMPT


def test_a_long_text_is_split_into_parts_that_join_back_into_it() -> None:
    text = "\n".join(f"Line {n} says something useful about the business." for n in range(200))
    parts = split_text(text, 1000)
    assert "".join(parts) == text
    assert all(len(part) <= 1000 for part in parts)
    assert all(part.endswith("\n") for part in parts[:-1])  # cut at line ends


def test_a_text_without_line_ends_is_cut_after_a_sentence_then_between_words() -> None:
    sentences = " ".join(f"Sentence {n} is here." for n in range(100))
    parts = split_text(sentences, 200)
    assert "".join(parts) == sentences
    assert all(part.endswith(". ") for part in parts[:-1])
    words = " ".join(["word"] * 100)
    assert all(part.endswith(" ") for part in split_text(words, 64)[:-1])
    assert split_text("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]


def test_pages_are_packed_in_order_within_the_budget_and_a_long_page_spans_batches() -> None:
    short = [page(f"https://example.test/{n}", "A short page of text. " * 10) for n in range(5)]
    long_text = "\n".join(f"Paragraph {n} of the long services page." for n in range(120))
    pages = [*short[:2], page("https://example.test/long", long_text), *short[2:]]
    batches = batches_of(pages, 1200)
    assert all(sum(len(piece.text) for piece in batch) <= 1200 for batch in batches)
    pieces = [piece for batch in batches for piece in batch]
    assert [p.url for p in pieces if p.parts == 1] == [p.url for p in short]
    long_parts = [p for p in pieces if p.url == "https://example.test/long"]
    assert len({id(b) for b in batches for p in b if p.url.endswith("/long")}) > 1
    assert [p.part for p in long_parts] == list(range(1, len(long_parts) + 1))
    assert {p.parts for p in long_parts} == {len(long_parts)}
    assert "".join(p.text for p in long_parts) == long_text
    assert batches_of([page("https://example.test/empty", "  \n ")], 1200) == []


def test_the_user_message_names_each_page_and_its_part() -> None:
    batch = [Piece(URL, "About", "First half.", 1, 2), Piece("https://example.test/x", "", "Y.")]
    system, user = messages_for(batch)
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user"
    assert user["content"] == (
        f"[page 1] {URL} (part 1 of 2)\nTitle: About\n\nFirst half.\n\n"
        "[page 2] https://example.test/x\nTitle: \n\nY."
    )


def test_quotes_compare_without_case_spacing_or_curly_quotes() -> None:
    assert comparable("We  accept \u201cmost\u201d\nPPO") == comparable('we accept "most" ppo')
    assert comparable("Open 8\u201317") == "open 8-17"


def answer(*facts: dict[str, object]) -> dict[str, object]:
    return {"facts": list(facts)}


def fact(**fields: object) -> dict[str, object]:
    base = {
        "source_url": URL,
        "snippet": 'we accept "most" PPO plans',
        "category": "payments",
        "text": "Most PPO plans are accepted.",
    }
    return {**base, **fields}


def test_only_facts_quoting_a_page_of_the_batch_stand() -> None:
    batch = [Piece(URL, "About", PAGE_TEXT)]
    # The other page says the same, but it was not in this batch: the model did not read it.
    words = {URL: comparable(f"About\n{PAGE_TEXT}"), OTHER: comparable(PAGE_TEXT)}
    kept, dropped = checked(
        answer(
            fact(),
            fact(snippet="We offer free parking for every patient."),  # not on the page
            fact(source_url=OTHER),
            fact(category="faqs"),  # not a category the model may use
            fact(category="weather"),
            fact(snippet="PPO"),  # too short to prove anything
            fact(text=""),
            fact(text=7),
            "not an object",
        ),
        batch,
        words,
    )
    assert dropped == 8
    ((category, only),) = kept
    assert category == "payments"
    assert only.text == "Most PPO plans are accepted."
    assert only.provenance.method == Method.MODEL
    assert only.provenance.source_url == URL
    assert only.provenance.snippet == 'we accept "most" PPO plans'
    assert only.provenance.confidence == 0.8


def test_a_long_quote_is_kept_to_the_provenance_limit() -> None:
    text = "words " * 300
    kept, _ = checked(
        answer(fact(snippet=text, text="Words.")), [Piece(URL, "", text)], {URL: comparable(text)}
    )
    assert len(kept[0][1].provenance.snippet or "") == 1000


def test_a_fact_stated_twice_in_a_category_is_kept_once() -> None:
    one, again, other = Fact(text="Open late."), Fact(text="open  LATE."), Fact(text="Open late.")
    folded = without_duplicates([("hours", one), ("hours", again), ("profile", other)])
    assert folded == [("hours", one), ("profile", other)]
