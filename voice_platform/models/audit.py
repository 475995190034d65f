"""The audit log: who changed what, as whom, from where. Written in the changing transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_tenant_created", "tenant_id", "created_at"),)

    id: uuid.UUID = id_field()
    # Null for platform events that belong to no tenant; tenants never see those.
    tenant_id: uuid.UUID | None = Field(
        default=None, foreign_key="tenants.id", nullable=True, ondelete="CASCADE"
    )
    actor_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    # The staff member behind an impersonated action; null otherwise.
    impersonator_user_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL"
    )
    actor_api_key_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_keys.id", ondelete="SET NULL"
    )
    action: str = Field(max_length=100)
    entity_type: str = Field(max_length=100)
    entity_id: str | None = Field(default=None, max_length=100)
    changes: dict[str, Any] = Field(
        default_factory=dict,
        sa_type=JSONB,
        sa_column_kwargs={"nullable": False},
    )
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=500)
    created_at: datetime = created_at_field()
