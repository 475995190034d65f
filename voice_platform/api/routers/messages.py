"""The messages callers left for the business."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.models import CallMessagePublic
from voice_platform.services import messages
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/messages", tags=["calls"])


@router.get(
    "",
    response_model=list[CallMessagePublic],
    summary="Messages callers left, newest first",
    description="**Auth:** any member of the business, or its API keys.",
)
def list_messages(
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=messages.MAX_LISTED)] = 50,
) -> list[CallMessagePublic]:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return messages.list_messages(s, principal=principal, tenant_id=tenant_id, limit=limit)
