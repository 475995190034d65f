"""A tenant and what hangs off it: settings, team, invitations, API keys, audit log.

A tenant id that is not the caller's answers 404, so other tenants' existence never leaks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from voice_platform.api.deps import PrincipalDep, SettingsDep
from voice_platform.api.schemas import (
    ApiKeyCreated,
    AuditEntryPublic,
    AuditPage,
    InvitationCreate,
    MemberPublic,
    RoleChange,
    TenantPage,
)
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import (
    ApiKeyCreate,
    ApiKeyPublic,
    InvitationPublic,
    Role,
    TenantCreate,
    TenantPublic,
    TenantUpdate,
)
from voice_platform.services import api_keys, audit, members, tenants
from voice_platform.services.principal import authorize

router = APIRouter(prefix="/tenants", tags=["tenants"])

ANY_MEMBER = "**Auth:** any member of the tenant, any API key of it, or staff."
ADMINS = "**Auth:** the tenant's owners and admins (users only, not API keys)."
STAFF = "**Auth:** platform staff."

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TenantPublic,
    summary="Create a tenant",
    description=STAFF,
)
def create_tenant(data: TenantCreate, principal: PrincipalDep) -> TenantPublic:
    with platform_session("staff creates tenant") as platform:
        tenant = tenants.create_tenant(platform, principal=principal, data=data)
        return TenantPublic.model_validate(tenant)


@router.get("", response_model=TenantPage, summary="Find tenants", description=STAFF)
def search_tenants(
    principal: PrincipalDep, q: str = "", limit: Limit = 50, offset: Offset = 0
) -> TenantPage:
    with platform_session("staff lists tenants") as platform:
        found, total = tenants.search_tenants(
            platform, principal=principal, query=q, limit=limit, offset=offset
        )
        return TenantPage(items=[TenantPublic.model_validate(t) for t in found], total=total)


@router.get(
    "/{tenant_id}",
    response_model=TenantPublic,
    summary="A tenant's settings",
    description=ANY_MEMBER,
)
def get_tenant(tenant_id: uuid.UUID, principal: PrincipalDep) -> TenantPublic:
    authorize(principal, tenant_id)
    with tenant_session(tenant_id) as session:
        tenant = tenants.get_tenant(session, principal=principal, tenant_id=tenant_id)
        return TenantPublic.model_validate(tenant)


@router.put(
    "/{tenant_id}",
    response_model=TenantPublic,
    summary="Change a tenant's settings",
    description="**Auth:** the tenant's owners and admins, or an API key with full scope.",
)
def update_tenant(
    tenant_id: uuid.UUID, changes: TenantUpdate, principal: PrincipalDep
) -> TenantPublic:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    with tenant_session(tenant_id) as session:
        tenant = tenants.update_tenant(
            session, principal=principal, tenant_id=tenant_id, changes=changes
        )
        return TenantPublic.model_validate(tenant)


@router.get(
    "/{tenant_id}/members",
    response_model=list[MemberPublic],
    summary="The team",
    description=ANY_MEMBER,
)
def list_members(tenant_id: uuid.UUID, principal: PrincipalDep) -> list[MemberPublic]:
    authorize(principal, tenant_id)
    with tenant_session(tenant_id) as session:
        found = members.list_members(session, principal=principal, tenant_id=tenant_id)
    return [MemberPublic(**vars(member)) for member in found]


@router.put(
    "/{tenant_id}/members/{user_id}",
    response_model=MemberPublic,
    summary="Change a member's role",
    description=ADMINS + " Only owners grant or take away the owner role; the last owner stays.",
)
def change_role(
    tenant_id: uuid.UUID, user_id: uuid.UUID, body: RoleChange, principal: PrincipalDep
) -> MemberPublic:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    with tenant_session(tenant_id) as session:
        members.change_role(
            session, principal=principal, tenant_id=tenant_id, user_id=user_id, role=body.role
        )
        found = members.list_members(session, principal=principal, tenant_id=tenant_id)
    return next(MemberPublic(**vars(m)) for m in found if m.user_id == user_id)


@router.delete(
    "/{tenant_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member (or leave)",
    description=ADMINS + " Any member may remove themself; the last owner stays.",
)
def remove_member(tenant_id: uuid.UUID, user_id: uuid.UUID, principal: PrincipalDep) -> Response:
    authorize(principal, tenant_id, write=True, users_only=True)
    with tenant_session(tenant_id) as session:
        members.remove_member(session, principal=principal, tenant_id=tenant_id, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{tenant_id}/invitations",
    response_model=list[InvitationPublic],
    summary="Invitations waiting for an answer",
    description=ADMINS,
)
def list_invitations(tenant_id: uuid.UUID, principal: PrincipalDep) -> list[InvitationPublic]:
    authorize(principal, tenant_id, min_role=Role.ADMIN, users_only=True)
    with tenant_session(tenant_id) as session:
        found = members.list_invitations(session, principal=principal, tenant_id=tenant_id)
        return [InvitationPublic.model_validate(i) for i in found]


@router.post(
    "/{tenant_id}/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationPublic,
    summary="Invite someone by email",
    description=ADMINS + " Only owners invite owners.",
)
def invite(
    tenant_id: uuid.UUID, body: InvitationCreate, principal: PrincipalDep, settings: SettingsDep
) -> InvitationPublic:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    with tenant_session(tenant_id) as session, platform_session("invitation email") as platform:
        invitation = members.invite(
            session,
            platform,
            settings,
            principal=principal,
            tenant_id=tenant_id,
            email=body.email,
            role=body.role,
        )
        return InvitationPublic.model_validate(invitation)


@router.delete(
    "/{tenant_id}/invitations/{invitation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw an invitation",
    description=ADMINS,
)
def revoke_invitation(
    tenant_id: uuid.UUID, invitation_id: uuid.UUID, principal: PrincipalDep
) -> Response:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    with tenant_session(tenant_id) as session:
        members.revoke_invitation(
            session, principal=principal, tenant_id=tenant_id, invitation_id=invitation_id
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{tenant_id}/api-keys",
    response_model=list[ApiKeyPublic],
    summary="API keys (prefixes only)",
    description=ADMINS,
)
def list_api_keys(tenant_id: uuid.UUID, principal: PrincipalDep) -> list[ApiKeyPublic]:
    authorize(principal, tenant_id, min_role=Role.ADMIN, users_only=True)
    with tenant_session(tenant_id) as session:
        found = api_keys.list_keys(session, principal=principal, tenant_id=tenant_id)
        return [ApiKeyPublic.model_validate(k) for k in found]


@router.post(
    "/{tenant_id}/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiKeyCreated,
    summary="Create an API key (its secret is shown once)",
    description=ADMINS,
)
def create_api_key(
    tenant_id: uuid.UUID, data: ApiKeyCreate, principal: PrincipalDep
) -> ApiKeyCreated:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    with tenant_session(tenant_id) as session:
        key, secret = api_keys.create_key(
            session, principal=principal, tenant_id=tenant_id, data=data
        )
        return ApiKeyCreated(**ApiKeyPublic.model_validate(key).model_dump(), secret=secret)


@router.delete(
    "/{tenant_id}/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key",
    description=ADMINS,
)
def revoke_api_key(tenant_id: uuid.UUID, key_id: uuid.UUID, principal: PrincipalDep) -> Response:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    with tenant_session(tenant_id) as session:
        api_keys.revoke_key(session, principal=principal, tenant_id=tenant_id, key_id=key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{tenant_id}/audit",
    response_model=AuditPage,
    summary="The tenant's audit log, newest first",
    description=ADMINS + " Staff may read it too.",
)
def tenant_audit(
    tenant_id: uuid.UUID,
    principal: PrincipalDep,
    action: str | None = None,
    entity_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditPage:
    authorize(principal, tenant_id, min_role=Role.ADMIN, users_only=True)
    filters = audit.AuditFilter(
        tenant_id=tenant_id, action=action, entity_type=entity_type, since=since, until=until
    )
    with tenant_session(tenant_id) as session:
        entries, total = audit.search(
            session, principal=principal, filters=filters, limit=limit, offset=offset
        )
        return AuditPage(
            items=[AuditEntryPublic.model_validate(e, from_attributes=True) for e in entries],
            total=total,
        )
