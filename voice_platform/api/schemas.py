"""Request and response bodies of the REST API that are not table schemas."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from voice_platform.models import ApiKeyPublic, Role, TenantPublic
from voice_platform.services.auth import Tokens


class RegisterRequest(BaseModel):
    business_name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320)
    password: str = Field(max_length=128)
    full_name: str = Field(default="", max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)


class LoginRequest(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=128)
    tenant: str | None = Field(
        default=None, description="Slug of the business to log in to (default: your first)."
    )


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=200)


class PasswordResetRequest(BaseModel):
    email: str = Field(max_length=320)


class PasswordResetConfirm(BaseModel):
    token: str = Field(max_length=200)
    new_password: str = Field(max_length=128)


class InvitationAccept(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=128)
    full_name: str = Field(default="", max_length=200)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105  (the OAuth token type, not a secret)
    expires_at: datetime
    refresh_token: str | None
    refresh_expires_at: datetime | None
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None
    role: Role | None

    @classmethod
    def of(cls, tokens: Tokens) -> TokenResponse:
        return cls(
            access_token=tokens.access_token,
            expires_at=tokens.access_expires_at,
            refresh_token=tokens.refresh_token,
            refresh_expires_at=tokens.refresh_expires_at,
            user_id=tokens.user_id,
            tenant_id=tokens.tenant_id,
            role=tokens.role,
        )


class MeResponse(BaseModel):
    user_id: uuid.UUID | None
    email: str
    tenant_id: uuid.UUID | None
    role: Role | None
    is_staff: bool
    impersonating: bool
    api_key_id: uuid.UUID | None
    scope: str


class TenantPage(BaseModel):
    items: list[TenantPublic]
    total: int


class MemberPublic(BaseModel):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    joined_at: datetime


class RoleChange(BaseModel):
    role: Role


class InvitationCreate(BaseModel):
    email: str = Field(max_length=320)
    role: Role = Role.MEMBER


class ApiKeyCreated(ApiKeyPublic):
    secret: str = Field(description="The key itself. It is shown this once only.")


class AuditEntryPublic(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID | None
    actor_user_id: uuid.UUID | None
    impersonator_user_id: uuid.UUID | None
    actor_api_key_id: uuid.UUID | None
    action: str
    entity_type: str
    entity_id: str | None
    changes: dict[str, Any]
    ip: str | None
    user_agent: str | None
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    total: int


class ImpersonationRequest(BaseModel):
    tenant_id: uuid.UUID
    reason: str = Field(max_length=500)
    minutes: int = Field(default=30, ge=1)


class ImpersonationStarted(BaseModel):
    impersonation_id: uuid.UUID
    tenant_id: uuid.UUID
    access_token: str
    expires_at: datetime


class OutboxEmailPublic(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID | None
    to_address: str
    subject: str
    body: str
    created_at: datetime
