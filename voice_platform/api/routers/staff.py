"""Platform staff: impersonation, the audit log of every tenant, the email outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from voice_platform.api.deps import PrincipalDep, SettingsDep
from voice_platform.api.schemas import (
    AuditEntryPublic,
    AuditPage,
    ImpersonationRequest,
    ImpersonationStarted,
    OutboxEmailPublic,
)
from voice_platform.db import platform_session
from voice_platform.services import audit, email, impersonation
from voice_platform.services.principal import require_staff

router = APIRouter(prefix="/staff", tags=["staff"])
STAFF = "**Auth:** platform staff (not while impersonating)."


@router.post(
    "/impersonations",
    status_code=status.HTTP_201_CREATED,
    response_model=ImpersonationStarted,
    summary="Act as a tenant's owner, for a while, with a written reason",
    description=STAFF + " Returns an access token that acts as the tenant; every change "
    "made with it is audited with the staff member and the tenant.",
)
def start_impersonation(
    body: ImpersonationRequest, principal: PrincipalDep, settings: SettingsDep
) -> ImpersonationStarted:
    with platform_session("staff impersonation") as platform:
        started, token = impersonation.start(
            platform,
            settings,
            principal=principal,
            tenant_id=body.tenant_id,
            reason=body.reason,
            minutes=body.minutes,
        )
        return ImpersonationStarted(
            impersonation_id=started.id,
            tenant_id=started.tenant_id,
            access_token=token,
            expires_at=started.expires_at,
        )


@router.post(
    "/impersonations/end",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="End the impersonation this token belongs to",
    description="**Auth:** the impersonation's access token.",
)
def end_impersonation(principal: PrincipalDep) -> Response:
    with platform_session("end impersonation") as platform:
        impersonation.end(platform, principal=principal)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/audit", response_model=AuditPage, summary="Every tenant's audit log", description=STAFF
)
def all_audit(
    principal: PrincipalDep,
    tenant_id: uuid.UUID | None = None,
    action: str | None = None,
    entity_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    impersonated_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditPage:
    require_staff(principal)
    filters = audit.AuditFilter(
        tenant_id=tenant_id,
        action=action,
        entity_type=entity_type,
        since=since,
        until=until,
        impersonated_only=impersonated_only,
    )
    with platform_session("staff reads audit log") as platform:
        entries, total = audit.search(
            platform, principal=principal, filters=filters, limit=limit, offset=offset
        )
        return AuditPage(
            items=[AuditEntryPublic.model_validate(e, from_attributes=True) for e in entries],
            total=total,
        )


@router.get(
    "/outbox",
    response_model=list[OutboxEmailPublic],
    summary="Email kept in the outbox (no SMTP configured)",
    description=STAFF,
)
def outbox(
    principal: PrincipalDep, to: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[OutboxEmailPublic]:
    require_staff(principal)
    with platform_session("staff reads outbox") as platform:
        return [
            OutboxEmailPublic.model_validate(e, from_attributes=True)
            for e in email.outbox(platform, principal=principal, to=to, limit=limit)
        ]
