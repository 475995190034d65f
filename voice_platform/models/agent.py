"""Agents (one business's receptionist), their knowledge base and its retrieval index."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pgvector.sqlalchemy import Vector
from pydantic import field_validator
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field, tenant_id_field, utcnow

EMBEDDING_DIMENSIONS = 384


class AgentStatus(enum.StrEnum):
    DRAFT = "draft"
    CREATING = "creating"
    ACTIVE = "active"
    PAUSED = "paused"
    FAILED = "failed"


class AfterHours(enum.StrEnum):
    ANSWER = "answer"
    TAKE_MESSAGE = "take_message"
    TRANSFER = "transfer"


def _enum(kind: type[enum.StrEnum], name: str) -> Any:
    return sa.Enum(kind, name=name, values_callable=lambda e: [m.value for m in e])


class VoiceSettings(SQLModel):
    voice_id: str | None = Field(default=None, max_length=100)
    model: str = Field(default="flash_v2_5", max_length=60)
    speed: float = Field(default=1.0, ge=0.7, le=1.2)
    stability: float = Field(default=0.5, ge=0.0, le=1.0)
    similarity: float = Field(default=0.75, ge=0.0, le=1.0)


class AgentBase(SQLModel):
    name: str = Field(min_length=1, max_length=120)
    greeting: str = Field(default="", max_length=500)
    persona: str = Field(default="", max_length=4000)
    languages: list[str] = Field(default_factory=lambda: ["en"], sa_type=JSONB)
    transfer_number: str | None = Field(default=None, max_length=20)
    time_zone: str = Field(default="UTC", max_length=64)
    after_hours: AfterHours = Field(
        default=AfterHours.TAKE_MESSAGE, sa_type=_enum(AfterHours, "after_hours")
    )


class Agent(AgentBase, table=True):
    __tablename__ = "agents"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    status: AgentStatus = Field(
        default=AgentStatus.DRAFT, sa_type=_enum(AgentStatus, "agent_status")
    )
    status_reason: str | None = Field(default=None, max_length=500)
    voice: dict[str, Any] = Field(
        default_factory=lambda: VoiceSettings().model_dump(), sa_type=JSONB
    )
    phone_number: str | None = Field(default=None, max_length=20)
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class AgentCreate(AgentBase):
    voice: VoiceSettings = Field(default_factory=VoiceSettings)

    @field_validator("languages")
    @classmethod
    def _some_language(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("choose at least one language")
        return value


class AgentUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    greeting: str | None = Field(default=None, max_length=500)
    persona: str | None = Field(default=None, max_length=4000)
    languages: list[str] | None = None
    transfer_number: str | None = Field(default=None, max_length=20)
    time_zone: str | None = Field(default=None, max_length=64)
    after_hours: AfterHours | None = None
    voice: VoiceSettings | None = None


class AgentPublic(AgentBase):
    id: uuid.UUID
    tenant_id: uuid.UUID
    status: AgentStatus
    status_reason: str | None
    voice: VoiceSettings
    phone_number: str | None
    created_at: datetime
    updated_at: datetime


class KnowledgeRecord(SQLModel, table=True):
    """The KB of one agent, stored whole as JSONB (see the README for why) with a version."""

    __tablename__ = "knowledge_bases"

    agent_id: uuid.UUID = Field(foreign_key="agents.id", primary_key=True, ondelete="CASCADE")
    tenant_id: uuid.UUID = tenant_id_field()
    version: int = Field(default=1)
    document: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    updated_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class KnowledgeChunk(SQLModel, table=True):
    """One retrievable sentence of a KB, with its embedding; rebuilt on every change."""

    __tablename__ = "knowledge_chunks"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    agent_id: uuid.UUID = Field(foreign_key="agents.id", index=True, ondelete="CASCADE")
    category: str = Field(max_length=40)
    item_id: str = Field(max_length=60)
    text: str
    source_url: str | None = Field(default=None, max_length=2000)
    embedding: list[float] = Field(sa_type=Vector(EMBEDDING_DIMENSIONS))
