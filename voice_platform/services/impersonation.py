"""Staff acting as a tenant: only with a written reason, only for a while, always audited."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from voice_platform.config import Settings
from voice_platform.models import Impersonation, Role, Tenant
from voice_platform.services import audit
from voice_platform.services.errors import Forbidden, InvalidInput, NotFound
from voice_platform.services.principal import Principal, require_staff
from voice_platform.services.security import issue_access_token

MIN_REASON_LENGTH = 10


def start(
    platform: Session,
    settings: Settings,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    reason: str,
    minutes: int = 30,
) -> tuple[Impersonation, str]:
    """Begin an impersonation; returns it and an access token that acts as the tenant's owner."""
    require_staff(principal)
    reason = reason.strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise InvalidInput(
            f"Write why you need to act as this business ({MIN_REASON_LENGTH} characters or more)",
            field="reason",
        )
    if not 1 <= minutes <= settings.impersonation_max_minutes:
        raise InvalidInput(
            f"Choose between 1 and {settings.impersonation_max_minutes} minutes", field="minutes"
        )
    if platform.get(Tenant, tenant_id) is None:
        raise NotFound("No such tenant")
    assert principal.user_id is not None
    impersonation = Impersonation(
        staff_user_id=principal.user_id,
        tenant_id=tenant_id,
        reason=reason[:500],
        expires_at=datetime.now(UTC) + timedelta(minutes=minutes),
    )
    platform.add(impersonation)
    platform.flush()
    audit.record(
        platform,
        tenant_id=tenant_id,
        action="impersonation.start",
        entity_type="impersonation",
        entity_id=impersonation.id,
        changes={"reason": {"after": impersonation.reason}, "minutes": {"after": minutes}},
        principal=principal,
    )
    token, _ = issue_access_token(
        settings,
        user_id=principal.user_id,
        tenant_id=tenant_id,
        role=Role.OWNER.value,
        is_staff=True,
        impersonation_id=impersonation.id,
        # As long as the impersonation: each request checks it has not been ended.
        expires_at=impersonation.expires_at,
    )
    return impersonation, token


def end(platform: Session, *, principal: Principal) -> None:
    if principal.impersonation_id is None:
        raise Forbidden("You are not impersonating anyone")
    impersonation = platform.get(Impersonation, principal.impersonation_id)
    if impersonation is None:
        raise NotFound("No such impersonation")
    if impersonation.ended_at is None:
        impersonation.ended_at = datetime.now(UTC)
        platform.add(impersonation)
        audit.record(
            platform,
            tenant_id=impersonation.tenant_id,
            action="impersonation.end",
            entity_type="impersonation",
            entity_id=impersonation.id,
            principal=principal,
        )
