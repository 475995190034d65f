"""Tenants: one business each. Everything a business owns points at its tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"


class TenantBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    # Where calls are transferred to a person, in E.164 (+15551234567).
    business_phone: str | None = Field(default=None, max_length=20)
    # Where messages and notices for the business go.
    notification_email: str | None = Field(default=None, max_length=320)
    # Where a JSON notice of every message a caller leaves is posted, if anywhere.
    message_webhook_url: str | None = Field(default=None, max_length=2000)


class Tenant(TenantBase, table=True):
    __tablename__ = "tenants"

    id: uuid.UUID = id_field()
    slug: str = Field(unique=True, max_length=63)
    created_at: datetime = created_at_field()


class TenantCreate(TenantBase):
    slug: str = Field(regex=SLUG_PATTERN, max_length=63)


class TenantUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    time_zone: str | None = Field(default=None, max_length=64)
    business_phone: str | None = Field(default=None, max_length=20)
    notification_email: str | None = Field(default=None, max_length=320)
    message_webhook_url: str | None = Field(default=None, max_length=2000)


class TenantPublic(TenantBase):
    id: uuid.UUID
    slug: str
    created_at: datetime
