"""Who is asking: a user (perhaps staff, perhaps impersonating) or an API key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from voice_platform.models import ApiKeyScope, Role
from voice_platform.services.errors import Forbidden, NotFound

ROLE_RANK = {Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


@dataclass(frozen=True)
class RequestMeta:
    """Where a request came from, for the audit log."""

    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID | None
    role: Role | None
    user_id: uuid.UUID | None = None
    email: str = ""
    is_staff: bool = False
    # Set while a staff member acts as the tenant: the staff user and the impersonation.
    impersonator_id: uuid.UUID | None = None
    impersonation_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    scope: ApiKeyScope = ApiKeyScope.FULL
    meta: RequestMeta = field(default_factory=RequestMeta)

    @classmethod
    def operator(cls) -> Principal:
        """Whoever runs the command line with the database's credentials: staff by nature."""
        return cls(tenant_id=None, role=None, is_staff=True)

    @property
    def is_api_key(self) -> bool:
        return self.api_key_id is not None

    @property
    def is_impersonating(self) -> bool:
        return self.impersonation_id is not None


def authorize(
    principal: Principal,
    tenant_id: uuid.UUID,
    *,
    min_role: Role = Role.MEMBER,
    write: bool = False,
    users_only: bool = False,
) -> None:
    """Raise unless `principal` may do this in `tenant_id`.

    Another tenant answers NotFound, so its existence does not leak. Staff may read any
    tenant; to change one they impersonate it."""
    if principal.tenant_id != tenant_id:
        if principal.is_staff and not principal.is_impersonating and not principal.is_api_key:
            if write:
                raise Forbidden("Staff change a tenant's data only while impersonating it")
            return
        raise NotFound("No such tenant")
    if users_only and principal.is_api_key:
        raise Forbidden("API keys cannot do this; log in as a user")
    if write and principal.scope is ApiKeyScope.READ:
        raise Forbidden("This API key is read-only")
    if principal.role is None or ROLE_RANK[principal.role] < ROLE_RANK[min_role]:
        raise Forbidden(f"This needs the {min_role.value} role or higher")


def require_tenant(principal: Principal) -> uuid.UUID:
    """The tenant the caller acts for; staff outside any tenant must impersonate one first."""
    if principal.tenant_id is None:
        raise Forbidden("Act as a business first (staff: impersonate it from the staff console)")
    return principal.tenant_id


def require_staff(principal: Principal) -> None:
    if not principal.is_staff or principal.is_impersonating or principal.is_api_key:
        raise Forbidden("Only platform staff can do this")
