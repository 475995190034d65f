"""Sign-up, log-in, sessions (rotating refresh tokens), password resets, and turning a
presented credential into a Principal. All of it runs on the platform session: a person
logging in has no tenant yet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from voice_platform.config import Settings
from voice_platform.db import platform_session
from voice_platform.models import (
    ApiKey,
    ApiKeyScope,
    Impersonation,
    Membership,
    PasswordReset,
    RefreshToken,
    Role,
    Tenant,
    User,
)
from voice_platform.services import audit, throttle
from voice_platform.services.email import Email, sender_for
from voice_platform.services.errors import Conflict, Forbidden, InvalidInput, Unauthorized
from voice_platform.services.principal import Principal, RequestMeta
from voice_platform.services.security import (
    check_password_rules,
    hash_password,
    hash_secret,
    issue_access_token,
    new_secret,
    read_access_token,
    verify_password,
)
from voice_platform.services.tenants import check_tenant_fields, unique_slug
from voice_platform.services.validation import normalize_email


def now() -> datetime:
    return datetime.now(UTC)


# Two browser tabs of one session may refresh with the same token moments apart; within
# this window the second gets a pair of its own instead of ending the session as stolen.
REFRESH_REUSE_GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class Tokens:
    """What a successful log-in hands back."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str | None
    refresh_expires_at: datetime | None
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None
    role: Role | None


def issue_tokens(
    platform: Session,
    settings: Settings,
    *,
    user: User,
    tenant_id: uuid.UUID | None,
    role: Role | None,
    family_id: uuid.UUID | None = None,
) -> Tokens:
    access, access_expires = issue_access_token(
        settings, user_id=user.id, tenant_id=tenant_id, role=role, is_staff=user.is_staff
    )
    refresh = new_secret("vpr")
    refresh_expires = now() + timedelta(days=settings.refresh_token_days)
    platform.add(
        RefreshToken(
            user_id=user.id,
            tenant_id=tenant_id,
            family_id=family_id or uuid.uuid4(),
            token_hash=hash_secret(refresh),
            expires_at=refresh_expires,
        )
    )
    return Tokens(access, access_expires, refresh, refresh_expires, user.id, tenant_id, role)


def register(
    platform: Session,
    settings: Settings,
    *,
    business_name: str,
    email: str,
    password: str,
    full_name: str = "",
    time_zone: str = "UTC",
    meta: RequestMeta | None = None,
) -> Tokens:
    """Sign up: a new tenant with its owner, logged in."""
    email = normalize_email(email)
    business_name = business_name.strip()
    if not business_name:
        raise InvalidInput("Enter your business's name", field="business_name")
    check_tenant_fields(name=business_name, time_zone=time_zone)
    check_password_rules(password)
    if platform.exec(select(User).where(User.email == email)).first():
        raise Conflict("An account with this email exists already; log in instead", field="email")
    tenant = Tenant(
        name=business_name[:200], slug=unique_slug(platform, business_name), time_zone=time_zone
    )
    user = User(
        email=email, full_name=full_name.strip()[:200], password_hash=hash_password(password)
    )
    platform.add(tenant)
    platform.add(user)
    platform.flush()
    platform.add(Membership(tenant_id=tenant.id, user_id=user.id, role=Role.OWNER))
    audit.record(
        platform,
        tenant_id=tenant.id,
        action="tenant.create",
        entity_type="tenant",
        entity_id=tenant.id,
        changes={"name": {"after": tenant.name}, "owner": {"after": email}},
        actor_user_id=user.id,
        meta=meta,
    )
    return issue_tokens(platform, settings, user=user, tenant_id=tenant.id, role=Role.OWNER)


def _membership(
    platform: Session, *, user_id: uuid.UUID, tenant_slug: str | None
) -> tuple[Membership, Tenant] | None:
    query = (
        select(Membership, Tenant)
        .join(Tenant, col(Tenant.id) == Membership.tenant_id)
        .where(Membership.user_id == user_id)
    )
    if tenant_slug:
        query = query.where(Tenant.slug == tenant_slug)
    row = platform.exec(query.order_by(col(Membership.created_at), col(Tenant.slug))).first()
    return (row[0], row[1]) if row else None


