"""Which adapter serves a business: its own credentials first, then the platform's, then the
offline sandbox. The same services run on top of any of them."""

from __future__ import annotations

import uuid
from functools import lru_cache

from pydantic import SecretStr
from sqlmodel import Session, col, select

from voice_platform.config import Settings, get_settings
from voice_platform.db import platform_session
from voice_platform.models import PhoneNumber
from voice_platform.providers.llm import ChatModel, get_chat
from voice_platform.providers.phone.base import PhoneProvider
from voice_platform.providers.phone.sandbox import SandboxPhone
from voice_platform.providers.voice.base import VoiceProvider
from voice_platform.services import credentials
from voice_platform.services.credentials import Provider, secret_for
from voice_platform.services.principal import Principal


def taken_numbers(candidates: list[str]) -> set[str]:
    """Which of these numbers any business owns. Crosses tenants, so it goes through the
    platform path; it reveals only that a number is taken, never by whom."""
    if not candidates:
        return set()
    with platform_session("sandbox number availability") as session:
        rows = session.exec(
            select(PhoneNumber.number).where(col(PhoneNumber.number).in_(candidates))
        )
        return set(rows)


def phone_for(
    session: Session, tenant_id: uuid.UUID, settings: Settings | None = None
) -> PhoneProvider:
    settings = settings or get_settings()
    own = secret_for(session, tenant_id, Provider.TWILIO)
    if own or settings.twilio_account_sid:
        from voice_platform.providers.phone.twilio import TwilioPhone

        sid = own["account_sid"] if own else settings.twilio_account_sid
        token = own["auth_token"] if own else settings.twilio_auth_token.get_secret_value()
        return TwilioPhone(sid, token, api_base_url=settings.twilio_api_base_url)
    return SandboxPhone(taken_numbers)


def voice_for(
    session: Session, tenant_id: uuid.UUID, settings: Settings | None = None
) -> VoiceProvider:
    settings = settings or get_settings()
    own = secret_for(session, tenant_id, Provider.ELEVENLABS)
    key = own["api_key"] if own else settings.elevenlabs_api_key.get_secret_value()
    if key:
        from voice_platform.providers.voice.elevenlabs import ElevenLabsVoice

        return ElevenLabsVoice(key, base_url=settings.elevenlabs_base_url)
    return sandbox_voice()


@lru_cache
def sandbox_voice() -> VoiceProvider:
    """One per process: the voices it designs are remembered until they are created."""
    from voice_platform.providers.voice.sandbox import SandboxVoice

    return SandboxVoice()


def sources(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    settings: Settings | None = None,
) -> dict[str, dict[str, str]]:
    """For each capability, which provider serves the business and whose account it is:
    "own" (the business's credentials), "platform" (the deployment's), or "sandbox"."""
    settings = settings or get_settings()
    own = credentials.hints(session, principal=principal, tenant_id=tenant_id)
    platform = {
        Provider.TWILIO: bool(settings.twilio_account_sid),
        Provider.ELEVENLABS: bool(settings.elevenlabs_api_key.get_secret_value()),
        Provider.OPENAI: bool(settings.llm_api_key.get_secret_value()),
    }
    found = {}
    for capability, provider in (
        ("phone", Provider.TWILIO),
        ("voice", Provider.ELEVENLABS),
        ("llm", Provider.OPENAI),
    ):
        if provider.value in own:
            found[capability] = {
                "provider": provider.value,
                "source": "own",
                "hint": own[provider.value],
            }
        elif platform[provider]:
            found[capability] = {"provider": provider.value, "source": "platform", "hint": ""}
        else:
            found[capability] = {"provider": "sandbox", "source": "sandbox", "hint": ""}
    return found


def chat_for(session: Session, tenant_id: uuid.UUID, settings: Settings | None = None) -> ChatModel:
    """The business's own OpenAI-compatible account if it has one, else the platform's,
    else the offline engine."""
    settings = settings or get_settings()
    own = secret_for(session, tenant_id, Provider.OPENAI)
    if own:
        settings = settings.model_copy(
            update={
                "llm_api_key": SecretStr(own["api_key"]),
                "llm_base_url": own.get("base_url", ""),
            }
        )
    return get_chat(settings)
