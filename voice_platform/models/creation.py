"""Creating an agent from its business's website: the job (one per agent, its steps with
status, timings, counts and errors) and the progress events the wizard shows."""

from __future__ import annotations

import enum
import re
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, tenant_id_field, utcnow

AREA_CODE = re.compile(r"^[2-9]\d{2}$")


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StepStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class CreationJob(SQLModel, table=True):
    __tablename__ = "creation_jobs"

    agent_id: uuid.UUID = Field(foreign_key="agents.id", primary_key=True, ondelete="CASCADE")
    tenant_id: uuid.UUID = tenant_id_field()
    url: str = Field(max_length=2000)
    options: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    status: str = Field(default=JobStatus.QUEUED.value, max_length=20)
    # step name → {"status", "attempts", "started_at", "finished_at", "counts", "error", "result"}
    steps: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    error: str | None = Field(default=None, max_length=1000)
    cancel_requested: bool = False
    started_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True))


class CreationEvent(SQLModel, table=True):
    __tablename__ = "creation_events"

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger(), sa.Identity(), primary_key=True)
    )
    agent_id: uuid.UUID = Field(foreign_key="agents.id", ondelete="CASCADE")
    tenant_id: uuid.UUID = tenant_id_field()
    step: str = Field(max_length=20)
    percent: int
    message: str = Field(max_length=500)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONB)
    created_at: datetime = created_at_field()


class CreationOptions(SQLModel):
    """What the owner chose in the wizard (all optional)."""

    area_code: str | None = Field(default=None, max_length=3)
    voice_id: str | None = Field(default=None, max_length=100)
    design_voice: bool = False
    languages: list[str] = Field(default_factory=lambda: ["en"])
    allow_private_networks: bool = False

    @field_validator("area_code")
    @classmethod
    def _area_code(cls, value: str | None) -> str | None:
        if value and not AREA_CODE.match(value):
            raise ValueError("an area code is three digits, not starting with 0 or 1")
        return value or None


class CreationStart(SQLModel):
    url: str = Field(min_length=4, max_length=2000)
    name: str | None = Field(default=None, max_length=120)
    options: CreationOptions = Field(default_factory=CreationOptions)
