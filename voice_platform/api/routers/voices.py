"""Voices: the catalogue and the business's designed voices, previews, voice design."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from voice_platform.api.deps import PrincipalDep
from voice_platform.db import tenant_session
from voice_platform.providers.voice.base import DEFAULT_MODEL, VoiceQuery, VoiceSettings
from voice_platform.services import voices
from voice_platform.services.principal import require_tenant

router = APIRouter(prefix="/voices", tags=["voices"])
READ = "**Auth:** any member of the business, or its API keys."
WRITE = "**Auth:** the business's owners and admins, or a full API key."


class VoiceOut(BaseModel):
    voice_id: str
    name: str
    language: str | None
    accent: str | None
    gender: str | None
    age: str | None
    use_case: str | None
    description: str | None
    category: str


class PreviewIn(BaseModel):
    voice_id: str = Field(min_length=1, max_length=100)
    text: str | None = Field(
        default=None, max_length=500, description="What to say; default: the agent's greeting."
    )
    agent_id: uuid.UUID | None = None
    model: str = Field(default=DEFAULT_MODEL, max_length=60)
    stability: float = Field(default=0.5, ge=0, le=1)
    similarity: float = Field(default=0.75, ge=0, le=1)
    speed: float = Field(default=1.0, ge=0.7, le=1.2)


class DesignIn(BaseModel):
    description: str | None = Field(
        default=None,
        max_length=1000,
        description="What the voice should sound like; default: written from the agent's "
        "business profile and brand voice (give agent_id).",
    )
    text: str | None = Field(default=None, max_length=500)
    agent_id: uuid.UUID | None = None


class DesignedPreviewOut(BaseModel):
    generated_voice_id: str
    audio_base64: str
    content_type: str


class DesignOut(BaseModel):
    description: str
    previews: list[DesignedPreviewOut]


class CreateVoiceIn(BaseModel):
    generated_voice_id: str = Field(min_length=1, max_length=200)
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=1000)


def out(voice: voices.Voice) -> VoiceOut:
    return VoiceOut(**{name: getattr(voice, name) for name in VoiceOut.model_fields})


@router.get("", response_model=list[VoiceOut], summary="Voices to choose from", description=READ)
def list_voices(
    principal: PrincipalDep,
    search: Annotated[str | None, Query(max_length=100)] = None,
    language: Annotated[str | None, Query(max_length=10)] = None,
    accent: Annotated[str | None, Query(max_length=40)] = None,
    gender: Annotated[str | None, Query(max_length=20)] = None,
    age: Annotated[str | None, Query(max_length=20)] = None,
    use_case: Annotated[str | None, Query(max_length=40)] = None,
) -> list[VoiceOut]:
    tenant_id = require_tenant(principal)
    query = VoiceQuery(search, language, accent, gender, age, use_case)
    with tenant_session(tenant_id) as s:
        found = voices.list_voices(s, principal=principal, tenant_id=tenant_id, query=query)
    return [out(v) for v in found]


@router.post(
    "/preview",
    summary="Hear a voice say the agent's greeting (or any text)",
    description=READ + " Answers the audio itself (audio/mpeg or audio/wav).",
    response_class=Response,
    responses={200: {"content": {"audio/mpeg": {}, "audio/wav": {}}}},
)
def preview(data: PreviewIn, principal: PrincipalDep) -> Response:
    tenant_id = require_tenant(principal)
    settings = VoiceSettings(data.model, data.stability, data.similarity, data.speed)
    with tenant_session(tenant_id) as s:
        text = data.text or voices.preview_text(s, principal, data.agent_id)
        audio = voices.preview(
            s,
            principal=principal,
            tenant_id=tenant_id,
            voice_id=data.voice_id,
            text=text,
            settings=settings,
        )
    return Response(content=audio.data, media_type=audio.content_type)


@router.post(
    "/design",
    response_model=DesignOut,
    summary="Design a voice: candidates, each with a preview",
    description=WRITE,
)
def design(data: DesignIn, principal: PrincipalDep) -> DesignOut:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        description = data.description or (
            voices.describe_business(s, data.agent_id) if data.agent_id else ""
        )
        text = data.text or voices.preview_text(s, principal, data.agent_id)
        made = voices.design(
            s, principal=principal, tenant_id=tenant_id, description=description, text=text
        )
    return DesignOut(
        description=made.description,
        previews=[
            DesignedPreviewOut(
                generated_voice_id=p.generated_voice_id,
                audio_base64=base64.b64encode(p.audio.data).decode(),
                content_type=p.audio.content_type,
            )
            for p in made.previews
        ],
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VoiceOut,
    summary="Keep a designed candidate as one of the business's voices",
    description=WRITE,
)
def create(data: CreateVoiceIn, principal: PrincipalDep) -> VoiceOut:
    tenant_id = require_tenant(principal)
    with tenant_session(tenant_id) as s:
        voice = voices.create_designed(
            s,
            principal=principal,
            tenant_id=tenant_id,
            generated_voice_id=data.generated_voice_id,
            name=data.name,
            description=data.description,
        )
    return out(voice)
