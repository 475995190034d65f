"""The crawler against corpus sites served on loopback, and against misbehaving servers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import httpx
import pytest

from tests.shared import SHARED
from voice_platform.crawl import safety
from voice_platform.crawl.crawler import Limits, crawl
from voice_platform.crawl.safety import CrawlError, check_url


def serve(site: str, tmp_path: Path, *extra: str) -> Iterator[tuple[str, Path]]:
    log = tmp_path / f"{site}.log"
    tool, folder = SHARED / "tools" / "serve_site.py", SHARED / "sites" / site / "site"
    process = subprocess.Popen(
        [sys.executable, str(tool), str(folder), "--port", "0", "--log", str(log), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line.startswith("serving "), line
    try:
        yield line.removeprefix("serving "), log
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def dental(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    yield from serve("bright-smile-dental", tmp_path)


def paths(result: Any) -> set[str]:
    from urllib.parse import urlsplit

    return {urlsplit(page.url).path for page in result.pages}


async def test_reads_the_site_from_links_and_sitemap_and_obeys_robots(
    dental: tuple[str, Path],
) -> None:
    url, log = dental
    seen: list[int] = []
    result = await crawl(url, allow_private=True, progress=lambda p: seen.append(p.fetched))
    found = paths(result)
    assert "/" in found
    assert "/contact/" in found
    assert "/refer-a-friend/" in found  # linked only from sitemap.xml
    assert "/services/cosmetic-dentistry/teeth-whitening/" in found  # three clicks deep
    assert not any(p.startswith("/staff") for p in found)
    requested = [json.loads(line)["path"] for line in log.read_text().splitlines()]
    assert not any(p.startswith("/staff") for p in requested), "a disallowed path was fetched"
    assert requested[0] == "/robots.txt"
    assert len(requested) == len(set(requested)), "a URL was fetched twice"
    assert seen == sorted(seen)
    assert seen[-1] == len(result.pages)


async def test_loopback_is_refused_unless_allowed(dental: tuple[str, Path]) -> None:
    url, log = dental
    with pytest.raises(CrawlError) as err:
        await crawl(url)
    assert err.value.kind == "private_address"
    assert "CRAWL_ALLOW_PRIVATE_NETWORKS" in err.value.message
    assert not log.exists() or log.read_text() == ""


async def test_limits_on_pages_and_depth(dental: tuple[str, Path]) -> None:
    url, _ = dental
    few = await crawl(url, allow_private=True, limits=Limits(max_pages=3))
    assert len(few.pages) == 3
    assert few.stopped_early == "page limit of 3"
    shallow = await crawl(url, allow_private=True, limits=Limits(max_depth=0))
    assert all(page.depth <= 1 for page in shallow.pages)  # start page and sitemap entries


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("ftp://example.com/", "bad_url"),
        ("not a url at all", "bad_url"),
        ("https://nonexistent.invalid/", "dns"),
    ],
)
async def test_unusable_addresses_say_why(url: str, kind: str) -> None:
    with pytest.raises(CrawlError) as err:
        await crawl(url, allow_private=True)
    assert err.value.kind == kind


def test_bare_domains_get_https() -> None:
    assert check_url("example.com") == "https://example.com/"


def test_urls_are_normalized_but_keep_meaningful_parameters() -> None:
    assert safety.normalize("https://Example.com/a/../b/?utm_source=x&page=2#top") == (
        "https://example.com/b/?page=2"
    )
    assert safety.normalize("mailto:x@example.com") is None
    assert (
        safety.normalize("/contact/", "https://example.com/about/")
        == "https://example.com/contact/"
    )


class Misbehaving(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, str, dict[str, str]]] = {}
    hits: list[str] = []

    def log_message(self, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.hits.append(self.path)
        status, kind, body, headers = self.routes.get(self.path, (404, "text/html", "nope", {}))
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def server() -> Iterator[tuple[str, type[Misbehaving]]]:
    handler = type("Handler", (Misbehaving,), {"routes": {}, "hits": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", handler
    httpd.shutdown()
    httpd.server_close()


async def test_a_site_that_answers_an_error(server: tuple[str, type[Misbehaving]]) -> None:
    url, handler = server
    handler.routes["/"] = (500, "text/html", "broken", {})
    with pytest.raises(CrawlError) as err:
        await crawl(url, allow_private=True, limits=Limits(retries=1))
    assert err.value.kind == "http_status"
    assert "500" in err.value.message
    assert handler.hits.count("/") == 2  # retried once


async def test_an_empty_site_and_non_html(server: tuple[str, type[Misbehaving]]) -> None:
    url, handler = server
    handler.routes["/"] = (200, "application/pdf", "%PDF", {})
    with pytest.raises(CrawlError) as err:
        await crawl(url, allow_private=True)
    assert err.value.kind == "empty"
    assert "not a web page" in err.value.message


async def test_redirects_are_followed_and_canonical_links_dedupe(
    server: tuple[str, type[Misbehaving]],
) -> None:
    url, handler = server
    handler.routes["/"] = (301, "text/html", "", {"Location": "/home/"})
    handler.routes["/home/"] = (
        200, "text/html",
        '<a href="/a?utm_source=x">a</a><a href="/b">b</a><a href="/doc.pdf">pdf</a>', {},
    )  # fmt: skip
    handler.routes["/a"] = (200, "text/html", '<link rel="canonical" href="/b">A', {})
    handler.routes["/b"] = (200, "text/html", "B", {})
    result = await crawl(url, allow_private=True)
    assert paths(result) == {"/home/", "/b"}
    assert "/doc.pdf" not in handler.hits


async def test_a_redirect_to_a_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No real connection: the transport answers in-process and the resolver is a table, so
    # nothing here ever sends a packet to the private address it names.
    names = {"shop.example": ["93.184.216.34"], "intranet.example": ["10.0.0.1"]}

    async def fake_resolve(host: str, port: int) -> list[str]:
        return names[host]

    def site(request: httpx.Request) -> httpx.Response:
        if request.url.host != "shop.example":
            raise AssertionError(f"the crawler tried to connect to {request.url}")
        pages = {
            "/": httpx.Response(
                200, html='<a href="/go">go</a>', headers={"Content-Type": "text/html"}
            ),
            "/go": httpx.Response(302, headers={"Location": "http://intranet.example/admin"}),
        }
        return pages.get(request.url.path, httpx.Response(404))

    monkeypatch.setattr(safety, "resolve", fake_resolve)
    result = await crawl("https://shop.example/", transport=httpx.MockTransport(site))
    assert paths(result) == {"/"}
    assert "private or local address (10.0.0.1)" in result.skipped["https://shop.example/go"]


async def test_oversized_pages_are_skipped(server: tuple[str, type[Misbehaving]]) -> None:
    url, handler = server
    handler.routes["/"] = (200, "text/html", '<a href="/big">big</a>', {})
    handler.routes["/big"] = (200, "text/html", "x" * 5000, {})
    result = await crawl(url, allow_private=True, limits=Limits(max_bytes=1000))
    assert paths(result) == {"/"}
    assert "larger than 1000 bytes" in result.skipped[f"{url}/big"]


def test_limits_come_from_the_settings() -> None:
    from voice_platform.config import Settings

    limits = Limits.from_settings(
        Settings(_env_file=None, crawl_max_pages=7, crawl_concurrency_per_host=2)
    )
    assert (limits.max_pages, limits.per_host) == (7, 2)


def test_crawl_delay_reads_decimals_and_the_right_group() -> None:
    from voice_platform.crawl.robots import Robots

    robots = Robots.parse(
        "User-agent: *\nCrawl-delay: 0.5\nDisallow: /x\n\n"
        "User-agent: VoicePlatformBot\nCrawl-delay: 2\n\n"
        "User-agent: Other\nCrawl-delay: junk\n"
    )
    assert robots.crawl_delay("VoicePlatformBot/0.1 (+site)") == 2.0
    assert robots.crawl_delay("SomeoneElse/1.0") == 0.5
    assert Robots().crawl_delay("Anyone") == 0.0


async def test_crawl_delay_spaces_the_requests(server: tuple[str, type[Misbehaving]]) -> None:
    import time as clock

    url, handler = server
    handler.routes["/robots.txt"] = (200, "text/plain", "User-agent: *\nCrawl-delay: 0.2\n", {})
    handler.routes["/"] = (200, "text/html", '<a href="/a">a</a><a href="/b">b</a>', {})
    handler.routes["/a"] = (200, "text/html", "A", {})
    handler.routes["/b"] = (200, "text/html", "B", {})
    started = clock.monotonic()
    result = await crawl(url, allow_private=True)
    assert len(result.pages) == 3
    # sitemap.xml, /, /a and /b: three gaps of at least 0.2 s after the first request
    assert clock.monotonic() - started >= 0.6
