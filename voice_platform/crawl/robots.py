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
    delays: dict[str, float] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Robots:
        parser = RobotFileParser()
        parser.parse(text.splitlines())
        return cls(parser, list(parser.site_maps() or []), crawl_delays(text))

    def allows(self, user_agent: str, url: str) -> bool:
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float:
        """Seconds between requests: our own group's delay, else the `*` group's."""
        token = user_agent.split("/")[0].lower()
        for agent, delay in self.delays.items():
            if agent != "*" and agent in token:
                return delay
        return self.delays.get("*", 0.0)


def crawl_delays(text: str) -> dict[str, float]:
    """Crawl-delay per user-agent group. The standard library reads whole seconds only and
    drops '0.5', so the lines are read here."""
    delays: dict[str, float] = {}
    agents: list[str] = []
    in_rules = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        key = key.lower()
        if key == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            agents.append(value.lower())
        elif key == "crawl-delay":
            in_rules = True
            try:
                delay = min(max(float(value), 0.0), 30.0)
            except ValueError:
                continue
            for agent in agents:
                delays[agent] = delay
        else:
            in_rules = True
    return delays


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
