"""Voices for a business's agents: the provider's catalogue plus the voices it designed,
previews of any of them saying the agent's own greeting, and voice design from a description
(by default, one written from the business's profile and brand voice)."""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import CustomVoice, KnowledgeRecord, Role
from voice_platform.providers.errors import BadRequest
from voice_platform.providers.voice.base import (
    Audio,
    Design,
    Voice,
    VoiceProvider,
    VoiceQuery,
    VoiceSettings,
)
from voice_platform.services import audit
from voice_platform.services.agents import get_agent
from voice_platform.services.errors import InvalidInput
from voice_platform.services.principal import Principal, authorize
from voice_platform.services.providers import voice_for

MAX_PREVIEW = 500
DEFAULT_PREVIEW = "Hello, thanks for calling. How can I help you today?"


def list_voices(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    query: VoiceQuery,
    provider: VoiceProvider | None = None,
) -> list[Voice]:
    """The business's own designed voices first, then the catalogue's that match."""
    authorize(principal, tenant_id)
    voices = (provider or voice_for(session, tenant_id)).voices(query)
    own = session.exec(
        select(CustomVoice)
        .where(CustomVoice.tenant_id == tenant_id)
        .order_by(col(CustomVoice.created_at).desc())
    )
    words = (query.search or "").lower()
    mine = [
        Voice(voice_id=v.voice_id, name=v.name, description=v.description, category="designed")
        for v in own
        if words in f"{v.name} {v.description}".lower()
    ]
    seen = {v.voice_id for v in mine}
    return mine + [v for v in voices if v.voice_id not in seen]


def preview_text(session: Session, principal: Principal, agent_id: uuid.UUID | None) -> str:
    """What a preview says: the agent's own greeting when it has one."""
    if agent_id is None:
        return DEFAULT_PREVIEW
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    return agent.greeting.strip() or DEFAULT_PREVIEW


def preview(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    voice_id: str,
    text: str,
    settings: VoiceSettings,
    provider: VoiceProvider | None = None,
) -> Audio:
    authorize(principal, tenant_id)
    text = text.strip()
    if not text or len(text) > MAX_PREVIEW:
        raise InvalidInput(f"A preview says 1 to {MAX_PREVIEW} characters", field="text")
    return (provider or voice_for(session, tenant_id)).preview(voice_id, text, settings)


def describe_business(session: Session, agent_id: uuid.UUID) -> str:
    """A voice description from what the knowledge base says of the business and its voice."""
    record = session.get(KnowledgeRecord, agent_id)
    kb = KnowledgeBase.model_validate(record.document) if record else KnowledgeBase()
    profile, brand = kb.categories.profile, kb.categories.brand_voice
    who = profile.name or kb.business_name or "a small local business"
    tone = brand.tone or next((f.text for f in brand.facts), "") or "warm, friendly and clear"
    about = (profile.description or "")[:200]
    return (
        f"A receptionist's voice for {who}. {about} Tone: {tone}. "
        "Natural, unhurried, easy to understand on the phone."
    ).replace("  ", " ")[:1000]


def design(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    description: str,
    text: str,
    provider: VoiceProvider | None = None,
) -> Design:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    if len(description.strip()) < 20:
        raise InvalidInput("Describe the voice in a sentence or two", field="description")
    return (provider or voice_for(session, tenant_id)).design(description.strip(), text.strip())


def create_designed(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    generated_voice_id: str,
    name: str,
    description: str,
    provider: VoiceProvider | None = None,
) -> Voice:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("Name the voice (up to 100 characters)", field="name")
    chosen = provider or voice_for(session, tenant_id)
    try:
        voice = chosen.create_designed(generated_voice_id, name, description.strip())
    except BadRequest as exc:
        raise InvalidInput(exc.message, field="generated_voice_id") from exc
    row = CustomVoice(
        tenant_id=tenant_id,
        provider=chosen.name,
        voice_id=voice.voice_id,
        name=voice.name,
        description=description.strip()[:1000],
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        tenant_id=tenant_id,
        action="voice.create",
        entity_type="custom_voice",
        entity_id=row.id,
        changes={"name": {"after": row.name}, "voice_id": {"after": row.voice_id}},
        principal=principal,
    )
    return voice
