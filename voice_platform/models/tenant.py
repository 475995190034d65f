"""Tenants: one business each. Everything a business owns points at its tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
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
    # The ROI view's figures: amounts in this currency (ISO 4217), what a booked call is worth,
    # what an hour of a receptionist costs, and what a minute of calls costs here (empty: the
    # platform's CALL_COST_PER_MINUTE).
    currency: str = Field(default="USD", min_length=3, max_length=3)
    booked_call_value: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, sa_type=sa.Numeric(12, 2)
    )
    receptionist_hourly_cost: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, sa_type=sa.Numeric(12, 2)
    )
    cost_per_minute: Decimal | None = Field(
        default=None, ge=0, max_digits=10, decimal_places=4, sa_type=sa.Numeric(10, 4)
    )


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
    currency: str | None = Field(default=None, min_length=3, max_length=3)
    booked_call_value: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    receptionist_hourly_cost: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2
    )
    cost_per_minute: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=4)


class TenantPublic(TenantBase):
    id: uuid.UUID
    slug: str
    created_at: datetime
