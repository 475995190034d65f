"""The voice capability: the voices an agent can speak with, previews of them, and voices
designed from a description. ElevenLabs is the real one; the sandbox has a built-in catalogue
and speaks previews with espeak-ng where it is installed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_MODEL = "flash_v2_5"


@dataclass(frozen=True)
class Voice:
    voice_id: str
    name: str
    language: str | None = None  # ISO 639-1, e.g. "en"
    accent: str | None = None  # e.g. "american", "british"
    gender: str | None = None  # "female", "male", "neutral"
    age: str | None = None  # "young", "middle_aged", "old"
    use_case: str | None = None  # e.g. "conversational", "narration"
    description: str | None = None
    preview_url: str | None = None
    category: str = "premade"  # "premade", "designed", "cloned"...


@dataclass(frozen=True)
class VoiceQuery:
    search: str | None = None
    language: str | None = None
    accent: str | None = None
    gender: str | None = None
    age: str | None = None
    use_case: str | None = None


@dataclass(frozen=True)
class VoiceSettings:
    """How a voice speaks. Ranges as ElevenLabs and ConversationRelay take them."""

    model: str = DEFAULT_MODEL
    stability: float = 0.5  # 0..1
    similarity: float = 0.75  # 0..1
    speed: float = 1.0  # 0.7..1.2

    def relay_voice(self, voice_id: str) -> str:
        """The `voice` attribute of Twilio ConversationRelay for an ElevenLabs voice:
        `{voice_id}-{model}-{speed}_{stability}_{similarity}`."""
        return f"{voice_id}-{self.model}-{self.speed:g}_{self.stability:g}_{self.similarity:g}"


@dataclass(frozen=True)
class Audio:
    data: bytes
    content_type: str  # e.g. "audio/mpeg", "audio/wav"


@dataclass(frozen=True)
class DesignedPreview:
    """One candidate of a designed voice: listen, then create the one you like."""

    generated_voice_id: str
    audio: Audio
    duration_seconds: float | None = None


@dataclass(frozen=True)
class Design:
    description: str  # what the voice should sound like
    text: str  # what the previews say
    previews: list[DesignedPreview] = field(default_factory=list)


class VoiceProvider(Protocol):
    name: str

    def voices(self, query: VoiceQuery) -> list[Voice]:
        """The voices that match, best first."""
        ...

    def preview(self, voice_id: str, text: str, settings: VoiceSettings) -> Audio:
        """`text` spoken by the voice. Raises ProviderError when it cannot be spoken."""
        ...

    def design(self, description: str, text: str) -> Design:
        """Candidate voices for a description, each with a preview saying `text`."""
        ...

    def create_designed(self, generated_voice_id: str, name: str, description: str) -> Voice:
        """Keep one candidate as a voice the agent can use."""
        ...
