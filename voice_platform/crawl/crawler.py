"""The crawler: from one URL (and the site's sitemaps) to its HTML pages, same-site only.

Polite: robots.txt is obeyed (disallowed paths are never fetched) with its Crawl-delay, and
at most `per_host` requests run at once. Bounded: pages, depth, bytes per page and total
time. Safe: every hop of every redirect is checked against private addresses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx
from lxml import html as lxml_html

from voice_platform.config import Settings
from voice_platform.crawl.robots import Robots, parse_sitemap
from voice_platform.crawl.safety import CrawlError, check_host, check_url, normalize, site_key

USER_AGENT = "VoicePlatformBot/0.1 (+self-hosted receptionist; reads public business pages)"
TRANSIENT_STATUSES = {429, 500, 502, 503, 504}
MAX_REDIRECTS = 5
MAX_SITEMAPS = 10
SKIPPED_EXTENSIONS = (
    ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".zip", ".mp3", ".mp4", ".css", ".js",
)  # fmt: skip


@dataclass(frozen=True)
class Limits:
    max_pages: int = 50
    max_depth: int = 4
    max_bytes: int = 2_000_000
    total_seconds: float = 60.0
    per_host: int = 4
    retries: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_pages=settings.crawl_max_pages,
            max_depth=settings.crawl_max_depth,
            max_bytes=settings.crawl_max_bytes_per_page,
            total_seconds=settings.crawl_timeout_seconds,
            per_host=settings.crawl_concurrency_per_host,
        )


@dataclass(frozen=True)
class Page:
    url: str
    html: str
    status: int
    depth: int
    content_type: str


@dataclass
class Progress:
    fetched: int = 0
    queued: int = 0
    current: str = ""


@dataclass
class CrawlResult:
    start_url: str
    pages: list[Page] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    stopped_early: str | None = None
    seconds: float = 0.0


class _Fetcher:
    """One site's HTTP side: redirects checked hop by hop, retries, size cap, politeness."""

    def __init__(
        self, client: httpx.AsyncClient, limits: Limits, *, allow_private: bool, robots: Robots
    ) -> None:
        self.client = client
        self.limits = limits
        self.allow_private = allow_private
        self.robots = robots
        self.slots = asyncio.Semaphore(limits.per_host)
        self.delay = robots.crawl_delay(USER_AGENT)
        self._pace = asyncio.Lock()
        self._last_start = 0.0

    async def _polite_start(self) -> None:
        if not self.delay:
            return
        async with self._pace:
            wait = self._last_start + self.delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start = time.monotonic()

    async def get(self, url: str) -> tuple[str, httpx.Response, bytes]:
        """(final URL, response, body up to the cap); raises CrawlError or httpx errors."""
        for attempt in range(self.limits.retries + 1):
            try:
                final, response, body = await self._get_once(url)
            except (httpx.TimeoutException, httpx.NetworkError):
                if attempt == self.limits.retries:
                    raise
            else:
                if response.status_code not in TRANSIENT_STATUSES or attempt == self.limits.retries:
                    return final, response, body
                after = response.headers.get("retry-after", "")
                if after.isdigit():
                    await asyncio.sleep(min(float(after), 5.0))
                    continue
            await asyncio.sleep(0.25 * 2**attempt)
        raise AssertionError("unreachable")

    async def _get_once(self, url: str) -> tuple[str, httpx.Response, bytes]:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            await check_host(current, allow_private=self.allow_private)
            async with self.slots:
                await self._polite_start()
                request = self.client.build_request("GET", current)
                response = await self.client.send(request, stream=True)
                try:
                    if response.is_redirect and "location" in response.headers:
                        target = normalize(response.headers["location"], current)
                        if target is None:
                            raise CrawlError(
                                "bad_url", f"{current} redirects to an unusable address"
                            )
                        current = target
                        continue
                    body = bytearray()
                    async for chunk in response.aiter_bytes():
                        body.extend(chunk)
                        if len(body) > self.limits.max_bytes:
                            break
                    return current, response, bytes(body)
                finally:
                    await response.aclose()
        raise CrawlError("unreachable", f"{url} redirects more than {MAX_REDIRECTS} times")


def links_of(page_url: str, html: str) -> tuple[list[str], str | None]:
    """The page's links (absolute, normalized) and its canonical URL, if it names one."""
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return [], None
    links = []
    for href in tree.xpath("//a/@href"):
        url = normalize(str(href), page_url)
        if url and not urlsplit(url).path.lower().endswith(SKIPPED_EXTENSIONS):
            links.append(url)
    canonical = None
    for href in tree.xpath("//link[@rel='canonical']/@href"):
        canonical = normalize(str(href), page_url)
    return links, canonical


