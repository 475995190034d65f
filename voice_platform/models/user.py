"""People who log in, and their role in each tenant they belong to."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from pydantic import EmailStr
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field, tenant_id_field


class Role(enum.StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class UserBase(SQLModel):
    email: EmailStr = Field(max_length=320)
    full_name: str = Field(default="", max_length=200)


class User(UserBase, table=True):
    """A platform-wide account; `tenant_session` sees only members of its own tenant."""

    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=320, sa_column_kwargs={"unique": True})
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    is_staff: bool = Field(default=False)
    # Access tokens issued before this moment are refused ("log out everywhere", resets).
    sessions_valid_after: datetime | None = Field(
        default=None, sa_type=sa.DateTime(timezone=True), nullable=True
    )
    created_at: datetime = created_at_field()


class UserPublic(UserBase):
    id: uuid.UUID
    is_active: bool
    is_staff: bool
    created_at: datetime


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "user_id"),)

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    role: Role = Field(
        default=Role.MEMBER,
        sa_type=sa.Enum(Role, name="member_role", values_callable=lambda e: [m.value for m in e]),
    )
    created_at: datetime = created_at_field()
