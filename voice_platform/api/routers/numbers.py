"""The business's phone numbers: search, buy, point at an agent, forward, release."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.models import PhoneNumberBuy, PhoneNumberPublic, PhoneNumberUpdate
from voice_platform.providers.phone.base import NumberQuery
from voice_platform.services import numbers
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/numbers", tags=["phone numbers"])
READ = "**Auth:** any member of the business, or its API keys."
WRITE = "**Auth:** the business's owners and admins, or a full API key."


class AvailableOut(BaseModel):
    number: str
    friendly_name: str
    locality: str | None
    region: str | None
    country: str


@router.get(
    "", response_model=list[PhoneNumberPublic], summary="The business's numbers", description=READ
)
def list_numbers(principal: PrincipalDep) -> list[PhoneNumberPublic]:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return numbers.list_numbers(s, principal=principal, tenant_id=tenant_id)


@router.get(
    "/available",
    response_model=list[AvailableOut],
    summary="Numbers that can be bought now",
    description="**Auth:** the business's owners and admins, or its API keys.",
)
def available(
    principal: PrincipalDep,
    area_code: Annotated[str | None, Query(max_length=3)] = None,
    region: Annotated[str | None, Query(max_length=40)] = None,
    contains: Annotated[str | None, Query(max_length=10)] = None,
    toll_free: bool = False,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> list[AvailableOut]:
    tenant_id = require_tenant(principal)
    query = NumberQuery(
        area_code=area_code or None,
        region=region or None,
        contains=contains or None,
        toll_free=toll_free,
        limit=limit,
    )
    with tenant_session(tenant_id) as s:
        found = numbers.search(s, principal=principal, tenant_id=tenant_id, query=query)
    return [
        AvailableOut(
            number=n.number,
            friendly_name=n.friendly_name,
            locality=n.locality,
            region=n.region,
            country=n.country,
        )
        for n in found
    ]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PhoneNumberPublic,
    summary="Buy a number (optionally for an agent)",
    description=WRITE,
)
def buy(data: PhoneNumberBuy, principal: PrincipalDep) -> PhoneNumberPublic:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return numbers.buy(
            s, principal=principal, tenant_id=tenant_id, number=data.number, agent_id=data.agent_id
        )


@router.patch(
    "/{number_id}",
    response_model=PhoneNumberPublic,
    summary="Choose the agent that answers, and where calls go when none does",
    description=WRITE,
)
def update(
    number_id: uuid.UUID, data: PhoneNumberUpdate, principal: PrincipalDep
) -> PhoneNumberPublic:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        return numbers.update(
            s,
            principal=principal,
            tenant_id=tenant_id,
            number_id=number_id,
            agent_id=data.agent_id,
            forward_to=data.forward_to,
        )


@router.delete(
    "/{number_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Release a number (give it back to the provider)",
    description=WRITE,
)
def release(number_id: uuid.UUID, principal: PrincipalDep) -> Response:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        numbers.release(s, principal=principal, tenant_id=tenant_id, number_id=number_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
