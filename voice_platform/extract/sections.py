"""A page as a reader sees it: its text in order, grouped under its headings.

trafilatura keeps an article's main text, but a small business often puts facts beside it
(a "Licensed & Accredited" card in a sidebar, hours in the footer), so the page is walked
whole. Navigation (menus, link lists) and machinery (scripts, forms) are left out; repeated
boilerplate is folded later, when the pages are put together."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SKIP = {"script", "style", "noscript", "svg", "template", "iframe", "nav", "form", "select", "head"}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
PARAGRAPHS = {"p", "blockquote", "address", "figcaption", "summary", "pre", "caption"}
INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "label",
    "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
    "wbr", "img", "button", "font", "del", "ins",
}  # fmt: skip
WHITESPACE = re.compile(r"\s+")
BANNER = re.compile(r"cookie|consent|gdpr", re.IGNORECASE)


def _clean(text: str) -> str:
    return WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


@dataclass
class Block:
    kind: str  # "text" (a paragraph), "item" (of a list), or "row" (of a table)
    text: str


@dataclass
class Section:
    headings: list[str]  # from the page's top heading down to this section's own
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return self.headings[-1] if self.headings else ""


BREAKS = {
    "p", "div", "li", "dt", "dd", "td", "th", "tr", "ul", "ol", "table", "section", "article",
    "blockquote", "address", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br",
}  # fmt: skip


def _text(element: Any) -> str:
    """The element's words as a reader sees them: block edges are spaces ("$7" and the
    description under it do not run together), scripts and styles are not words."""
    parts: list[str] = []

    def visit(node: Any) -> None:
        breaks = node.tag in BREAKS
        if breaks:
            parts.append(" ")
        parts.append(node.text or "")
        for child in node:
            if isinstance(child.tag, str) and child.tag not in SKIP:
                visit(child)
            parts.append(child.tail or "")
        if breaks:
            parts.append(" ")

    visit(element)
    return _clean("".join(parts))


def _is_navigation(element: Any) -> bool:
    """A list whose every item is just a link (a menu, a footer's link column)."""
    items = element.xpath("./li")
    return bool(items) and all(
        (links := item.xpath(".//a")) and _clean("".join(_text(a) for a in links)) == _text(item)
        for item in items
    )


def _table_rows(table: Any) -> list[str]:
    """Each row said with its column headings: "Long cut: Junior $40, Senior $55"."""
    rows = [[_text(cell) for cell in row.xpath("th|td")] for row in table.xpath(".//tr")]
    rows = [row for row in rows if any(row)]
    if not rows:
        return []
    header = rows[0] if table.xpath(".//tr[1]/th") or table.xpath(".//thead") else None
    said = []
    for row in rows[1:] if header else rows:
        if header and len(header) == len(row) and len(row) > 2:
            pairs = [f"{h} {v}".strip() for h, v in zip(header[1:], row[1:], strict=True) if v]
            said.append(f"{row[0]}: {', '.join(pairs)}")
        else:
            said.append(", ".join(cell for cell in row if cell))
    return said


class _Walker:
    def __init__(self) -> None:
        self.sections: list[Section] = [Section([])]
        self.buffer: list[str] = []
        self.open_headings: list[tuple[int, str]] = []

    def emit(self, kind: str, text: str) -> None:
        text = _clean(text)
        if text:
            self.sections[-1].blocks.append(Block(kind, text))

    def flush(self) -> None:
        if self.buffer:
            self.emit("text", " ".join(self.buffer))
            self.buffer = []

    def heading(self, level: int, text: str) -> None:
        if not text:
            return
        while self.open_headings and self.open_headings[-1][0] >= level:
            self.open_headings.pop()
        self.open_headings.append((level, text))
        self.sections.append(Section([heading for _, heading in self.open_headings]))

    def beside(self, element: Any) -> None:
        """A sidebar or footer stands apart: the main text's headings do not cover it."""
        self.flush()
        outer = self.open_headings
        self.open_headings = []
        self.sections.append(Section([]))
        self._container(element)
        self.open_headings = outer
        self.sections.append(Section([heading for _, heading in outer]))

    def disclosure(self, element: Any) -> None:
        """`<details>`: its summary heads what it hides, like a heading one level down."""
        self.flush()
        summary = element.find("summary")
        outer = list(self.open_headings)
        if summary is not None:
            self.heading(len(HEADINGS) + 1, _text(summary))
        for child in element:
            if child is not summary and isinstance(child.tag, str):
                self.walk(child)
            if child.tail and child.tail.strip():
                self.buffer.append(child.tail)
        self.flush()
        self.open_headings = outer
        self.sections.append(Section([heading for _, heading in outer]))

    def walk(self, element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in SKIP or element.get("aria-hidden") == "true":
            return
        if tag == "header" and element.xpath(".//nav"):
            return  # the site's masthead: logo and menu
        if BANNER.search(f"{element.get('class', '')} {element.get('id', '')}"):
            return  # a cookie or consent banner
        if tag in ("aside", "footer"):
            self.beside(element)
            return
        if tag == "details":
            self.disclosure(element)
        elif tag in HEADINGS:
            self.flush()
            self.heading(HEADINGS[tag], _text(element))
        elif tag == "table":
            self.flush()
            for row in _table_rows(element):
                self.emit("row", row)
        elif tag == "dl":
            self.flush()
            for term in element.xpath("dt"):
                details = term.getnext()
                if details is not None and details.tag == "dd":
                    self.emit("item", f"{_text(term)}: {_text(details)}")
        elif tag in ("ul", "ol"):
            self.flush()
            if not _is_navigation(element):
                for item in element.xpath("./li"):
                    self.emit("item", _text(item))
        elif tag in PARAGRAPHS:
            self.flush()
            self.emit("text", _text(element))
        else:
            self._container(element)

    def _container(self, element: Any) -> None:
        if element.text and element.text.strip():
            self.buffer.append(element.text)
        for child in element:
            child_tag = child.tag if isinstance(child.tag, str) else ""
            if child_tag in INLINE and not child.xpath(".//p|.//div|.//ul|.//table|.//h2|.//h3"):
                if child_tag not in SKIP and child.get("aria-hidden") != "true":
                    self.buffer.append(_text(child))
            elif child_tag:
                self.flush()
                self.walk(child)
            if child.tail and child.tail.strip():
                self.buffer.append(child.tail)
        if element.tag in ("div", "section", "article", "aside", "footer", "main", "li", "td"):
            self.flush()


def sections_of(tree: Any) -> list[Section]:
    """The page's sections in reading order; empty ones dropped."""
    for br in tree.iter("br"):
        br.tail = "\n" + (br.tail or "")
    body = tree.find(".//body")
    walker = _Walker()
    walker.walk(body if body is not None else tree)
    walker.flush()
    return [section for section in walker.sections if section.blocks]


def render(sections: list[Section]) -> str:
    """The sections as plain text with markdown headings and list marks, for a model."""
    lines: list[str] = []
    for section in sections:
        if section.heading:
            lines.append(f"\n{'#' * min(len(section.headings), 6)} {section.heading}")
        for block in section.blocks:
            lines.append({"item": "- ", "row": "| "}.get(block.kind, "") + block.text)
    return "\n".join(lines).strip()
