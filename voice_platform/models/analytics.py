"""Daily per-agent rollups of calls, kept current as calls end (services/rollups.py) so that
dashboards read a small table instead of every call."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class AgentDailyStats(SQLModel, table=True):
    """One agent's calls on one day of the business's calendar (its time zone)."""

    __tablename__ = "agent_daily_stats"
    __table_args__ = (sa.Index("ix_agent_daily_stats_tenant_day", "tenant_id", "day"),)

    tenant_id: uuid.UUID = Field(foreign_key="tenants.id", nullable=False, ondelete="CASCADE")
    agent_id: uuid.UUID = Field(foreign_key="agents.id", primary_key=True, ondelete="CASCADE")
    day: date = Field(primary_key=True)
    calls: int = 0
    seconds: int = Field(default=0, sa_type=sa.BigInteger)
    answered: int = 0
    transferred: int = 0
    message: int = 0
    abandoned: int = 0
    spam: int = 0
    unrouted: int = 0
    sentiment_sum: Decimal = Field(default=Decimal(0), sa_type=sa.Numeric(14, 4))
    sentiment_count: int = 0
    satisfaction_sum: int = 0
    satisfaction_count: int = 0
    after_hours: int = 0
    unanswered: int = 0


class AgentDailyStatsPublic(SQLModel):
    agent_id: uuid.UUID
    day: date
    calls: int
    seconds: int
    answered: int
    transferred: int
    message: int
    abandoned: int
    spam: int
    unrouted: int
    sentiment_sum: Decimal
    sentiment_count: int
    satisfaction_sum: int
    satisfaction_count: int
    after_hours: int
    unanswered: int
