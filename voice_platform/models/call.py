"""Calls and what happened in them: every turn said (the agent's with the facts it used),
the messages callers left, transfers, and the recording's details."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field, tenant_id_field


class CallStatus(enum.StrEnum):
    """Twilio's call statuses (CallStatus), which the status callbacks move along."""

    RINGING = "ringing"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


class CallOutcome(enum.StrEnum):
    """What the receptionist did, as far as the call itself knows (analysis refines it)."""

    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    MESSAGE = "message"
    ABANDONED = "abandoned"
    SPAM = "spam"
    UNROUTED = "unrouted"


class Call(SQLModel, table=True):
    __tablename__ = "calls"
    # A business's calls of a period (the log, the figures); one agent's (migration 0010).
    __table_args__ = (
        sa.Index("ix_calls_tenant_started", "tenant_id", "started_at"),
        sa.Index("ix_calls_agent_started", "agent_id", "started_at"),
    )

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id", ondelete="SET NULL")
    # Twilio's CallSid; calls from the console and the terminal get a local one.
    call_sid: str = Field(max_length=64, unique=True)
    channel: str = Field(default="phone", max_length=20)  # phone, console, terminal
    from_number: str = Field(default="", max_length=40)
    to_number: str = Field(default="", max_length=40)
    status: str = Field(default=CallStatus.RINGING.value, max_length=20)
    outcome: str | None = Field(default=None, max_length=20)
    language: str = Field(default="en-US", max_length=20)
    started_at: datetime = created_at_field()
    connected_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    duration_seconds: int | None = None
    # sha256 of the one relay token that may still connect; cleared when it is used.
    relay_token_hash: str | None = Field(default=None, max_length=64, index=True)
    transfer_to: str | None = Field(default=None, max_length=20)
    transfer_reason: str | None = Field(default=None, max_length=300)
    transfer_status: str | None = Field(default=None, max_length=20)
    recording_sid: str | None = Field(default=None, max_length=64)
    recording_url: str | None = Field(default=None, max_length=2000)
    recording_seconds: int | None = None
    recording_status: str | None = Field(default=None, max_length=20)
    # The post-call analysis (services/analysis.py); None until it has run.
    summary: str | None = Field(default=None, sa_type=sa.Text)
    sentiment: float | None = None  # -1 (angry) .. 1 (delighted), from the caller's words
    satisfaction: int | None = Field(default=None, sa_type=sa.SmallInteger)  # 1 .. 5
    satisfaction_reason: str | None = Field(default=None, max_length=300)
    topics: list[str] | None = Field(default=None, sa_type=JSONB(none_as_null=True))
    # The caller's questions the agent could not answer.
    unanswered: list[str] | None = Field(default=None, sa_type=JSONB(none_as_null=True))
    after_hours: bool | None = None
    analyzed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # What the call added to agent_daily_stats (services/rollups.py), so that counting it again
    # replaces its contribution instead of adding a second one.
    counted: dict[str, Any] | None = Field(default=None, sa_type=JSONB(none_as_null=True))


class CallTurn(SQLModel, table=True):
    __tablename__ = "call_turns"

    id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger(), sa.Identity(), primary_key=True)
    )
    call_id: uuid.UUID = Field(foreign_key="calls.id", ondelete="CASCADE")
    tenant_id: uuid.UUID = tenant_id_field()
    speaker: str = Field(max_length=10)  # caller, agent
    text: str
    action: str | None = Field(default=None, max_length=20)
    # [{"category", "item_id", "text", "source_url"}] the answer was built from.
    facts: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    language: str | None = Field(default=None, max_length=20)
    latency_ms: int | None = None
    interrupted: bool = False
    created_at: datetime = created_at_field()


class CallMessage(SQLModel, table=True):
    """A message a caller left for the business."""

    __tablename__ = "call_messages"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="agents.id", ondelete="SET NULL")
    call_id: uuid.UUID | None = Field(default=None, foreign_key="calls.id", ondelete="CASCADE")
    caller_name: str = Field(max_length=200)
    callback_number: str = Field(max_length=40)
    body: str = Field(max_length=4000)
    emailed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    webhook_status: str | None = Field(default=None, max_length=60)
    created_at: datetime = created_at_field()


class CallTurnPublic(SQLModel):
    speaker: str
    text: str
    action: str | None
    facts: list[dict[str, Any]]
    language: str | None
    latency_ms: int | None
    interrupted: bool
    created_at: datetime


class CallMessagePublic(SQLModel):
    id: uuid.UUID
    agent_id: uuid.UUID | None
    call_id: uuid.UUID | None
    caller_name: str
    callback_number: str
    body: str
    emailed_at: datetime | None
    webhook_status: str | None
    created_at: datetime


class CallPublic(SQLModel):
    id: uuid.UUID
    agent_id: uuid.UUID | None
    call_sid: str
    channel: str
    from_number: str
    to_number: str
    status: str
    outcome: str | None
    language: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int | None
    transfer_to: str | None
    transfer_status: str | None
    recording_url: str | None
    recording_seconds: int | None


class CallDetail(CallPublic):
    turns: list[CallTurnPublic]
    messages: list[CallMessagePublic]
