"""The audit log: every change to tenant data, written in the transaction that makes it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from voice_platform.models import AuditEntry
from voice_platform.services.principal import Principal, RequestMeta

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
    session: Session, *, filters: AuditFilter, limit: int = 50, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """Entries matching `filters`, newest first, and how many match in all."""
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
