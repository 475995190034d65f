"""Password hashing (argon2), secret tokens (stored as SHA-256), and signed access tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from pwdlib import PasswordHash

from voice_platform.config import Settings
from voice_platform.services.errors import InvalidInput, Unauthorized

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
JWT_ALGORITHM = "HS256"

_hasher = PasswordHash.recommended()
# Verified against when the email is unknown, so a miss takes as long as a hit.
_DUMMY_HASH = _hasher.hash("not-a-real-password-" + secrets.token_hex(8))


def check_password_rules(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Use at least {MIN_PASSWORD_LENGTH} characters for the password", field=field
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Use at most {MAX_PASSWORD_LENGTH} characters for the password", field=field
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


def new_secret(prefix: str) -> str:
    """A random token such as `vpr_…`; the prefix tells what kind of token it is."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """Tokens are random and long, so one SHA-256 suffices (no salt, no stretching)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    tenant_id: uuid.UUID | None
    role: str | None
    impersonation_id: uuid.UUID | None
    issued_at: datetime
    expires_at: datetime


def issue_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    tenant_id: uuid.UUID | None,
    role: str | None,
    is_staff: bool,
    impersonation_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, datetime]:
    """A signed token; it lives ACCESS_TOKEN_MINUTES unless `expires_at` says otherwise."""
    now = datetime.now(UTC)
    expires = expires_at or now + timedelta(minutes=settings.access_token_minutes)
    claims: dict[str, Any] = {
        "typ": "access",
        "sub": str(user_id),
        "tid": str(tenant_id) if tenant_id else None,
        "role": role,
        "staff": is_staff,
        "iid": str(impersonation_id) if impersonation_id else None,
        "iat": now,
        "exp": expires,
        "jti": secrets.token_hex(8),
    }
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    return token, expires


def read_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "typ"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("Your session has expired; log in again") from None
    except jwt.PyJWTError:
        raise Unauthorized("Invalid access token") from None
    if claims.get("typ") != "access":
        raise Unauthorized("Invalid access token")
    try:
        return AccessClaims(
            user_id=uuid.UUID(claims["sub"]),
            tenant_id=uuid.UUID(claims["tid"]) if claims.get("tid") else None,
            role=claims.get("role"),
            impersonation_id=uuid.UUID(claims["iid"]) if claims.get("iid") else None,
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (ValueError, TypeError):
        raise Unauthorized("Invalid access token") from None
