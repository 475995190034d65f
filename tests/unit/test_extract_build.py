"""The builder's pure parts: publication dates, what counts as archive, cues."""

from __future__ import annotations

from datetime import date

from voice_platform.crawl.crawler import CrawlResult, Page
from voice_platform.extract.build import archived_pages, published
from voice_platform.extract.classify import cues


def test_publication_dates_come_from_the_url_or_the_article_markup() -> None:
    assert published("https://x.example/blog/2023/03/special/", "") == date(2023, 3, 1)
    assert published("https://x.example/blog/2021-01-pipes.html", "") == date(2021, 1, 1)
    meta = '<meta property="article:published_time" content="2022-06-03T10:00:00-05:00">'
    assert published("https://x.example/news/menu.html", meta) == date(2022, 6, 3)
    json_ld = '{"@type": "BlogPosting", "datePublished": "2024-06-12"}'
    assert published("https://x.example/post", json_ld) == date(2024, 6, 12)
    assert published("https://x.example/contact/", "<p>© 2019</p>") is None


def test_articles_older_than_a_year_are_archive() -> None:
    crawled = CrawlResult(
        start_url="https://x.example/",
        pages=[
            Page("https://x.example/", "<p>Prices</p>", 200, 0, "text/html"),
            Page("https://x.example/blog/2025/01/old/", "", 200, 1, "text/html"),
            Page("https://x.example/blog/2026/06/new/", "", 200, 1, "text/html"),
        ],
    )
    assert archived_pages(crawled, today=date(2026, 11, 27)) == {
        "https://x.example/blog/2025/01/old/"
    }


def test_cues_nudge_prices_hours_and_phones() -> None:
    assert "pricing" in cues("A cleaning is $129.")
    assert "hours" in cues("We are open Monday 9 am to 5 pm.")
    assert "contact" in cues("Call (512) 555-0147 today.")
    assert cues("We love our neighborhood.") == {}
