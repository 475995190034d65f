"""The audit log: every change to tenant data, written in the transaction that makes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from voice_platform.models import ApiKey, AuditEntry, Role, Tenant, User
from voice_platform.services.principal import Principal, RequestMeta, authorize, require_staff

PAGE_SIZE_MAX = 200


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields that changed, as {"field": {"before": …, "after": …}}."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record(
    session: Session,
    *,
    tenant_id: uuid.UUID | None,
    action: str,
    entity_type: str,
    entity_id: uuid.UUID | str | None = None,
    changes: dict[str, Any] | None = None,
    principal: Principal | None = None,
    actor_user_id: uuid.UUID | None = None,
    meta: RequestMeta | None = None,
) -> AuditEntry:
    meta = meta or (principal.meta if principal else RequestMeta())
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor_user_id=principal.user_id if principal else actor_user_id,
        impersonator_user_id=principal.impersonator_id if principal else None,
        actor_api_key_id=principal.api_key_id if principal else None,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id) if entity_id is not None else None,
        changes=changes or {},
        ip=meta.ip,
        user_agent=(meta.user_agent or "")[:500] or None,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    tenant_id: uuid.UUID | None = None
    action: str | None = None
    entity_type: str | None = None
    actor_user_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None
    impersonated_only: bool = False


def search(
    session: Session,
    *,
    principal: Principal,
    filters: AuditFilter,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Entries matching `filters`, newest first, and how many match in all.

    A tenant's owners and admins read its log; staff read every tenant's."""
    if filters.tenant_id is None:
        require_staff(principal)
    else:
        authorize(principal, filters.tenant_id, min_role=Role.ADMIN, users_only=True)
    query = select(AuditEntry)
    if filters.tenant_id is not None:
        query = query.where(AuditEntry.tenant_id == filters.tenant_id)
    if filters.action:
        query = query.where(col(AuditEntry.action).startswith(filters.action))
    if filters.entity_type:
        query = query.where(AuditEntry.entity_type == filters.entity_type)
    if filters.actor_user_id:
        query = query.where(AuditEntry.actor_user_id == filters.actor_user_id)
    if filters.since:
        query = query.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.created_at < filters.until)
    if filters.impersonated_only:
        query = query.where(col(AuditEntry.impersonator_user_id).is_not(None))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(AuditEntry.created_at).desc(), col(AuditEntry.id))
        .limit(min(limit, PAGE_SIZE_MAX))
        .offset(offset)
    ).all()
    return list(rows), total


@dataclass(frozen=True)
class AuditView:
    """An entry as a person reads it: who did it, in which business."""

    entry: AuditEntry
    actor: str
    tenant_name: str | None


def describe(platform: Session, entries: list[AuditEntry]) -> list[AuditView]:
    """Name the actors and businesses of entries already read under the caller's rights.

    Runs on the platform session: staff and former members are outside the tenant's view."""
    user_ids = {e.actor_user_id for e in entries} | {e.impersonator_user_id for e in entries}
    key_ids = {e.actor_api_key_id for e in entries}
    tenant_ids = {e.tenant_id for e in entries}
    emails = dict(
        platform.exec(select(User.id, User.email).where(col(User.id).in_(user_ids - {None}))).all()
    )
    keys = dict(
        platform.exec(
            select(ApiKey.id, ApiKey.name).where(col(ApiKey.id).in_(key_ids - {None}))
        ).all()
    )
    names = dict(
        platform.exec(
            select(Tenant.id, Tenant.name).where(col(Tenant.id).in_(tenant_ids - {None}))
        ).all()
    )

    def actor(entry: AuditEntry) -> str:
        if entry.impersonator_user_id is not None:
            who = emails.get(entry.impersonator_user_id, "a former staff member")
            return f"{who} (staff, acting as owner)"
        if entry.actor_api_key_id is not None:
            return f"API key {keys.get(entry.actor_api_key_id, '(deleted)')}"
        if entry.actor_user_id is not None:
            return emails.get(entry.actor_user_id, "a deleted account")
        return "the platform"

    return [
        AuditView(entry, actor(entry), names.get(entry.tenant_id) if entry.tenant_id else None)
        for entry in entries
    ]
