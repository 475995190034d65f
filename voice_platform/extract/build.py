"""From a website to a cited knowledge base, offline: crawl, read each page, take the
structured facts by rule, sort the remaining statements into categories, fold duplicates.

Articles (posts, news) published more than a year ago are archive: their prices and offers
are no longer current, so nothing is taken from them."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from voice_platform.config import get_settings
from voice_platform.crawl.crawler import CrawlResult, Limits, crawl
from voice_platform.crawl.crawler import Progress as CrawlProgress
from voice_platform.extract.classify import Classifier, Memo, Placed
from voice_platform.extract.conflicts import page_hours, structured_phones
from voice_platform.extract.model import model_facts
from voice_platform.extract.offerings import add_offerings
from voice_platform.extract.page import PageContent, extract_page
from voice_platform.extract.precedence import Candidate, Rank, Superseded, figures, outranked
from voice_platform.extract.statements import Statement, statements_of, topics, units_of
from voice_platform.extract.structured import (
    apply_business,
    exceptions_from_table,
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
from voice_platform.providers.llm import ChatModel, Embedder

ARCHIVE_AFTER = timedelta(days=365)
MAX_FACTS_PER_CATEGORY = 80
SNIPPET = 80  # where the fact starts on its page: enough to find it
ROSTER = 1000  # sibling cards in one category are one fact, up to this long
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
    superseded: list[Superseded] = field(default_factory=list)
    seconds: float = 0.0


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


def by_rules(contents: list[PageContent], *, start_url: str) -> KnowledgeBase:
    """What the site states in a form rules can read, in either path: schema.org data, hours
    tables, phone and email links, FAQ markup and the site's own summary."""
    kb = KnowledgeBase(source_url=start_url)
    c = kb.categories
    for page in contents:
        for node in page.structured:
            if is_business(node):
                apply_business(kb, node, page.url)
    for page in contents:
        for table in page.tables:
            if weekly := weekly_from_table(table):
                page_hours(kb, weekly, page.url, " | ".join(" ".join(row) for row in table))
            known_days = {exception.date for exception in c.hours.exceptions}
            c.hours.exceptions.extend(
                e for e in exceptions_from_table(table, page.url) if e.date not in known_days
            )
        _links(kb, page)
        known = {faq.question.lower() for faq in c.faqs.faqs}
        for faq in faqs_from(page.faqs, page.url):
            if faq.question.lower() not in known:
                known.add(faq.question.lower())
                c.faqs.faqs.append(faq)

    structured_phones(kb, contents)
    add_offerings(kb, contents)
    home = next((page for page in contents if page.url == start_url), None)
    if home and home.description:
        # How the site sums itself up (the meta description): often the only place that
        # says what kind of business it is and since when.
        c.profile.description = c.profile.description or home.description
        c.profile.facts.append(
            Fact(
                text=f"{home.title}: {home.description}" if home.title else home.description,
                provenance=Provenance(
                    source_url=home.url,
                    snippet=home.description[:1000],
                    method=Method.PAGE_TEXT,
                    confidence=0.9,
                ),
            )
        )
    return kb


def page_ranker(
    classifier: Classifier, contents: list[PageContent], dates: dict[str, date | None]
) -> Rank:
    """Which page to believe about a category: an evergreen page before a dated article,
    then the page most about the category (the pricing page for prices), then the newest."""
    subjects = [
        topic or page.url
        for page, topic in zip(contents, topics([p.title for p in contents]), strict=True)
    ]
    about = dict(zip([page.url for page in contents], classifier.affinity(subjects), strict=True))

    def rank(url: str, category: str) -> tuple[float, ...]:
        when = dates.get(url)
        return (
            when is not None,
            -about.get(url, {}).get(category, 0.0),
            -(when or date.min).toordinal(),
        )

    return rank


def known_texts(kb: KnowledgeBase) -> set[str]:
    c = kb.categories
    seen = {f"{faq.question} {faq.answer}".lower() for faq in c.faqs.faqs}
    return seen | {fact.text.lower() for fact in c.profile.facts}


