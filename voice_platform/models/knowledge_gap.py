"""What the knowledge-gap loop keeps: the text of the pages an agent was created from (so an
answer to a caller's question can be drafted from them, with its source), and the questions
the owner has answered or dismissed."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field, tenant_id_field


class CrawledPage(SQLModel, table=True):
    """One page read when the agent was created from its website: its main text only."""

    __tablename__ = "crawled_pages"
    __table_args__ = (sa.UniqueConstraint("agent_id", "url", name="uq_crawled_pages_agent_url"),)

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=2000)
    title: str = Field(default="", max_length=300)
    text: str = Field(sa_type=sa.Text)
    fetched_at: datetime = created_at_field()


class GapStatus(enum.StrEnum):
    ANSWERED = "answered"
    DISMISSED = "dismissed"


class GapResolution(SQLModel, table=True):
    """A caller's question the owner settled: answered (an FAQ now says it) or dismissed
    (not something the receptionist should know). Questions like it stop being listed."""

    __tablename__ = "knowledge_gap_resolutions"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    question: str = Field(max_length=300)
    status: str = Field(max_length=20)
    # The FAQ the answer became, for an answered question.
    faq_id: str | None = Field(default=None, max_length=40)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
