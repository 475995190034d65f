"""A tenant's team: members and their roles, and invitations to join."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from voice_platform.config import Settings
from voice_platform.models import Invitation, Membership, Role, Tenant, User
from voice_platform.services import audit
from voice_platform.services.auth import Tokens, issue_tokens
from voice_platform.services.email import Email, sender_for
from voice_platform.services.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from voice_platform.services.principal import Principal, RequestMeta, authorize
from voice_platform.services.security import (
    check_password_rules,
    hash_password,
    hash_secret,
    new_secret,
    verify_password,
)
from voice_platform.services.validation import normalize_email


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    joined_at: datetime


def now() -> datetime:
    return datetime.now(UTC)


def list_members(session: Session, *, principal: Principal, tenant_id: uuid.UUID) -> list[Member]:
    authorize(principal, tenant_id)
    # Named columns: the app role may not read users.password_hash.
    rows = session.execute(
        sa.select(
            col(User.id),
            col(User.email),
            col(User.full_name),
            col(Membership.role),
            col(Membership.created_at),
        )
        .join(User, col(User.id) == Membership.user_id)
        .where(col(Membership.tenant_id) == tenant_id)
        .order_by(col(Membership.created_at), col(User.email))
    ).all()
    return [Member(*row) for row in rows]


def _membership(session: Session, tenant_id: uuid.UUID, user_id: uuid.UUID) -> Membership:
    membership = session.exec(
        select(Membership).where(Membership.tenant_id == tenant_id, Membership.user_id == user_id)
    ).first()
    if membership is None:
        raise NotFound("No such member")
    return membership


def _owners(session: Session, tenant_id: uuid.UUID) -> int:
    return len(
        session.exec(
            select(Membership.id).where(
                Membership.tenant_id == tenant_id, Membership.role == Role.OWNER
            )
        ).all()
    )


def _may_manage(principal: Principal, role: Role) -> None:
    """Admins manage members and admins; only owners touch owners."""
    if role is Role.OWNER and principal.role is not Role.OWNER:
        raise Forbidden("Only an owner can grant, change or remove the owner role")


def change_role(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    role: Role,
) -> Membership:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    membership = _membership(session, tenant_id, user_id)
    _may_manage(principal, membership.role)
    _may_manage(principal, role)
    if (
        membership.role is Role.OWNER
        and role is not Role.OWNER
        and _owners(session, tenant_id) == 1
    ):
        raise Conflict("A business needs at least one owner; make someone else owner first")
    before = membership.role
    membership.role = role
    session.add(membership)
    if before is not role:
        audit.record(
            session,
            tenant_id=tenant_id,
            action="member.role_change",
            entity_type="membership",
            entity_id=user_id,
            changes={"role": {"before": before.value, "after": role.value}},
            principal=principal,
        )
    return membership


def remove_member(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    leaving_self = principal.user_id == user_id
    authorize(
        principal,
        tenant_id,
        min_role=Role.MEMBER if leaving_self else Role.ADMIN,
        write=True,
        users_only=True,
    )
    membership = _membership(session, tenant_id, user_id)
    if not leaving_self:
        _may_manage(principal, membership.role)
    if membership.role is Role.OWNER and _owners(session, tenant_id) == 1:
        raise Conflict("A business needs at least one owner; make someone else owner first")
    session.delete(membership)
    audit.record(
        session,
        tenant_id=tenant_id,
        action="member.remove",
        entity_type="membership",
        entity_id=user_id,
        changes={"role": {"before": membership.role.value}},
        principal=principal,
    )


def invite(
    session: Session,
    platform: Session,
    settings: Settings,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    email: str,
    role: Role,
) -> Invitation:
    """Invite someone by email; a second invitation to the same address replaces the first."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    _may_manage(principal, role)
    email = normalize_email(email)
    existing = session.exec(
        select(User.id)
        .join(Membership, col(Membership.user_id) == User.id)
        .where(Membership.tenant_id == tenant_id, User.email == email)
    ).first()
    if existing:
        raise Conflict(f"{email} is a member already", field="email")
    for pending in session.exec(
        select(Invitation).where(
            Invitation.tenant_id == tenant_id,
            Invitation.email == email,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
        )
    ):
        pending.revoked_at = now()
        session.add(pending)
    token = new_secret("vpi")
    invitation = Invitation(
        tenant_id=tenant_id,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by=principal.user_id,
        expires_at=now() + timedelta(days=settings.invitation_days),
    )
    session.add(invitation)
    session.flush()
    tenant = session.get(Tenant, tenant_id)
    business = tenant.name if tenant else "a business"
    sender_for(settings, platform=platform).send(
        Email(
            to=email,
            tenant_id=tenant_id,
            subject=f"You are invited to {business} on Voice Platform",
            body=(
                f"{principal.email or 'A colleague'} invited you to join {business} as "
                f"{role.value}.\n\nAccept here (the link works for {settings.invitation_days} "
                f"days):\n{settings.base_url}/invite?token={token}\n"
            ),
        )
    )
    audit.record(
        session,
        tenant_id=tenant_id,
        action="invitation.create",
        entity_type="invitation",
        entity_id=invitation.id,
        changes={"email": {"after": email}, "role": {"after": role.value}},
        principal=principal,
    )
    return invitation


