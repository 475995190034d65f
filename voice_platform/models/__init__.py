"""SQLModel tables and their Create/Update/Public schemas, one module per entity."""

from voice_platform.models.audit import AuditEntry
from voice_platform.models.tenant import Tenant, TenantCreate, TenantPublic, TenantUpdate
from voice_platform.models.user import Membership, Role, User, UserPublic

__all__ = [
    "AuditEntry",
    "Membership",
    "Role",
    "Tenant",
    "TenantCreate",
    "TenantPublic",
    "TenantUpdate",
    "User",
    "UserPublic",
]
