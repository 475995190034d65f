"""From a website to a cited knowledge base, offline: crawl, read each page, take the
structured facts by rule, sort the remaining statements into categories, fold duplicates.

Articles (posts, news) published more than a year ago are archive: their prices and offers
are no longer current, so nothing is taken from them."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from voice_platform.crawl.crawler import CrawlResult, Limits, crawl
from voice_platform.crawl.crawler import Progress as CrawlProgress
from voice_platform.extract.classify import Classifier
from voice_platform.extract.page import PageContent, clean, extract_page
from voice_platform.extract.structured import (
    apply_business,
    faqs_from,
    is_business,
    weekly_from_table,
)
from voice_platform.knowledge.schemas import (
    EmailAddress,
    Fact,
    KnowledgeBase,
    Method,
    Phone,
    Provenance,
)
from voice_platform.providers.llm import Embedder

ARCHIVE_AFTER = timedelta(days=365)
MIN_STATEMENT, MAX_STATEMENT = 15, 600
MAX_FACTS_PER_CATEGORY = 60
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9¿¡\"(])")
URL_DATE = re.compile(r"/(20\d{2})[/-](\d{2})(?:[/-](\d{2}))?")
PUBLISHED = re.compile(
    r'(?:article:published_time"\s+content="|"datePublished"\s*:\s*")(\d{4}-\d{2}-\d{2})'
)

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    kb: KnowledgeBase
    pages: int
    archived: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


SHORT_LINE = 160


def blocks_of(text: str) -> list[str]:
    """Lines as a reader groups them: a list's items, or a table's rows, stay with the line
    that introduces them (a price list is one fact, not six)."""
    blocks: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = clean(raw.lstrip("-•*| ").replace(" | ", "; ").rstrip("|").strip())
        if not line:
            if current:  # a blank line ends a paragraph
                blocks.append(current)
            current = ""
            continue
        is_item = raw.lstrip().startswith(("-", "•", "*", "|")) or len(line) < SHORT_LINE // 2
        if current and is_item and len(current) + len(line) < MAX_STATEMENT:
            current = (
                f"{current.rstrip('.:;')}: {line}"
                if current.endswith(":")
                else f"{current}; {line}"
            )
        else:
            if current:
                blocks.append(current)
            current = line
    if current:
        blocks.append(current)
    return blocks


def statements_of(text: str) -> list[str]:
    """Readable statements: blocks, split into sentences when long."""
    found: list[str] = []
    for block in blocks_of(text):
        if len(block) < MIN_STATEMENT:
            continue
        parts = [block] if len(block) <= MAX_STATEMENT else SENTENCE_END.split(block)
        found.extend(part for part in parts if MIN_STATEMENT <= len(part) <= MAX_STATEMENT)
    return found


def published(url: str, html: str) -> date | None:
    """When an article (post, news item) was published: from its URL, its
    `article:published_time`, or its JSON-LD `datePublished`. Other pages have no date."""
    match = URL_DATE.search(url)
    if match:
        year, month, day = match.groups()
        try:
            return date(int(year), int(month), int(day or 1))
        except ValueError:
            return None
    found = PUBLISHED.search(html)
    if found:
        try:
            return date.fromisoformat(found.group(1))
        except ValueError:
            return None
    return None


def archived_pages(crawled: CrawlResult, today: date | None = None) -> set[str]:
    """Articles published more than a year ago: their prices and offers have expired."""
    today = today or date.today()
    return {
        page.url
        for page in crawled.pages
        if (when := published(page.url, page.html)) and today - when > ARCHIVE_AFTER
    }


def _links(kb: KnowledgeBase, page: PageContent) -> None:
    c = kb.categories
    known = {re.sub(r"\D", "", p.number)[-10:] for p in c.contact.phones}
    for label, number in page.phones:
        digits = re.sub(r"\D", "", number)[-10:]
        if digits and digits not in known:
            known.add(digits)
            c.contact.phones.append(
                Phone(
                    label=label if not re.search(r"\d", label) else "main",
                    number=label if re.search(r"\d", label) else number,
                    provenance=Provenance(
                        source_url=page.url, snippet=label, method=Method.PAGE_TEXT, confidence=0.9
                    ),
                )
            )
    for address in page.emails:
        if address not in {e.address for e in c.contact.emails}:
            c.contact.emails.append(
                EmailAddress(
                    address=address,
                    provenance=Provenance(
                        source_url=page.url,
                        snippet=address,
                        method=Method.PAGE_TEXT,
                        confidence=0.9,
                    ),
                )
            )


def page_context(page: PageContent) -> str:
    """What the page is about: its title, first headings and path words."""
    path = " ".join(re.split(r"[/_.-]+", page.url.split("://", 1)[-1].split("/", 1)[-1]))
    return clean(" ".join([page.title, *page.headings[:3], path]))[:300]


def assemble(contents: list[PageContent], embedder: Embedder, *, start_url: str) -> KnowledgeBase:
    kb = KnowledgeBase(source_url=start_url)
    c = kb.categories
    for page in contents:
        for node in page.structured:
            if is_business(node):
                apply_business(kb, node, page.url)
    for page in contents:
        if c.hours.weekly is None:
            for table in page.tables:
                if weekly := weekly_from_table(table):
                    c.hours.weekly = weekly
                    c.hours.weekly_provenance = Provenance(
                        source_url=page.url, snippet=" | ".join(" ".join(r) for r in table)[:1000],
                        method=Method.PAGE_TEXT, confidence=0.9,
                    )  # fmt: skip
                    break
        _links(kb, page)
        known = {faq.question.lower() for faq in c.faqs.faqs}
        for faq in faqs_from(page.faqs, page.url):
            if faq.question.lower() not in known:
                known.add(faq.question.lower())
                c.faqs.faqs.append(faq)

    seen: set[str] = {f"{faq.question} {faq.answer}".lower() for faq in c.faqs.faqs}
    statements: list[tuple[str, str]] = []
    context_of: dict[str, str] = {}
    for page in contents:
        context_of[page.url] = page_context(page)
        for statement in statements_of(page.text):
            key = statement.lower()
            if key not in seen and not any(key in other for other in seen if len(other) > len(key)):
                seen.add(key)
                statements.append((statement, page.url))
    placed = Classifier(embedder).place(
        [text for text, _ in statements], [context_of[url] for _, url in statements]
    )
    by_text = dict(statements)
    for item in sorted(placed, key=lambda p: -p.score):
        category = getattr(c, item.category)
        if len(category.facts) < MAX_FACTS_PER_CATEGORY:
            category.facts.append(
                Fact(
                    text=item.text[:2000],
                    provenance=Provenance(
                        source_url=by_text[item.text],
                        snippet=item.text[:1000],
                        method=Method.PAGE_TEXT,
                        confidence=round(min(1.0, max(0.0, item.score)), 3),
                    ),
                )
            )
    return kb


async def build_kb(
    url: str,
    embedder: Embedder,
    *,
    limits: Limits | None = None,
    allow_private: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Read the site at `url` into a knowledge base. Raises CrawlError if it cannot be read."""
    started = time.monotonic()

    def crawled(state: CrawlProgress) -> None:
        if progress:
            progress("reading pages", state.fetched, state.fetched + state.queued)

    result = await crawl(url, limits=limits, allow_private=allow_private, progress=crawled)
    archive = archived_pages(result)
    current = [page for page in result.pages if page.url not in archive]
    contents: list[PageContent] = []
    for done, page in enumerate(current, start=1):
        contents.append(await asyncio.to_thread(extract_page, page.url, page.html))
        if progress:
            progress("extracting", done, len(current))
    if progress:
        progress("sorting facts", 0, 1)
    kb = await asyncio.to_thread(assemble, contents, embedder, start_url=result.start_url)
    if progress:
        progress("sorting facts", 1, 1)
    return BuildResult(
        kb, len(result.pages), sorted(archive), result.skipped, time.monotonic() - started
    )
