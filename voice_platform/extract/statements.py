"""From a page's sections to statements: the pieces of text that become facts.

A statement should be whole on its own, as a receptionist would read it out: a short section
(a team member's card, a "Licensed & Accredited" box) is one statement led by its heading; a
list or table stays with the line that introduces it (a price list is one fact, not six);
long paragraphs are split into sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from voice_platform.extract.sections import Block, Section

MIN_STATEMENT, MAX_STATEMENT = 15, 600
CARD = 420  # a section this short is read as one piece
LEAD = 100  # a line this short right before a list introduces it
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9¿¡\"(])")


@dataclass(frozen=True)
class Statement:
    text: str
    context: str  # the page's title and the headings above the statement
    url: str
    position: int  # order on the site: page by page, top to bottom
    group: str  # statements that may be read together as one list


def _join(lead: str, parts: list[str]) -> str:
    body = "; ".join(part.rstrip(";") for part in parts)
    if not lead:
        return body
    return f"{lead.rstrip(':;. ')}: {body}"


def _sentences(text: str) -> list[str]:
    if len(text) <= MAX_STATEMENT:
        return [text]
    found, current = [], ""
    for sentence in SENTENCE_END.split(text):
        if current and len(current) + len(sentence) + 1 > MAX_STATEMENT:
            found.append(current)
            current = ""
        current = f"{current} {sentence}".strip()
    if current:
        found.append(current)
    return found


def _groups(lead: str, items: list[str]) -> list[str]:
    """A list said with its lead, split where it would grow too long."""
    found: list[str] = []
    current: list[str] = []
    for item in items:
        if current and len(_join(lead, [*current, item])) > MAX_STATEMENT:
            found.append(_join(lead, current))
            current = []
        current.append(item)
    if current:
        found.append(_join(lead, current))
    return found


def _is_card(section: Section) -> bool:
    size = len(section.heading) + sum(len(block.text) + 2 for block in section.blocks)
    return size <= CARD


def _pieces(section: Section) -> list[str]:
    """The section's statements; a short section (a card) is one, led by its heading."""
    pieces: list[str] = []
    blocks: list[Block] = list(section.blocks)
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.kind == "text":
            following = index + 1 < len(blocks) and blocks[index + 1].kind != "text"
            if following and (block.text.endswith(":") or len(block.text) <= LEAD):
                lead, index = block.text, index + 1
            else:
                pieces.extend(_sentences(block.text))
                index += 1
                continue
        else:
            lead = "" if _is_card(section) else section.heading
        items = []
        while index < len(blocks) and blocks[index].kind != "text":
            items.append(blocks[index].text)
            index += 1
        pieces.extend(_groups(lead, items))
    if _is_card(section) and pieces:
        # A list ends where the next piece starts: a full stop keeps them apart.
        whole = " ".join(p if p.endswith((".", "!", "?", ":")) else f"{p}." for p in pieces)
        return [f"{section.heading.rstrip(':;. ')}: {whole}" if section.heading else whole]
    return pieces


UNIT_END = re.compile(r"(?<=[.!?;])\s+")


def units_of(text: str) -> tuple[str, list[str]]:
    """A statement's lead (the heading or line before its first colon) and its parts: the
    sentences or list items that follow."""
    lead, _, body = text.partition(": ")
    if not body or len(lead) > LEAD or SENTENCE_END.search(lead):
        lead, body = "", text
    return lead, [unit.rstrip(";") for unit in UNIT_END.split(body) if unit.strip()]


TITLE_PARTS = re.compile(r"\s+[|·•–—:-]\s+")


def topics(titles: list[str]) -> list[str]:
    """What each page is about, from its title without the site's name: the part of the
    title most pages share ("Catering | Nonna's Pizzeria" is about catering)."""
    parts = [[p.strip() for p in TITLE_PARTS.split(title) if p.strip()] for title in titles]
    counts: dict[str, int] = {}
    for title in parts:
        for part in set(title):
            counts[part] = counts.get(part, 0) + 1
    shared = {part for part, count in counts.items() if len(titles) > 2 and count > len(titles) / 2}
    return [" ".join(part for part in title if part not in shared) for title in parts]


def statements_of(
    sections: list[Section], *, url: str, title: str, start: int = 0
) -> list[Statement]:
    """The page's statements in reading order, each with the headings it sits under.

    A long section's first statement is led by its heading too ("Dr. Ann Lee, Dentist: She
    trained at…"). Sibling sections under one heading (the people of a "Meet the team" page)
    share a `group`, so what is placed in one category can be read back as one list."""
    found: list[Statement] = []
    for number, section in enumerate(sections):
        context = " / ".join(part for part in [title, *section.headings[-2:]] if part)[:300]
        parent = " / ".join(section.headings[:-1])
        group = f"{url}#{parent}" if parent else f"{url}#{number}"
        pieces = _pieces(section)
        if pieces and section.heading and not _is_card(section):
            first = pieces[0]
            if not first.startswith(section.heading.rstrip(":;. ")):
                pieces[0] = f"{section.heading.rstrip(':;. ')}: {first}"
        for piece in pieces:
            if MIN_STATEMENT <= len(piece) <= MAX_STATEMENT * 2:
                found.append(Statement(piece, context, url, start + len(found), group))
    return found
