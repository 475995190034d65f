"""SQLModel tables and their Create/Update/Public schemas, one module per entity."""

from voice_platform.models.agent import (
    AfterHours,
    Agent,
    AgentCreate,
    AgentPublic,
    AgentStatus,
    AgentUpdate,
    KnowledgeChunk,
    KnowledgeRecord,
    VoiceSettings,
)
from voice_platform.models.audit import AuditEntry
from voice_platform.models.auth import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyPublic,
    ApiKeyScope,
    Impersonation,
    Invitation,
    InvitationPublic,
    OutboxEmail,
    PasswordReset,
    RefreshToken,
)
from voice_platform.models.tenant import Tenant, TenantCreate, TenantPublic, TenantUpdate
from voice_platform.models.user import Membership, Role, User, UserPublic

__all__ = [
    "AfterHours",
    "Agent",
    "AgentCreate",
    "AgentPublic",
    "AgentStatus",
    "AgentUpdate",
    "ApiKey",
    "ApiKeyCreate",
    "ApiKeyPublic",
    "ApiKeyScope",
    "AuditEntry",
    "Impersonation",
    "Invitation",
    "InvitationPublic",
    "KnowledgeChunk",
    "KnowledgeRecord",
    "Membership",
    "OutboxEmail",
    "PasswordReset",
    "RefreshToken",
    "Role",
    "Tenant",
    "TenantCreate",
    "TenantPublic",
    "TenantUpdate",
    "User",
    "UserPublic",
    "VoiceSettings",
]
