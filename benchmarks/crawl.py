"""Crawl + extract speed and politeness.

Run: `make bench` (or `.venv/bin/python -m benchmarks.crawl`). Serves each corpus site with
50 ms of added latency per request, then a generated 500-page site and a site that asks for a
Crawl-delay, and prints: pages per second, wall time (the model loaded, as in a running
worker), peak Python memory (a second, traced run), the most requests the server saw at once,
and the shortest gap between requests under a Crawl-delay. Exits non-zero when a bound is
missed."""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from voice_platform.crawl.crawler import Limits, crawl
from voice_platform.extract.build import build_kb
from voice_platform.extract.classify import Classifier
from voice_platform.providers.llm import get_embedder

SHARED = next(
    p / "shared" for p in Path(__file__).resolve().parents if (p / "shared" / "sites").is_dir()
)
SITES = (
    "bright-smile-dental",
    "fade-and-fringe-salon",
    "nonna-rosa-pizzeria",
    "rapid-rooter-plumbing",
)
LATENCY_MS = 50
SITE_BOUND_SECONDS = 5.0
PER_HOST = Limits().per_host
CRAWL_DELAY = 0.2


@contextmanager
def served(folder: Path, log: Path, latency_ms: int) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, str(SHARED / "tools" / "serve_site.py"), str(folder),
         "--port", "0", "--latency-ms", str(latency_ms), "--log", str(log)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    url = process.stdout.readline().strip().removeprefix("serving ")
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def most_at_once(log: Path, latency_s: float) -> int:
    """Requests in flight together, from the server's log (each spans latency before `t`)."""
    ends = sorted(json.loads(line)["t"] for line in log.read_text().splitlines())
    events = sorted([(t - latency_s, 1) for t in ends] + [(t, -1) for t in ends])
    busy = peak = 0
    for _, change in events:
        busy += change
        peak = max(peak, busy)
    return peak


def generated_site(root: Path, pages: int = 500) -> Path:
    root.mkdir(parents=True)
    sections = 20
    per = pages // sections
    links = " ".join(f'<a href="/s{s}/">Section {s}</a>' for s in range(sections))
    (root / "index.html").write_text(f"<html><body><h1>Home</h1>{links}</body></html>")
    for s in range(sections):
        (root / f"s{s}").mkdir()
        items = " ".join(f'<a href="/s{s}/p{p}.html">Item {p}</a>' for p in range(per - 1))
        (root / f"s{s}" / "index.html").write_text(
            f"<html><body><h2>Section {s}</h2>{items}</body></html>"
        )
        for p in range(per - 1):
            body = f"<p>Service {s}-{p} takes about {30 + p} minutes and costs ${50 + p}.</p>"
            (root / f"s{s}" / f"p{p}.html").write_text(
                f"<html><body><h3>Item {p}</h3>{body}</body></html>"
            )
    return root


def main() -> int:
    embedder = get_embedder()
    Classifier(embedder)  # loads the model and its category examples, once per process
    missed = False
    print(f"{'site':<26}{'pages':>6}{'wall s':>8}{'pages/s':>9}{'peak MB':>9}{'at once':>9}")
    with tempfile.TemporaryDirectory(prefix="vp-crawl-bench-") as folder:
        runs = [(name, SHARED / "sites" / name / "site", LATENCY_MS, 50) for name in SITES]
        runs.append(("generated-500", generated_site(Path(folder) / "gen"), LATENCY_MS, 600))
        for name, root, latency, max_pages in runs:
            log = Path(folder) / f"{name}.log"
            limits = Limits(max_pages=max_pages, max_depth=6, total_seconds=300)
            with served(root, log, latency) as url:
                started = time.perf_counter()
                result = asyncio.run(build_kb(url, embedder, limits=limits, allow_private=True))
                wall = time.perf_counter() - started
            # Memory is traced in a second run: tracing slows Python down several times.
            with served(root, Path(folder) / f"{name}-memory.log", latency) as url:
                tracemalloc.start()
                asyncio.run(build_kb(url, embedder, limits=limits, allow_private=True))
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            at_once = most_at_once(log, latency / 1000)
            bound = SITE_BOUND_SECONDS if name in SITES else None
            late = bound is not None and wall > bound
            missed |= late or at_once > PER_HOST
            verdict = f"  (bound {bound:g} s: {'MISSED' if late else 'ok'})" if bound else ""
            print(
                f"{name:<26}{result.pages:>6}{wall:>8.2f}{result.pages / wall:>9.1f}"
                f"{peak / 1e6:>9.1f}{at_once:>9}{verdict}"
            )
        polite = generated_site(Path(folder) / "polite", pages=40)
        (polite / "robots.txt").write_text(f"User-agent: *\nCrawl-delay: {CRAWL_DELAY}\n")
        log = Path(folder) / "polite.log"
        with served(polite, log, 0) as url:
            asyncio.run(crawl(url, allow_private=True, limits=Limits(max_pages=10)))
        times = sorted(json.loads(line)["t"] for line in log.read_text().splitlines())[1:]
        gap = min(b - a for a, b in itertools.pairwise(times))
    print(f"most requests at once to one site: bound {PER_HOST}")
    honoured = gap >= CRAWL_DELAY * 0.9
    missed |= not honoured
    verdict = "ok" if honoured else "MISSED"
    print(f"shortest gap under Crawl-delay {CRAWL_DELAY} s: {gap:.3f} s ({verdict})")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
