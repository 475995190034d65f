"""What one page holds: its main text (tables included), structured data (JSON-LD,
microdata, OpenGraph), phone and email links, headings, FAQ markup and tables.

trafilatura keeps the readable text but drops JSON-LD and content hidden in closed
`<details>`, so those are read from the HTML directly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import extruct
import trafilatura
from lxml import html as lxml_html

from voice_platform.extract.sections import Section, sections_of

WHITESPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    return WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


@dataclass
class PageContent:
    url: str
    title: str = ""
    language: str | None = None
    description: str = ""  # the page's meta description, as the site sums itself up
    text: str = ""
    headings: list[str] = field(default_factory=list)
    structured: list[dict[str, Any]] = field(default_factory=list)
    opengraph: dict[str, str] = field(default_factory=dict)
    phones: list[tuple[str, str]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    faqs: list[tuple[str, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def flatten(items: Any) -> list[dict[str, Any]]:
    """JSON-LD nodes one by one: @graph expanded, lists opened."""
    found: list[dict[str, Any]] = []
    stack = list(items) if isinstance(items, list) else [items]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack[:0] = item
        elif isinstance(item, dict):
            if "@graph" in item:
                stack[:0] = item["@graph"] if isinstance(item["@graph"], list) else [item["@graph"]]
            if "@type" in item:
                found.append(item)
    return found


def types_of(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type", [])
    return {str(k) for k in (kind if isinstance(kind, list) else [kind])}


def _structured(html: str, url: str) -> tuple[list[dict[str, Any]], dict[str, str]]:
    try:
        data = extruct.extract(
            html,
            base_url=url,
            syntaxes=["json-ld", "microdata", "opengraph"],
            uniform=True,
            errors="ignore",
        )
    except (ValueError, TypeError):
        return [], {}
    nodes = flatten(data.get("json-ld", [])) + flatten(data.get("microdata", []))
    opengraph: dict[str, str] = {}
    for item in data.get("opengraph", []):
        opengraph.update({k: str(v) for k, v in item.items() if not k.startswith("@")})
    return nodes, opengraph


def _in_faq(element: Any) -> bool:
    return bool(
        element.xpath(
            "ancestor-or-self::*[not(self::body) and not(self::html)]"
            "[contains(@class, 'faq') or contains(@class, 'accordion') or contains(@id, 'faq')]"
        )
    )


def _faqs(tree: Any, nodes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for details in tree.xpath("//details[summary]"):
        question = clean(details.xpath("string(summary)"))
        whole = clean(details.text_content())
        answer = clean(whole[len(question) :]) if whole.startswith(question) else whole
        if question and answer:
            pairs.append((question, answer))
    for trigger in tree.xpath("//*[@aria-controls or @data-target or @data-bs-target]"):
        # The accordion pattern: a button names the panel that holds the answer.
        target = (
            trigger.get("aria-controls")
            or trigger.get("data-bs-target")
            or trigger.get("data-target")
            or ""
        ).lstrip("#")
        panel = tree.xpath("//*[@id=$id]", id=target) if target else []
        question = clean(trigger.text_content())
        is_menu = panel and (panel[0].tag == "nav" or panel[0].xpath(".//nav"))
        if question and panel and not is_menu and (question.endswith("?") or _in_faq(trigger)):
            answer = clean(panel[0].text_content())
            if answer and answer != question:
                pairs.append((question, answer))
    for dl in tree.xpath("//dl"):
        # A definition list is an FAQ when it asks questions or sits in an FAQ block;
        # otherwise it is something else (contact details, specifications).
        in_faq = _in_faq(dl)
        for dt in dl.xpath("dt"):
            dd = dt.getnext()
            question = clean(dt.text_content())
            if dd is not None and dd.tag == "dd" and (in_faq or question.endswith("?")):
                pairs.append((question, clean(dd.text_content())))
    for node in nodes:
        if "FAQPage" in types_of(node):
            entities = node.get("mainEntity", [])
            for entity in entities if isinstance(entities, list) else [entities]:
                if not isinstance(entity, dict):
                    continue
                answer = entity.get("acceptedAnswer", {})
                text = answer.get("text", "") if isinstance(answer, dict) else ""
                question = clean(str(entity.get("name", "")))
                if question and text:
                    pairs.append(
                        (question, clean(lxml_html.fromstring(f"<p>{text}</p>").text_content()))
                    )
    unique: dict[str, tuple[str, str]] = {}
    for question, answer in pairs:
        unique.setdefault(question.lower(), (question, answer))
    return list(unique.values())


def _tables(tree: Any) -> list[list[list[str]]]:
    tables = []
    for table in tree.xpath("//table"):
        rows = [
            [clean(cell.text_content()) for cell in row.xpath("th|td")]
            for row in table.xpath(".//tr")
        ]
        rows = [row for row in rows if any(row)]
        if rows:
            tables.append(rows)
    return tables


def extract_page(url: str, html: str) -> PageContent:
    page = PageContent(url=url)
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return page
    page.title = clean(tree.findtext(".//title") or "")
    page.language = (tree.get("lang") or "").split("-")[0].lower() or None
    page.description = clean(" ".join(tree.xpath("(//meta[@name='description']/@content)[1]")))
    page.text = (
        trafilatura.extract(
            html,
            url=url,
            include_tables=True,
            include_comments=False,
            favor_recall=True,
            output_format="txt",
        )
        or ""
    )
    page.headings = [
        clean(h.text_content()) for h in tree.xpath("//h1|//h2|//h3") if clean(h.text_content())
    ]
    page.structured, page.opengraph = _structured(html, url)
    page.description = page.description or clean(page.opengraph.get("og:description", ""))
    for link in tree.xpath("//a[starts-with(@href, 'tel:')]"):
        number = unquote(link.get("href", "")[4:]).strip()
        page.phones.append((clean(link.text_content()) or number, number))
    for link in tree.xpath("//a[starts-with(@href, 'mailto:')]"):
        address = unquote(link.get("href", "")[7:]).split("?")[0].strip()
        if address and address not in page.emails:
            page.emails.append(address)
    page.faqs = _faqs(tree, page.structured)
    page.tables = _tables(tree)
    page.sections = sections_of(tree)
    return page
