"""API keys: per tenant, shown once, stored hashed, read-only or full."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from voice_platform.models import ApiKey, ApiKeyCreate, Role
from voice_platform.services import audit
from voice_platform.services.auth import API_KEY_PREFIX
from voice_platform.services.errors import NotFound
from voice_platform.services.principal import Principal, authorize
from voice_platform.services.security import hash_secret, new_secret

PREFIX_LENGTH = 12


def create_key(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """The new key and its secret, which is never shown again."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    secret = new_secret(API_KEY_PREFIX)
    key = ApiKey(
        tenant_id=tenant_id,
        name=data.name.strip(),
        prefix=secret[:PREFIX_LENGTH],
        key_hash=hash_secret(secret),
        scope=data.scope,
        created_by=principal.user_id,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        tenant_id=tenant_id,
        action="api_key.create",
        entity_type="api_key",
        entity_id=key.id,
        changes={"name": {"after": key.name}, "scope": {"after": key.scope.value}},
        principal=principal,
    )
    return key, secret


def list_keys(session: Session, *, principal: Principal, tenant_id: uuid.UUID) -> list[ApiKey]:
    authorize(principal, tenant_id, min_role=Role.ADMIN, users_only=True)
    return list(
        session.exec(
            select(ApiKey)
            .where(ApiKey.tenant_id == tenant_id)
            .order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.created_at).desc())
        )
    )


def revoke_key(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, key_id: uuid.UUID
) -> ApiKey:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    key = session.get(ApiKey, key_id)
    if key is None or key.tenant_id != tenant_id:
        raise NotFound("No such API key")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        session.add(key)
        audit.record(
            session,
            tenant_id=tenant_id,
            action="api_key.revoke",
            entity_type="api_key",
            entity_id=key.id,
            changes={"name": {"before": key.name}},
            principal=principal,
        )
    return key
