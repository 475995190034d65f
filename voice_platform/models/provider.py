"""What a business holds at its providers: phone numbers, its own credentials (encrypted),
the voices it designed, and what its language-model calls cost."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field, tenant_id_field


class PhoneNumber(SQLModel, table=True):
    __tablename__ = "phone_numbers"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    provider: str = Field(max_length=20)
    provider_sid: str = Field(max_length=64)
    number: str = Field(max_length=20, unique=True)
    friendly_name: str = Field(max_length=40)
    agent_id: uuid.UUID | None = Field(
        default=None, foreign_key="agents.id", unique=True, ondelete="SET NULL"
    )
    forward_to: str | None = Field(default=None, max_length=20)
    created_at: datetime = created_at_field()


class PhoneNumberPublic(SQLModel):
    id: uuid.UUID
    number: str
    friendly_name: str
    provider: str
    agent_id: uuid.UUID | None
    agent_name: str | None = None
    forward_to: str | None
    created_at: datetime


class PhoneNumberBuy(SQLModel):
    number: str = Field(min_length=4, max_length=20)
    agent_id: uuid.UUID | None = None


class PhoneNumberUpdate(SQLModel):
    """`agent_id` null unassigns; `forward_to` null or "" stops forwarding."""

    agent_id: uuid.UUID | None = None
    forward_to: str | None = Field(default=None, max_length=20)


class ProviderCredential(SQLModel, table=True):
    __tablename__ = "provider_credentials"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "provider", name="uq_provider_credentials_tenant"),
    )

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    provider: str = Field(max_length=20)
    secret: str  # a Fernet token: the credentials, encrypted with a key from SECRET_KEY
    hint: str = Field(max_length=40)  # enough to recognise them ("AC…1234"), never to use them
    created_at: datetime = created_at_field()


class CustomVoice(SQLModel, table=True):
    __tablename__ = "custom_voices"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "voice_id", name="uq_custom_voices_tenant"),)

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    provider: str = Field(max_length=20)
    voice_id: str = Field(max_length=100)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()


class LlmUsage(SQLModel, table=True):
    __tablename__ = "llm_usage"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    model: str = Field(max_length=100)
    purpose: str = Field(max_length=40)
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal = Field(sa_type=sa.Numeric(12, 6))
    created_at: datetime = created_at_field()
