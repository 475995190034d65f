"""robots.txt and sitemaps."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@dataclass
class Robots:
    """What the site allows; an absent robots.txt allows everything."""

    parser: RobotFileParser | None = None
    sitemaps: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Robots:
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return cls(parser, list(parser.site_maps() or []))

    def allows(self, user_agent: str, url: str) -> bool:
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay else 0.0


def parse_sitemap(xml: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index; garbage gives nothing."""
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314 (size-capped, from the site we crawl)
    except ElementTree.ParseError:
        return [], []
    pages = [
        el.text.strip()
        for el in root.iter(f"{SITEMAP_NS}url")
        for el in el.iter(f"{SITEMAP_NS}loc")
        if el.text
    ]
    nested = [
        el.text.strip()
        for sm in root.iter(f"{SITEMAP_NS}sitemap")
        for el in sm.iter(f"{SITEMAP_NS}loc")
        if el.text
    ]
    return pages, nested
