"""The voice picker of an agent's page: find a voice (filters), hear it say the agent's
greeting, use it; or design one from a description of the business, hear the candidates and
keep one. Choosing a voice saves it on the agent at once."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from voice_platform.models import AgentUpdate, VoiceSettings
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.voice.base import Audio, Voice, VoiceQuery
from voice_platform.providers.voice.base import VoiceSettings as Speech
from voice_platform.services import agents, voices
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.agent_scope import run_for_agent
from voice_platform.state.auth import form_errors

T = TypeVar("T")
LANGUAGES = [("", "Any language"), ("en", "English"), ("es", "Spanish"), ("fr", "French"),
             ("de", "German"), ("it", "Italian"), ("pt", "Portuguese")]  # fmt: skip
GENDERS = [("", "Any voice"), ("female", "Female"), ("male", "Male"), ("neutral", "Neutral")]


def data_url(audio: Audio) -> str:
    return f"data:{audio.content_type};base64,{base64.b64encode(audio.data).decode()}"


def voice_row(voice: Voice) -> dict[str, str]:
    labels = [voice.language, voice.accent, voice.gender, voice.age, voice.use_case]
    return {
        "voice_id": voice.voice_id,
        "name": voice.name,
        "labels": " · ".join(label.replace("_", " ") for label in labels if label),
        "description": voice.description or "",
        "category": voice.category,
    }


def speech_of(agent_voice: dict[str, Any]) -> Speech:
    saved = VoiceSettings.model_validate(agent_voice)
    return Speech(saved.model, saved.stability, saved.similarity, saved.speed)


class VoicePickerState(rx.State):
    voices: list[dict[str, str]] = []
    current: str = ""
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    playing: str = ""
    audio: str = ""
    description: str = ""
    designing: bool = False
    candidates: list[dict[str, str]] = []
    no_tenant: bool = False
    missing: bool = False
    can_edit: bool = False

    async def _run(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        try:
            return await run_for_agent(self, work)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        except ProviderError as exc:
            self.errors = {"": exc.message}
        return None

    async def _search(self, query: VoiceQuery) -> None:
        def read(s: Session, p: Principal, a: uuid.UUID) -> tuple[list[Voice], str]:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            found = voices.list_voices(s, principal=p, tenant_id=agent.tenant_id, query=query)
            return found, str(agent.voice.get("voice_id") or "")

        found = await self._run(read)
        if found is not None:
            self.voices = [voice_row(v) for v in found[0]]
            self.current = found[1]

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.notice = ""
        self.audio = ""
        self.playing = ""
        self.candidates = []
        self.designing = False
        self.busy = False
        self.description = ""
        await self._search(VoiceQuery())

    @rx.event
    async def search(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        self.busy = True
        yield
        await self._search(
            VoiceQuery(
                search=str(form.get("search", "")).strip() or None,
                language=str(form.get("language", "")) or None,
                gender=str(form.get("gender", "")) or None,
            )
        )
        self.busy = False

    @rx.event
    async def play(self, voice_id: str) -> AsyncIterator[None]:
        self.errors = {}
        self.playing = voice_id
        self.audio = ""
        yield

        def speak(s: Session, p: Principal, a: uuid.UUID) -> str:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            return data_url(
                voices.preview(
                    s,
                    principal=p,
                    tenant_id=agent.tenant_id,
                    voice_id=voice_id,
                    text=voices.preview_text(s, p, a),
                    settings=speech_of(agent.voice),
                )
            )

        self.audio = await self._run(speak) or ""
        if not self.audio:
            self.playing = ""

    @rx.event
    async def use(self, voice_id: str, name: str) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.busy = True
        yield

        def choose(s: Session, p: Principal, a: uuid.UUID) -> str:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            voice = VoiceSettings.model_validate({**agent.voice, "voice_id": voice_id})
            agents.update_agent(s, principal=p, agent_id=a, changes=AgentUpdate(voice=voice))
            return voice_id

        if await self._run(choose):
            self.current = voice_id
            self.notice = f"The agent now speaks with {name}."
        self.busy = False

    @rx.event
    async def start_design(self) -> None:
        self.errors = {}
        self.candidates = []

        def describe(s: Session, p: Principal, a: uuid.UUID) -> str:
            agents.get_agent(s, principal=p, agent_id=a)
            return voices.describe_business(s, a)

        self.description = await self._run(describe) or ""

    @rx.event
    def set_description(self, value: str) -> None:
        self.description = value

    @rx.event
    async def design(self) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.candidates = []
        self.designing = True
        yield
        description = self.description

        def make(s: Session, p: Principal, a: uuid.UUID) -> list[dict[str, str]]:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            made = voices.design(
                s,
                principal=p,
                tenant_id=agent.tenant_id,
                description=description,
                text=voices.preview_text(s, p, a),
            )
            return [
                {"id": c.generated_voice_id, "audio": data_url(c.audio), "label": f"Voice {n}"}
                for n, c in enumerate(made.previews, start=1)
            ]

        self.candidates = await self._run(make) or []
        self.designing = False

    @rx.event
    async def keep(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        generated, name = str(form.get("generated_voice_id", "")), str(form.get("name", ""))
        description = self.description
        self.busy = True
        yield

        def create(s: Session, p: Principal, a: uuid.UUID) -> str:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            voice = voices.create_designed(
                s,
                principal=p,
                tenant_id=agent.tenant_id,
                generated_voice_id=generated,
                name=name,
                description=description,
            )
            chosen = VoiceSettings.model_validate({**agent.voice, "voice_id": voice.voice_id})
            agents.update_agent(s, principal=p, agent_id=a, changes=AgentUpdate(voice=chosen))
            return voice.voice_id

        made = await self._run(create)
        if made:
            self.candidates = []
            self.notice = f"{name.strip()} is saved and the agent now speaks with it."
            await self._search(VoiceQuery())
        self.busy = False
