"""Knowledge gaps without a database: callers' unanswered questions grouped by meaning (the
local model), by words when no embedding can be had, settled ones left out; the site's pages
cut into passages, and the passage that answers a question found, or none."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.words_embedder import WordsEmbedder
from voice_platform.crawl.crawler import CrawlResult, Page
from voice_platform.providers.errors import Unavailable
from voice_platform.providers.llm.local import LocalEmbedder
from voice_platform.services.crawled_pages import texts_of
from voice_platform.services.knowledge_gaps import (
    DRAFT_SCORE,
    Asked,
    QuestionGroup,
    Settled,
    group_questions,
    key_of,
    tidy,
)
from voice_platform.services.page_passages import (
    Source,
    best_source,
    index_sources,
    passages_of,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def embedder() -> LocalEmbedder:
    return LocalEmbedder()


def asked(*questions: str) -> list[Asked]:
    """Each question from its own call, an hour apart, the first the most recent."""
    return [Asked(q, uuid.uuid4(), NOW - timedelta(hours=n)) for n, q in enumerate(questions)]


def grouped(groups: list[QuestionGroup]) -> list[set[str]]:
    return [set(g.phrasings) for g in groups]


def test_paraphrases_group_together_and_different_questions_apart(
    embedder: LocalEmbedder,
) -> None:
    groups = group_questions(
        asked(
            "Do you do teeth whitening?",
            "Can I get my teeth whitened there?",
            "Hi, um, do you do teeth whitening?",
            "Do you take Medicaid?",
            "Do you accept Medicaid insurance?",
            "Is there wheelchair access?",
            "Is your office wheelchair accessible?",
            "Do you do dental implants?",
            "Do you take Delta Dental?",
            "Do you see kids?",
            "Do you treat children?",
        ),
        embedder,
    )
    assert grouped(groups) == [
        {"Do you do teeth whitening?", "Can I get my teeth whitened there?"},
        {"Do you take Medicaid?", "Do you accept Medicaid insurance?"},
        {"Is there wheelchair access?", "Is your office wheelchair accessible?"},
        {"Do you see kids?", "Do you treat children?"},
        {"Do you do dental implants?"},
        {"Do you take Delta Dental?"},
    ]
    whitening = groups[0]
    # The way it was asked most stands for the group; the greeting before it is not the question.
    assert whitening.question == "Do you do teeth whitening?"
    assert whitening.count == 3
    assert whitening.last_asked == NOW
    assert len(whitening.calls) == 3


def test_one_wording_does_not_bridge_two_subjects(embedder: LocalEmbedder) -> None:
    """ "Do you do braces for adults?" is nearer "Do you do dental implants?" (0.64) than the
    bar, but each subject's own paraphrases are nearer still: they meet first, and the two
    subjects stay apart whichever is asked most."""
    groups = group_questions(
        asked(
            *["Do you do braces for adults?"] * 5,
            *["Do you do dental implants?"] * 4,
            *["Do you offer implants?"] * 3,
            *["Can adults get Invisalign with you?"] * 2,
            "Can you put in an implant to replace a missing tooth?",
        ),
        embedder,
    )
    assert grouped(groups) == [
        {
            "Do you do dental implants?",
            "Do you offer implants?",
            "Can you put in an implant to replace a missing tooth?",
        },
        {"Do you do braces for adults?", "Can adults get Invisalign with you?"},
    ]


def test_the_most_asked_come_first_and_calls_are_counted_once(embedder: LocalEmbedder) -> None:
    call = uuid.uuid4()
    questions = [
        Asked("Can I bring my dog?", uuid.uuid4(), NOW),
        Asked("Do you have gift cards?", call, NOW - timedelta(days=1)),
        Asked("Do you sell gift cards?", call, NOW - timedelta(days=1)),
        Asked("Do you sell gift cards?", uuid.uuid4(), NOW - timedelta(days=2)),
    ]
    first, second = group_questions(questions, embedder)
    assert first.question == "Do you sell gift cards?"
    assert (first.count, first.calls) == (3, [call, questions[3].call_id])
    assert second.question == "Can I bring my dog?"


def test_without_embeddings_questions_group_by_their_words() -> None:
    questions = asked(
        "Do you do teeth whitening?",
        "do you do TEETH whitening!!",
        "Hello, do you do teeth whitening",
        "Do you do dental implants?",
    )
    assert grouped(group_questions(questions, None)) == [
        {"Do you do teeth whitening?"},
        {"Do you do dental implants?"},
    ]

    class Down:
        name = "remote"

        def embed(self, texts: list[str]) -> list[list[float]]:
            raise Unavailable("The embedding service is down")

    assert grouped(group_questions(questions, Down())) == grouped(group_questions(questions, None))


def test_settled_questions_are_left_out(embedder: LocalEmbedder) -> None:
    before, after = NOW - timedelta(days=3), NOW + timedelta(hours=1)
    questions = [
        Asked("Do you do teeth whitening?", uuid.uuid4(), NOW - timedelta(days=4)),
        Asked("Can I get my teeth whitened?", uuid.uuid4(), NOW),
        Asked("What's the wifi password?", uuid.uuid4(), NOW),
        Asked("Do you do dental implants?", uuid.uuid4(), NOW),
    ]
    settled = [
        # Answered three days ago: asked since, the answer did not reach that caller.
        Settled("Do you do teeth whitening?", "answered", before),
        # Dismissed: every question like it, whenever asked.
        Settled("What is your wifi password", "dismissed", before),
    ]
    groups = group_questions(questions, embedder, settled=settled)
    assert grouped(groups) == [{"Can I get my teeth whitened?"}, {"Do you do dental implants?"}]
    settled.append(Settled("Can I get my teeth whitened?", "answered", after))
    assert grouped(group_questions(questions, embedder, settled=settled)) == [
        {"Do you do dental implants?"}
    ]


def test_a_question_is_tidied_of_what_comes_before_it() -> None:
    assert tidy("  hi   there, um, so do you do whitening? ") == "Do you do whitening?"
    assert tidy("Hello") == "Hello"
    assert key_of("Do you do Whitening?!") == key_of("do you do whitening")


FAQ_PAGE = """Frequently asked questions
Do you offer teeth whitening?
Yes. In-office whitening is $450 and take-home trays are $250.
Can I bring my service dog?
Service animals are always welcome. Pets cannot come into the treatment rooms.
"""
INSURANCE_PAGE = """Insurance
We are in-network with these plans:
- Delta Dental PPO
- Cigna Dental PPO
Plans We Don't Accept
We are not able to accept Texas Medicaid or CHIP at this time.
Savings plan
| Membership | Annual fee |
|---|---|
| Adult | $299 per year |
| Child | $219 per year |
"""


def page_sources() -> list[Source]:
    return passages_of("https://smile.example/faq", "FAQ", FAQ_PAGE) + passages_of(
        "https://smile.example/insurance", "Insurance & financing", INSURANCE_PAGE
    )


def test_a_page_becomes_passages_each_with_what_it_is_about() -> None:
    found = {s.text: s.about for s in page_sources()}
    assert found == {
        "Yes. In-office whitening is $450 and take-home trays are $250.": (
            "Do you offer teeth whitening?"
        ),
        "Service animals are always welcome. Pets cannot come into the treatment rooms.": (
            "Can I bring my service dog?"
        ),
        "We are in-network with these plans: Delta Dental PPO; Cigna Dental PPO.": "Insurance",
        "We are not able to accept Texas Medicaid or CHIP at this time.": "Plans We Don't Accept",
        "Membership: Annual fee; Adult: $299 per year; Child: $219 per year.": "Savings plan",
    }
    long = " ".join(f"Sentence number {n} says a few more words here." for n in range(20))
    windows = passages_of("https://smile.example/", "", long)
    assert len(windows) > 1
    assert all(len(w.text.split()) <= 60 for w in windows)
    assert " ".join(w.text for w in windows) == long


@pytest.mark.parametrize(
    ("question", "answer", "url"),
    [
        ("do y'all do whitening? how much is it", "$450", "https://smile.example/faq"),
        ("Can I bring my dog along?", "Service animals", "https://smile.example/faq"),
        ("Do you take Medicaid?", "Texas Medicaid", "https://smile.example/insurance"),
        ("Do you take Cigna insurance?", "Cigna Dental PPO", "https://smile.example/insurance"),
    ],
)
def test_the_passage_that_answers_is_found_with_its_page(
    embedder: LocalEmbedder, question: str, answer: str, url: str
) -> None:
    source, score = best_source(question, index_sources(page_sources(), embedder), embedder)
    assert source is not None
    assert answer in source.text
    assert source.url == url
    assert score >= DRAFT_SCORE


@pytest.mark.parametrize(
    "question", ["Do you do Botox?", "Is Dr. Lee in next Thursday?", "Do you do house calls?"]
)
def test_a_question_the_pages_do_not_answer_gets_no_draft(
    embedder: LocalEmbedder, question: str
) -> None:
    _, score = best_source(question, index_sources(page_sources(), embedder), embedder)
    assert score < DRAFT_SCORE


def test_scored_passages_from_the_knowledge_base_compete() -> None:
    indexed = index_sources(page_sources(), WordsEmbedder())
    kb = Source("We are open until 7 PM on Wednesdays.", "Hours", None)
    source, score = best_source("open late on wednesday?", indexed, WordsEmbedder(), [(kb, 0.9)])
    assert source == kb
    assert score > 0.9
    nothing, none = best_source("anything", index_sources([], None), None)
    assert (nothing, none) == (None, 0.0)


def test_kept_pages_are_their_text_without_archived_or_empty_ones() -> None:
    article = "<p>" + "Our clinic news for the spring season. " * 5 + "</p>"
    pages = [
        Page(
            "https://smile.example/faq",
            f"<html><head><title>FAQ | Smile</title></head><body><main><h1>FAQ</h1>{article}"
            "</main></body></html>",
            200,
            0,
            "text/html",
        ),
        Page("https://smile.example/empty", "<html><body></body></html>", 200, 1, "text/html"),
        Page(
            "https://smile.example/blog/2019/05/old-news",
            f"<html><body><article>{article}</article></body></html>",
            200,
            1,
            "text/html",
        ),
    ]
    kept = texts_of(CrawlResult("https://smile.example/", pages + pages[:1]))
    assert [(p.url, p.title) for p in kept] == [("https://smile.example/faq", "FAQ | Smile")]
    assert "Our clinic news for the spring season." in kept[0].text