def login(
    platform: Session,
    settings: Settings,
    *,
    email: str,
    password: str,
    tenant_slug: str | None = None,
    meta: RequestMeta | None = None,
) -> Tokens:
    meta = meta or RequestMeta()
    email = normalize_email(email)
    throttle.check_allowed(settings, email=email, ip=meta.ip)
    user = platform.exec(select(User).where(User.email == email)).first()
    if not verify_password(password, user.password_hash if user else None) or user is None:
        throttle.record_failure(settings, email=email)
        raise Unauthorized("Wrong email or password", field="password")
    if not user.is_active:
        raise Unauthorized("This account is disabled", field="email")
    throttle.clear(settings, email=email)
    found = _membership(platform, user_id=user.id, tenant_slug=tenant_slug)
    if found is None and not user.is_staff:
        if tenant_slug:
            raise Forbidden(f"You are not a member of {tenant_slug}")
        raise Forbidden("You are not a member of any business yet")
    membership = found[0] if found else None
    return issue_tokens(
        platform,
        settings,
        user=user,
        tenant_id=membership.tenant_id if membership else None,
        role=membership.role if membership else None,
    )


def _revoke_family(platform: Session, family_id: uuid.UUID) -> None:
    platform.execute(
        update(RefreshToken)
        .where(col(RefreshToken.family_id) == family_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now())
    )


def _refuse_and_revoke(family_id: uuid.UUID, message: str) -> Unauthorized:
    """Revoke the family in a transaction of its own: the caller's transaction is about to
    roll back with the refusal, and the revocation must stick."""
    with platform_session("revoke a compromised session") as own:
        _revoke_family(own, family_id)
    return Unauthorized(message)


def refresh(platform: Session, settings: Settings, *, refresh_token: str) -> Tokens:
    """Trade a refresh token for a new pair. A token that was already traded is a sign
    of theft: the whole session (its family) is revoked."""
    stored = platform.exec(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(refresh_token))
    ).first()
    if stored is None:
        raise Unauthorized("Unknown session; log in again")
    if stored.revoked_at is not None:
        raise Unauthorized("This session has ended; log in again")
    if stored.replaced_at is not None and now() - stored.replaced_at > REFRESH_REUSE_GRACE:
        raise _refuse_and_revoke(
            stored.family_id, "This session was used twice and has been ended; log in again"
        )
    if stored.expires_at <= now():
        raise Unauthorized("Your session has expired; log in again")
    user = platform.get(User, stored.user_id)
    membership = platform.exec(
        select(Membership).where(
            Membership.user_id == stored.user_id, Membership.tenant_id == stored.tenant_id
        )
    ).first()
    if user is None or not user.is_active or (membership is None and not user.is_staff):
        raise _refuse_and_revoke(stored.family_id, "You no longer have access; log in again")
    stored.replaced_at = stored.replaced_at or now()
    platform.add(stored)
    return issue_tokens(
        platform,
        settings,
        user=user,
        tenant_id=stored.tenant_id,
        role=membership.role if membership else None,
        family_id=stored.family_id,
    )


def logout(platform: Session, *, refresh_token: str) -> None:
    """End this session (its whole family of refresh tokens)."""
    stored = platform.exec(
        select(RefreshToken).where(RefreshToken.token_hash == hash_secret(refresh_token))
    ).first()
    if stored is not None:
        _revoke_family(platform, stored.family_id)


def logout_everywhere(platform: Session, *, user_id: uuid.UUID) -> int:
    """End every session: refresh tokens are revoked, access tokens issued so far refused."""
    # Whole seconds, as in the tokens' `iat`: a token from this very second stays valid,
    # so the log-in that may follow at once is not refused.
    cut_off = now().replace(microsecond=0)
    platform.execute(
        update(User).where(col(User.id) == user_id).values(sessions_valid_after=cut_off)
    )
    result = platform.execute(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def request_password_reset(
    platform: Session, settings: Settings, *, email: str, meta: RequestMeta | None = None
) -> None:
    """Email a reset link if the account exists; say nothing either way (no enumeration)."""
    email = normalize_email(email)
    if not throttle.allow_reset_email(settings, email=email, ip=(meta or RequestMeta()).ip):
        return
    user = platform.exec(select(User).where(User.email == email)).first()
    if user is None or not user.is_active:
        return
    token = new_secret("vpp")
    platform.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hash_secret(token),
            expires_at=now() + timedelta(minutes=settings.password_reset_minutes),
        )
    )
    link = f"{settings.base_url}/reset-password?token={token}"
    sender_for(settings, platform=platform).send(
        Email(
            to=email,
            subject="Reset your Voice Platform password",
            body=(
                f"Someone asked to reset the password of {email}.\n\n"
                f"Choose a new password here (the link works for "
                f"{settings.password_reset_minutes} minutes, once):\n{link}\n\n"
                "If it was not you, ignore this email; your password stays as it is."
            ),
        )
    )


