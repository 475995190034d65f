"""Credentials and sessions: refresh tokens, password resets, invitations, API keys,
staff impersonations. Secrets are stored only as SHA-256 hashes."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from voice_platform.models.base import created_at_field, id_field, tenant_id_field
from voice_platform.models.user import Role


def _when(nullable: bool = True) -> datetime | None:
    return Field(default=None, sa_type=sa.DateTime(timezone=True), nullable=nullable)


class RefreshToken(SQLModel, table=True):
    """One link in a log-in session's chain; each refresh replaces it with the next."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    # Null for staff who belong to no tenant.
    tenant_id: uuid.UUID | None = Field(default=None, foreign_key="tenants.id", ondelete="CASCADE")
    # Every token of one log-in shares a family; reusing a replaced token revokes it all.
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    replaced_at: datetime | None = _when()
    revoked_at: datetime | None = _when()
    created_at: datetime = created_at_field()


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_resets"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    used_at: datetime | None = _when()
    created_at: datetime = created_at_field()


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    email: str = Field(max_length=320)
    role: Role = Field(
        sa_type=sa.Enum(Role, name="member_role", values_callable=lambda e: [m.value for m in e])
    )
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    accepted_at: datetime | None = _when()
    revoked_at: datetime | None = _when()
    created_at: datetime = created_at_field()


class InvitationPublic(SQLModel):
    id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class ApiKeyScope(enum.StrEnum):
    READ = "read"
    FULL = "full"


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID = tenant_id_field()
    name: str = Field(max_length=100)
    # The first characters of the key, shown in lists so owners can tell keys apart.
    prefix: str = Field(max_length=16)
    key_hash: str = Field(max_length=64, unique=True)
    scope: ApiKeyScope = Field(
        sa_type=sa.Enum(
            ApiKeyScope, name="api_key_scope", values_callable=lambda e: [m.value for m in e]
        )
    )
    created_by: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    last_used_at: datetime | None = _when()
    revoked_at: datetime | None = _when()
    created_at: datetime = created_at_field()


class ApiKeyCreate(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    scope: ApiKeyScope = ApiKeyScope.READ


class ApiKeyPublic(SQLModel):
    id: uuid.UUID
    name: str
    prefix: str
    scope: ApiKeyScope
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime


class Impersonation(SQLModel, table=True):
    """A staff member acting as a tenant: why, until when, and when it ended."""

    __tablename__ = "impersonations"

    id: uuid.UUID = id_field()
    staff_user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    tenant_id: uuid.UUID = Field(foreign_key="tenants.id", index=True, ondelete="CASCADE")
    reason: str = Field(max_length=500)
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    ended_at: datetime | None = _when()
    created_at: datetime = created_at_field()


class OutboxEmail(SQLModel, table=True):
    """Email the platform would send, kept here when no SMTP server is configured."""

    __tablename__ = "outbox_emails"

    id: uuid.UUID = id_field()
    tenant_id: uuid.UUID | None = Field(default=None, foreign_key="tenants.id", ondelete="CASCADE")
    to_address: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body: str
    created_at: datetime = created_at_field()
