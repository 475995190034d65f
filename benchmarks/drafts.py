"""Drafted answers to knowledge gaps, on the corpus: each site's pages kept as the creation
pipeline keeps them (services/crawled_pages.py), and its test questions drafted as
services/knowledge_gaps.draft drafts them (local embeddings, CPU).

Run: `.venv/bin/python -m benchmarks.drafts`. Prints, per site, how many of the questions the
site answers get a draft holding the answer key's facts, how many another draft, how many of
the questions it does not answer get a (wrong) draft, the time to index the site's passages
and the time a draft takes."""

from __future__ import annotations

import json
import statistics
import time

from benchmarks.crawl import SHARED, SITES
from voice_platform.crawl.crawler import CrawlResult, Page
from voice_platform.providers.llm import get_embedder
from voice_platform.services.crawled_pages import texts_of
from voice_platform.services.knowledge_gaps import DRAFT_SCORE
from voice_platform.services.page_passages import best_source, index_sources, passages_of


def main() -> int:
    embedder = get_embedder()
    embedder.embed(["warm the model"])
    print(
        f"{'site':<24}{'passages':>9}{'index s':>8}{'right':>7}{'other':>7}{'none':>6}"
        f"{'wrong':>7}{'p50 ms':>8}"
    )
    totals = [0, 0, 0, 0, 0, 0]
    for site in SITES:
        root = SHARED / "sites" / site / "site"
        base = f"https://{site}.example/"
        pages = [
            Page(f"{base}{f.relative_to(root)}", f.read_text(), 200, 0, "text/html")
            for f in sorted(root.rglob("*.html"))
        ]
        kept = texts_of(CrawlResult(start_url=base, pages=pages))
        sources = [s for page in kept for s in passages_of(page.url, page.title, page.text)]
        started = time.perf_counter()
        indexed = index_sources(sources, embedder)
        index_seconds = time.perf_counter() - started
        right = other = none = wrong = unanswerable = 0
        times = []
        for line in (SHARED / "sites" / site / "questions.jsonl").read_text().splitlines():
            question = json.loads(line)
            if question["kind"] not in ("answerable", "unanswerable"):
                continue
            started = time.perf_counter()
            source, score = best_source(question["q"], indexed, embedder)
            times.append((time.perf_counter() - started) * 1000)
            drafted = source is not None and score >= DRAFT_SCORE
            if question["kind"] == "unanswerable":
                unanswerable += 1
                wrong += drafted
                continue
            if not drafted or source is None:
                none += 1
                continue
            said = f"{source.about} {source.text}".lower()
            if all(any(a.lower() in said for a in group) for group in question["must"]):
                right += 1
            else:
                other += 1
        print(
            f"{site:<24}{len(sources):>9}{index_seconds:>8.2f}{right:>7}{other:>7}{none:>6}"
            f"{f'{wrong}/{unanswerable}':>7}{statistics.median(times):>8.1f}"
        )
        for n, value in enumerate((right, other, none, wrong, unanswerable, len(sources))):
            totals[n] += value
    right, other, none, wrong, unanswerable, _ = totals
    print(
        f"answerable: {right} drafts with the key's facts, {other} other drafts, {none} none; "
        f"unanswerable: {wrong} of {unanswerable} drafted (bar {DRAFT_SCORE})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