def reset_password(
    platform: Session,
    settings: Settings,
    *,
    token: str,
    new_password: str,
    meta: RequestMeta | None = None,
) -> None:
    check_password_rules(new_password)
    reset = platform.exec(
        select(PasswordReset).where(PasswordReset.token_hash == hash_secret(token))
    ).first()
    if reset is None or reset.used_at is not None:
        raise InvalidInput("This reset link is not valid (it works only once)", field="token")
    if reset.expires_at <= now():
        raise InvalidInput("This reset link has expired; ask for a new one", field="token")
    user = platform.get(User, reset.user_id)
    if user is None:
        raise InvalidInput("This reset link is not valid", field="token")
    reset.used_at = now()
    user.password_hash = hash_password(new_password)
    platform.add_all([reset, user])
    logout_everywhere(platform, user_id=user.id)
    throttle.clear(settings, email=user.email)
    for membership in platform.exec(select(Membership).where(Membership.user_id == user.id)):
        audit.record(
            platform,
            tenant_id=membership.tenant_id,
            action="user.password_reset",
            entity_type="user",
            entity_id=user.id,
            actor_user_id=user.id,
            meta=meta,
        )


def principal_from_access_token(
    platform: Session, settings: Settings, *, token: str, meta: RequestMeta | None = None
) -> Principal:
    """Who holds this access token, as of now: roles and impersonations are read fresh,
    so a removed member or an ended impersonation loses access at once."""
    meta = meta or RequestMeta()
    claims = read_access_token(settings, token)
    user = platform.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("This account no longer exists or is disabled")
    if user.sessions_valid_after is not None and claims.issued_at < user.sessions_valid_after:
        raise Unauthorized("This session has ended; log in again")
    if claims.impersonation_id is not None:
        impersonation = platform.get(Impersonation, claims.impersonation_id)
        if (
            impersonation is None
            or impersonation.staff_user_id != user.id
            or impersonation.ended_at is not None
            or impersonation.expires_at <= now()
            or not user.is_staff
        ):
            raise Unauthorized("The impersonation has ended")
        return Principal(
            tenant_id=impersonation.tenant_id,
            role=Role.OWNER,
            user_id=user.id,
            email=user.email,
            is_staff=True,
            impersonator_id=user.id,
            impersonation_id=impersonation.id,
            meta=meta,
        )
    role: Role | None = None
    if claims.tenant_id is not None:
        membership = platform.exec(
            select(Membership).where(
                Membership.user_id == user.id, Membership.tenant_id == claims.tenant_id
            )
        ).first()
        if membership is None:
            raise Unauthorized("You are no longer a member of this business")
        role = membership.role
    return Principal(
        tenant_id=claims.tenant_id,
        role=role,
        user_id=user.id,
        email=user.email,
        is_staff=user.is_staff,
        meta=meta,
    )


def principal_from_api_key(
    platform: Session, *, key: str, meta: RequestMeta | None = None
) -> Principal:
    stored = platform.exec(select(ApiKey).where(ApiKey.key_hash == hash_secret(key))).first()
    if stored is None or stored.revoked_at is not None:
        raise Unauthorized("Unknown or revoked API key")
    stored.last_used_at = now()
    platform.add(stored)
    return Principal(
        tenant_id=stored.tenant_id,
        role=Role.ADMIN if stored.scope is ApiKeyScope.FULL else Role.MEMBER,
        api_key_id=stored.id,
        scope=stored.scope,
        meta=meta or RequestMeta(),
    )


API_KEY_PREFIX = "vpk"


def principal_from_bearer(
    platform: Session, settings: Settings, *, credential: str, meta: RequestMeta | None = None
) -> Principal:
    if credential.startswith(f"{API_KEY_PREFIX}_"):
        return principal_from_api_key(platform, key=credential, meta=meta)
    return principal_from_access_token(platform, settings, token=credential, meta=meta)