def list_invitations(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID
) -> list[Invitation]:
    """Invitations still waiting for an answer."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, users_only=True)
    return list(
        session.exec(
            select(Invitation)
            .where(
                Invitation.tenant_id == tenant_id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                col(Invitation.expires_at) > now(),
            )
            .order_by(col(Invitation.created_at).desc())
        )
    )


def revoke_invitation(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, invitation_id: uuid.UUID
) -> None:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True, users_only=True)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.tenant_id != tenant_id:
        raise NotFound("No such invitation")
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = now()
        session.add(invitation)
        audit.record(
            session,
            tenant_id=tenant_id,
            action="invitation.revoke",
            entity_type="invitation",
            entity_id=invitation.id,
            changes={"email": {"before": invitation.email}},
            principal=principal,
        )


def invitation_for_token(platform: Session, token: str) -> tuple[Invitation, Tenant, bool]:
    """The open invitation behind `token`, its tenant, and whether its email has an account."""
    invitation = platform.exec(
        select(Invitation).where(Invitation.token_hash == hash_secret(token))
    ).first()
    if invitation is None or invitation.revoked_at is not None:
        raise InvalidInput("This invitation is not valid", field="token")
    if invitation.accepted_at is not None:
        raise InvalidInput("This invitation has been used already; log in", field="token")
    if invitation.expires_at <= now():
        raise InvalidInput("This invitation has expired; ask for a new one", field="token")
    tenant = platform.get(Tenant, invitation.tenant_id)
    assert tenant is not None
    has_account = platform.exec(select(User.id).where(User.email == invitation.email)).first()
    return invitation, tenant, has_account is not None


def accept_invitation(
    platform: Session,
    settings: Settings,
    *,
    token: str,
    password: str,
    full_name: str = "",
    meta: RequestMeta | None = None,
) -> Tokens:
    """Join the tenant: new people choose a password, existing accounts confirm theirs."""
    invitation, tenant, has_account = invitation_for_token(platform, token)
    if has_account:
        user = platform.exec(select(User).where(User.email == invitation.email)).one()
        if not verify_password(password, user.password_hash):
            raise Unauthorized(
                f"Enter the password of your account {invitation.email}", field="password"
            )
    else:
        check_password_rules(password)
        user = User(
            email=invitation.email,
            full_name=full_name.strip()[:200],
            password_hash=hash_password(password),
        )
        platform.add(user)
        platform.flush()
    membership = platform.exec(
        select(Membership).where(Membership.tenant_id == tenant.id, Membership.user_id == user.id)
    ).first()
    if membership is None:
        membership = Membership(tenant_id=tenant.id, user_id=user.id, role=invitation.role)
        platform.add(membership)
    invitation.accepted_at = now()
    platform.add(invitation)
    audit.record(
        platform,
        tenant_id=tenant.id,
        action="member.join",
        entity_type="membership",
        entity_id=user.id,
        changes={"email": {"after": user.email}, "role": {"after": membership.role.value}},
        actor_user_id=user.id,
        meta=meta,
    )
    return issue_tokens(platform, settings, user=user, tenant_id=tenant.id, role=membership.role)
