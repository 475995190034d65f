"""The text of the pages an agent was created from, kept after creation.

The knowledge base holds what extraction found worth a category; a caller's question it
cannot answer may still be answered somewhere on the site. Keeping each page's main text (not
its HTML) lets the knowledge-gap loop draft an answer from the page, citing it, without
reading the site again."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import trafilatura
from lxml import html as lxml_html
from sqlalchemy import delete
from sqlmodel import Session, col, select

from voice_platform.crawl.crawler import CrawlResult
from voice_platform.extract.build import archived_pages
from voice_platform.extract.page import clean
from voice_platform.models import CrawledPage, Role
from voice_platform.services import audit
from voice_platform.services.agents import get_agent
from voice_platform.services.principal import Principal, authorize

# A page's main text beyond this is navigation-sized noise or a document dump, not answers.
MAX_TEXT_CHARS = 100_000
MAX_URL = 2000
MAX_TITLE = 300


@dataclass(frozen=True)
class PageText:
    url: str
    title: str
    text: str


def title_of(html: str) -> str:
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return ""
    return clean(tree.findtext(".//title") or "")


def texts_of(result: CrawlResult) -> list[PageText]:
    """Each page's readable text (trafilatura, as extraction reads it, a paragraph a line);
    pages archived as out of date, and pages with no text, are left out."""
    archived = archived_pages(result)
    found: dict[str, PageText] = {}
    for page in result.pages:
        if page.url in archived or page.url in found or len(page.url) > MAX_URL:
            continue
        text = trafilatura.extract(
            page.html,
            url=page.url,
            include_tables=True,
            include_comments=False,
            favor_recall=True,
            output_format="txt",
        )
        if text and text.strip():
            found[page.url] = PageText(
                page.url, title_of(page.html)[:MAX_TITLE], text.strip()[:MAX_TEXT_CHARS]
            )
    return list(found.values())


def replace(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    agent_id: uuid.UUID,
    pages: list[PageText],
) -> int:
    """The agent's pages become these (a site read again replaces what was read before)."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    session.execute(delete(CrawledPage).where(col(CrawledPage.agent_id) == agent_id))
    session.add_all(
        CrawledPage(
            tenant_id=tenant_id, agent_id=agent_id, url=page.url, title=page.title, text=page.text
        )
        for page in pages
    )
    audit.record(
        session,
        tenant_id=tenant_id,
        action="knowledge.pages_kept",
        entity_type="agent",
        entity_id=agent_id,
        changes={"pages": {"after": len(pages)}},
        principal=principal,
    )
    return len(pages)


def pages_of(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> list[CrawledPage]:
    """The agent's kept pages, by address; another tenant's agent is NotFound."""
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    return list(
        session.exec(
            select(CrawledPage)
            .where(col(CrawledPage.agent_id) == agent.id)
            .order_by(col(CrawledPage.url))
        )
    )
