"""Post-call analysis on demand (it also runs by itself after every call)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel

from voice_platform.api.deps import PrincipalDep
from voice_platform.models import Role
from voice_platform.services import analysis
from voice_platform.services.errors import NotFound
from voice_platform.services.principal import authorize, require_tenant

router = APIRouter(prefix="/calls", tags=["calls"])


class CallAnalysisPublic(BaseModel):
    call_id: uuid.UUID
    summary: str
    outcome: str
    sentiment: float | None
    satisfaction: int | None
    satisfaction_reason: str
    topics: list[str]
    unanswered: list[str]
    after_hours: bool
    by: str


@router.post(
    "/{call_id}/analyze",
    response_model=CallAnalysisPublic,
    summary="Analyse a call again",
    description="**Auth:** the business's owners and admins. Re-runs the post-call analysis "
    "(summary, outcome, sentiment, satisfaction, topics, unanswered questions), with the "
    "business's model when one is configured, and recounts the call in its agent's daily "
    "statistics.",
)
async def analyze_call(call_id: uuid.UUID, principal: PrincipalDep) -> CallAnalysisPublic:
    tenant_id = require_tenant(principal)
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    result = await analysis.analyze_and_store(call_id, tenant_id)
    if result is None:
        raise NotFound("No such call")
    return CallAnalysisPublic(call_id=call_id, **analysis.public(result))