async def _sitemap_urls(fetcher: _Fetcher, start: str, robots: Robots) -> list[str]:
    base = f"{urlsplit(start).scheme}://{urlsplit(start).netloc}"
    pending = list(robots.sitemaps) or [f"{base}/sitemap.xml"]
    seen: set[str] = set()
    pages: list[str] = []
    while pending and len(seen) < MAX_SITEMAPS:
        sitemap = pending.pop(0)
        if sitemap in seen or site_key(sitemap) != site_key(start):
            continue
        seen.add(sitemap)
        try:
            _, response, body = await fetcher.get(sitemap)
        except (httpx.HTTPError, CrawlError):
            continue
        if response.status_code != 200:
            continue
        found, nested = parse_sitemap(body)
        pages.extend(found)
        pending.extend(nested)
    return pages


async def crawl(
    start_url: str,
    *,
    limits: Limits | None = None,
    allow_private: bool = False,
    progress: Callable[[Progress], None] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CrawlResult:
    """Read the site at `start_url`. Raises CrawlError when the site cannot be read at all."""
    limits = limits or Limits()
    start = check_url(start_url)
    await check_host(start, allow_private=allow_private)
    started = time.monotonic()
    result = CrawlResult(start_url=start)
    timeout = httpx.Timeout(10.0, connect=5.0)
    async with httpx.AsyncClient(
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"},
        timeout=timeout,
        follow_redirects=False,
        transport=transport,
    ) as client:
        robots = await _robots(client, start, allow_private)
        fetcher = _Fetcher(client, limits, allow_private=allow_private, robots=robots)
        try:
            async with asyncio.timeout(limits.total_seconds):
                await _walk(fetcher, start, robots, limits, result, progress)
        except TimeoutError:
            result.stopped_early = f"time limit of {limits.total_seconds:g} s"
    result.seconds = time.monotonic() - started
    if not result.pages:
        reason = next(iter(result.skipped.values()), "no HTML pages found")
        raise CrawlError("empty", f"Nothing could be read from {start}: {reason}")
    return result


async def _robots(client: httpx.AsyncClient, start: str, allow_private: bool) -> Robots:
    base = f"{urlsplit(start).scheme}://{urlsplit(start).netloc}"
    fetcher = _Fetcher(client, Limits(retries=1), allow_private=allow_private, robots=Robots())
    try:
        _, response, body = await fetcher.get(f"{base}/robots.txt")
    except (httpx.HTTPError, CrawlError):
        return Robots()
    if response.status_code != 200:
        return Robots()
    return Robots.parse(body.decode("utf-8", "replace"))


async def _walk(
    fetcher: _Fetcher,
    start: str,
    robots: Robots,
    limits: Limits,
    result: CrawlResult,
    progress: Callable[[Progress], None] | None,
) -> None:
    site = site_key(start)
    seen: set[str] = {start}
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    queue.put_nowait((start, 0))
    for url in await _sitemap_urls(fetcher, start, robots):
        normalized = normalize(url)
        if normalized and site_key(normalized) == site and normalized not in seen:
            seen.add(normalized)
            queue.put_nowait((normalized, 1))
    state = Progress()
    taken: set[str] = set()

    async def visit(url: str, depth: int) -> None:
        if not robots.allows(USER_AGENT, url):
            result.skipped[url] = "disallowed by robots.txt"
            return
        try:
            final, response, body = await fetcher.get(url)
        except CrawlError as exc:
            result.skipped[url] = exc.message
            if url == start:
                raise
            return
        except httpx.HTTPError as exc:
            result.skipped[url] = f"could not connect ({type(exc).__name__})"
            if url == start:
                raise CrawlError(
                    "unreachable", f"{start} could not be reached ({type(exc).__name__})"
                ) from None
            return
        if response.status_code >= 400:
            result.skipped[url] = f"answered {response.status_code}"
            if url == start:
                raise CrawlError("http_status", f"{start} answered {response.status_code}")
            return
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind not in ("text/html", "application/xhtml+xml"):
            result.skipped[url] = f"not a web page ({kind or 'no type'})"
            return
        if len(body) > limits.max_bytes:
            result.skipped[url] = f"larger than {limits.max_bytes} bytes"
            return
        if site_key(final) != site:
            result.skipped[url] = f"leads off the site to {final}"
            return
        text = body.decode(response.encoding or "utf-8", "replace")
        links, canonical = links_of(final, text)
        address = canonical if canonical and site_key(canonical) == site else final
        if address in taken or len(result.pages) >= limits.max_pages:
            return
        taken.add(address)
        result.pages.append(Page(address, text, response.status_code, depth, kind))
        state.fetched, state.current = len(result.pages), address
        if depth < limits.max_depth:
            for link in links:
                if site_key(link) == site and link not in seen:
                    seen.add(link)
                    queue.put_nowait((link, depth + 1))
        state.queued = queue.qsize()
        if progress:
            progress(state)

    async def worker() -> None:
        while True:
            url, depth = await queue.get()
            try:
                if len(result.pages) < limits.max_pages:
                    await visit(url, depth)
                else:
                    result.stopped_early = f"page limit of {limits.max_pages}"
            finally:
                queue.task_done()

    if start in seen:
        url, depth = queue.get_nowait()
        await visit(url, depth)  # the start page first: its failure is the site's failure
        queue.task_done()
    workers = [asyncio.create_task(worker()) for _ in range(limits.per_host)]
    try:
        await queue.join()
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