def assemble(
    contents: list[PageContent],
    embedder: Embedder,
    *,
    start_url: str,
    dates: dict[str, date | None] | None = None,
    superseded: list[Superseded] | None = None,
) -> KnowledgeBase:
    """The offline path: the rules, then the page text sorted by the local classifier.
    `dates`: when each article was published (None for evergreen pages); statements that
    lose to a better page's are left out and added to `superseded`."""
    kb = by_rules(contents, start_url=start_url)
    c = kb.categories
    seen = known_texts(kb)
    statements: list[Statement] = []
    page_topics = topics([page.title for page in contents])
    for page, topic in zip(contents, page_topics, strict=True):
        for statement in statements_of(
            page.sections, url=page.url, title=topic, start=len(statements)
        ):
            key = statement.text.lower()
            if key not in seen and not any(key in other for other in seen if len(other) > len(key)):
                seen.add(key)
                statements.append(statement)
    split = [units_of(s.text) for s in statements]
    embedder = Memo(embedder)
    classifier = Classifier(embedder)
    placed = classifier.place(
        [s.text for s in statements], [s.context for s in statements], [u for _, u in split]
    )
    kept = sorted((item for item in placed if item.score >= 0), key=lambda item: -item.score)
    per_category: dict[str, int] = {}
    chosen = []
    for item in kept:
        if per_category.get(item.category, 0) < MAX_FACTS_PER_CATEGORY:
            per_category[item.category] = per_category.get(item.category, 0) + 1
            chosen.append(item)

    def said(item: Placed) -> Statement:
        statement = statements[item.index]
        if item.unit is None:
            return statement
        lead, units = split[item.index]
        text = f"{lead}: {units[item.unit]}" if lead else units[item.unit]
        return replace(statement, text=text)

    rank = page_ranker(classifier, contents, dates or {})
    with_figures = [item for item in chosen if figures(said(item).text)]
    candidates = [
        Candidate(item.category, said(item).text, statements[item.index].url)
        for item in with_figures
    ]
    losers, report = outranked(candidates, embedder.embed([c.text for c in candidates]), rank)
    beaten = {with_figures[i] for i in losers}
    chosen = [item for item in chosen if item not in beaten]
    if superseded is not None:
        superseded.extend(report)

    # In reading order, so what a page says together stays together; sibling cards placed
    # in the same category (a team page's people) become one fact.
    facts: dict[str, list[tuple[Statement, float]]] = {}
    ordered = sorted(chosen, key=lambda item: (statements[item.index].position, item.unit or 0))
    for item in ordered:
        statement, run = said(item), facts.setdefault(item.category, [])
        last = run[-1][0] if run else None
        if (
            last is not None
            and last.group == statement.group
            and statement.position - last.position in (0, 1)
            and len(last.text) + len(statement.text) < ROSTER
        ):
            lead = split[item.index][0]
            text = statement.text
            if lead and last.text.startswith(f"{lead}: ") and text.startswith(f"{lead}: "):
                text = text.removeprefix(f"{lead}: ")  # parts of one list: say the lead once
            joined = replace(statement, text=f"{last.text}; {text}")
            run[-1] = (joined, min(run[-1][1], item.score))
        else:
            run.append((statement, item.score))
    for category, run in facts.items():
        getattr(c, category).facts.extend(
            Fact(
                text=statement.text[:2000],
                provenance=Provenance(
                    source_url=statement.url,
                    # The fact is the page's own words, so the snippet only needs to find
                    # them on the page.
                    snippet=statement.text[:SNIPPET],
                    method=Method.PAGE_TEXT,
                    confidence=round(min(1.0, max(0.0, score)), 3),
                ),
            )
            for statement, score in run
        )
    return kb


def add_model_facts(
    kb: KnowledgeBase,
    found: list[tuple[str, Fact]],
    rank: Rank,
    embedder: Embedder,
    superseded: list[Superseded],
) -> None:
    seen = known_texts(kb)
    with_figures = [(c, f) for c, f in found if figures(f.text)]
    candidates = [Candidate(c, f.text, f.provenance.source_url or "") for c, f in with_figures]
    losers, report = outranked(candidates, embedder.embed([c.text for c in candidates]), rank)
    superseded.extend(report)
    beaten = {id(with_figures[i][1]) for i in losers}
    for category, fact in found:
        if id(fact) in beaten:
            continue
        if fact.text.lower() not in seen:
            seen.add(fact.text.lower())
            getattr(kb.categories, category).facts.append(fact)


async def build_kb(
    url: str,
    embedder: Embedder,
    *,
    chat: ChatModel | None = None,
    limits: Limits | None = None,
    allow_private: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Read the site at `url` into a knowledge base: with `chat`, the page text is read by
    that model; without, by the offline classifier. Raises CrawlError if the site cannot be
    read, ProviderError if the model cannot."""
    started = time.monotonic()

    def crawled(state: CrawlProgress) -> None:
        if progress:
            progress("reading pages", state.fetched, state.fetched + state.queued)

    result = await crawl(url, limits=limits, allow_private=allow_private, progress=crawled)
    built = await kb_from_crawl(result, embedder, chat=chat, progress=progress)
    built.seconds = time.monotonic() - started
    return built


async def kb_from_crawl(
    result: CrawlResult,
    embedder: Embedder,
    *,
    chat: ChatModel | None = None,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """The knowledge base of pages already read (see build_kb)."""
    started = time.monotonic()
    archive = archived_pages(result)
    current = [page for page in result.pages if page.url not in archive]
    contents: list[PageContent] = []
    for done, page in enumerate(current, start=1):
        contents.append(await asyncio.to_thread(extract_page, page.url, page.html))
        if progress:
            progress("extracting", done, len(current))
    superseded: list[Superseded] = []
    dates = {page.url: published(page.url, page.html) for page in current}
    if chat is not None:
        settings = get_settings()

        def asked(done: int, total: int) -> None:
            if progress:
                progress("asking the model", done, total)

        found = await model_facts(
            contents,
            chat,
            batch_chars=settings.kb_extraction_batch_chars,
            concurrency=settings.kb_extraction_concurrency,
            progress=asked,
        )

        def sort_found() -> KnowledgeBase:
            kb = by_rules(contents, start_url=result.start_url)
            rank = page_ranker(Classifier(embedder), contents, dates)
            add_model_facts(kb, found, rank, embedder, superseded)
            return kb

        kb = await asyncio.to_thread(sort_found)
    else:
        if progress:
            progress("sorting facts", 0, 1)
        kb = await asyncio.to_thread(
            assemble,
            contents,
            embedder,
            start_url=result.start_url,
            dates=dates,
            superseded=superseded,
        )
        if progress:
            progress("sorting facts", 1, 1)
    return BuildResult(
        kb,
        len(result.pages),
        sorted(archive),
        result.skipped,
        superseded,
        time.monotonic() - started,
    )
