"""Which providers serve the business, and its own provider accounts (credentials)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.services import credentials, providers, usage
from voice_platform.services.credentials import Provider
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/providers", tags=["providers"])
OWNERS = "**Auth:** the business's owners (logged in; API keys cannot)."


class SourceOut(BaseModel):
    provider: str
    source: str
    hint: str


class UsageOut(BaseModel):
    purpose: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class SavedOut(BaseModel):
    provider: str
    hint: str


@router.get(
    "",
    response_model=dict[str, SourceOut],
    summary="Which provider serves each capability (phone, voice, llm), and whose account",
    description="**Auth:** the business's owners and admins, or its API keys.",
)
def sources(principal: PrincipalDep) -> dict[str, SourceOut]:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        found = providers.sources(s, principal=principal, tenant_id=tenant_id)
    return {capability: SourceOut(**value) for capability, value in found.items()}


@router.get(
    "/usage",
    response_model=list[UsageOut],
    summary="Language-model calls, tokens and cost per purpose over the last days",
    description="**Auth:** the business's owners and admins.",
)
def usage_totals(
    principal: PrincipalDep, days: Annotated[int, Query(ge=1, le=366)] = 30
) -> list[UsageOut]:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        found = usage.totals(s, principal=principal, tenant_id=tenant_id, days=days)
    return [
        UsageOut(
            purpose=t.purpose,
            calls=t.calls,
            prompt_tokens=t.prompt_tokens,
            completion_tokens=t.completion_tokens,
            cost_usd=float(t.cost_usd),
        )
        for t in found
    ]


@router.put(
    "/{provider}/credentials",
    response_model=SavedOut,
    summary="Use the business's own account at a provider",
    description=OWNERS
    + " Fields: twilio `account_sid`, `auth_token`; elevenlabs `api_key`; openai `api_key`,"
    " `base_url`. Stored encrypted and never shown again.",
)
def save(provider: Provider, values: dict[str, str], principal: PrincipalDep) -> SavedOut:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        row = credentials.save(
            s, principal=principal, tenant_id=tenant_id, provider=provider, values=values
        )
        return SavedOut(provider=row.provider, hint=row.hint)


@router.delete(
    "/{provider}/credentials",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Go back to the platform's account (or the sandbox)",
    description=OWNERS,
)
def remove(provider: Provider, principal: PrincipalDep) -> Response:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        credentials.remove(s, principal=principal, tenant_id=tenant_id, provider=provider)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
