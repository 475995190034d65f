"""A business's own provider accounts (its Twilio, ElevenLabs or OpenAI-compatible keys).

They override the platform's for that business only. Stored encrypted (Fernet, with a key
derived from SECRET_KEY), never shown again: the owner sees a hint to recognise them."""

from __future__ import annotations

import base64
import json
import uuid
from enum import StrEnum
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlmodel import Session, select

from voice_platform.config import get_settings
from voice_platform.models import ProviderCredential, Role
from voice_platform.services import audit
from voice_platform.services.errors import InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize


class Provider(StrEnum):
    TWILIO = "twilio"
    ELEVENLABS = "elevenlabs"
    OPENAI = "openai"


# What each provider's credentials are made of, and which part the hint shows.
FIELDS: dict[Provider, tuple[str, ...]] = {
    Provider.TWILIO: ("account_sid", "auth_token"),
    Provider.ELEVENLABS: ("api_key",),
    Provider.OPENAI: ("api_key", "base_url"),
}
REQUIRED: dict[Provider, tuple[str, ...]] = {
    Provider.TWILIO: ("account_sid", "auth_token"),
    Provider.ELEVENLABS: ("api_key",),
    Provider.OPENAI: ("api_key",),
}


def _fernet() -> Fernet:
    secret = get_settings().secret_key.get_secret_value().encode()
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"voice-platform credentials"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    try:
        return dict(json.loads(_fernet().decrypt(token.encode())))
    except InvalidToken as exc:
        raise InvalidInput(
            "These stored credentials cannot be read (was SECRET_KEY changed?); enter them again"
        ) from exc


def _hint(provider: Provider, values: dict[str, str]) -> str:
    first = values[REQUIRED[provider][0]]
    return f"{first[:4]}…{first[-4:]}" if len(first) > 10 else "…" + first[-2:]


def save(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    provider: Provider,
    values: dict[str, Any],
) -> ProviderCredential:
    authorize(principal, tenant_id, min_role=Role.OWNER, write=True, users_only=True)
    clean = {k: str(values.get(k) or "").strip() for k in FIELDS[provider]}
    missing = [k for k in REQUIRED[provider] if not clean[k]]
    if missing:
        raise InvalidInput(f"Enter the {missing[0].replace('_', ' ')}", field=missing[0])
    unknown = sorted(set(values) - set(FIELDS[provider]))
    if unknown:
        raise InvalidInput(f"{provider.value} has no setting {unknown[0]}", field=unknown[0])
    row = _row(session, tenant_id, provider) or ProviderCredential(
        tenant_id=tenant_id, provider=provider.value, secret="", hint=""
    )
    row.secret, row.hint = encrypt({k: v for k, v in clean.items() if v}), _hint(provider, clean)
    session.add(row)
    session.flush()
    audit.record(
        session,
        tenant_id=tenant_id,
        action="credentials.save",
        entity_type="provider_credentials",
        entity_id=row.id,
        changes={"provider": {"after": provider.value}, "hint": {"after": row.hint}},
        principal=principal,
    )
    return row


def remove(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, provider: Provider
) -> None:
    authorize(principal, tenant_id, min_role=Role.OWNER, write=True, users_only=True)
    row = _row(session, tenant_id, provider)
    if row is None:
        raise NotFound(f"No {provider.value} credentials to remove")
    session.delete(row)
    audit.record(
        session,
        tenant_id=tenant_id,
        action="credentials.remove",
        entity_type="provider_credentials",
        entity_id=row.id,
        changes={"provider": {"before": provider.value}},
        principal=principal,
    )


def hints(session: Session, *, principal: Principal, tenant_id: uuid.UUID) -> dict[str, str]:
    """Which providers the business has its own credentials for, with their hints."""
    authorize(principal, tenant_id, min_role=Role.ADMIN)
    rows = session.exec(select(ProviderCredential).where(ProviderCredential.tenant_id == tenant_id))
    return {row.provider: row.hint for row in rows}


def secret_for(session: Session, tenant_id: uuid.UUID, provider: Provider) -> dict[str, str] | None:
    """The business's own credentials for `provider`, decrypted, for choosing its adapter."""
    row = _row(session, tenant_id, provider)
    return decrypt(row.secret) if row else None


def _row(session: Session, tenant_id: uuid.UUID, provider: Provider) -> ProviderCredential | None:
    return session.exec(
        select(ProviderCredential).where(
            ProviderCredential.tenant_id == tenant_id,
            ProviderCredential.provider == provider.value,
        )
    ).first()
