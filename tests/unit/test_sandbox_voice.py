"""The sandbox voices: the catalogue and its filters, previews spoken by espeak-ng (and the
clear error where it is missing), and voices designed from a description."""

from __future__ import annotations

import shutil
import struct

import pytest

from voice_platform.providers.errors import BadRequest, ProviderNotFound, Unavailable
from voice_platform.providers.voice.base import VoiceQuery, VoiceSettings
from voice_platform.providers.voice.sandbox import PreviewUnavailable, SandboxVoice, design_speakers

TEXT = "Hello, thanks for calling Bright Smile Dental. How can I help?"
DESCRIPTION = "A deep, calm British man, older, for a law firm"
UNAVAILABLE = "Voice previews are unavailable: espeak-ng is not installed on this server."
needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng is not installed (apt-get install espeak-ng); the sandbox cannot speak",
)


@pytest.fixture
def sandbox() -> SandboxVoice:
    return SandboxVoice()


@pytest.fixture
def no_espeak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")


def names(voices: list[object]) -> list[str]:
    return [getattr(v, "name", "") for v in voices]


def test_the_catalogue_has_a_dozen_varied_voices(sandbox: SandboxVoice) -> None:
    voices = sandbox.voices(VoiceQuery())
    assert len(voices) == 12
    assert all(v.voice_id.startswith("sandbox-") for v in voices)
    assert len({v.voice_id for v in voices}) == 12
    assert {v.language for v in voices} >= {"en", "es", "fr", "de"}
    assert {v.gender for v in voices} == {"female", "male"}
    assert {v.age for v in voices} == {"young", "middle_aged", "old"}
    assert sandbox.voices(VoiceQuery(search="ava"))[0].voice_id == "sandbox-ava"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (VoiceQuery(language="es"), ["Lucia", "Mateo"]),
        (VoiceQuery(language="fr-BE"), ["Camille", "Louis"]),
        (VoiceQuery(language="DE_at"), ["Greta"]),
        (VoiceQuery(accent="British"), ["Olivia", "George"]),
        (VoiceQuery(age="Middle-aged", gender="female"), ["Olivia", "Lucia"]),
        (VoiceQuery(use_case="customer service", language="de"), ["Greta"]),
        (VoiceQuery(search="warm"), ["Olivia"]),
        (VoiceQuery(search="calm noah"), ["Noah"]),
        (VoiceQuery(search="scottish young"), ["Isla"]),
        (VoiceQuery(search="klingon"), []),
    ],
)
def test_voices_are_filtered(sandbox: SandboxVoice, query: VoiceQuery, expected: list[str]) -> None:
    assert names(sandbox.voices(query)) == expected


def test_relay_voice_is_the_conversation_relay_attribute() -> None:
    assert VoiceSettings().relay_voice("sandbox-ava") == "sandbox-ava-flash_v2_5-1_0.5_0.75"
    tuned = VoiceSettings(model="turbo_v2_5", stability=0.35, similarity=0.9, speed=1.15)
    assert tuned.relay_voice("abc123") == "abc123-turbo_v2_5-1.15_0.35_0.9"


@needs_espeak
def test_a_preview_is_a_wav_and_each_voice_sounds_different(sandbox: SandboxVoice) -> None:
    ava = sandbox.preview("sandbox-ava", TEXT, VoiceSettings())
    george = sandbox.preview("sandbox-george", TEXT, VoiceSettings())
    for audio in (ava, george):
        assert audio.content_type == "audio/wav"
        assert audio.data[:4] == b"RIFF"
        assert audio.data[8:12] == b"WAVE"
        # the sizes in the header are the real ones, not espeak-ng's placeholders
        assert struct.unpack("<I", audio.data[4:8])[0] == len(audio.data) - 8
        assert struct.unpack("<I", audio.data[40:44])[0] == len(audio.data) - 44
    assert ava.data != george.data


@needs_espeak
def test_a_faster_preview_is_shorter(sandbox: SandboxVoice) -> None:
    slow = sandbox.preview("sandbox-noah", TEXT, VoiceSettings(speed=0.7))
    fast = sandbox.preview("sandbox-noah", TEXT, VoiceSettings(speed=1.2))
    assert len(fast.data) < len(slow.data) * 0.8


@pytest.mark.usefixtures("no_espeak")
def test_without_espeak_a_preview_says_why(sandbox: SandboxVoice) -> None:
    with pytest.raises(PreviewUnavailable) as raised:
        sandbox.preview("sandbox-ava", "x" * 500, VoiceSettings())  # the longest text allowed
    assert str(raised.value) == UNAVAILABLE
    assert isinstance(raised.value, Unavailable)
    assert raised.value.status == 503
    with pytest.raises(PreviewUnavailable, match=UNAVAILABLE):
        sandbox.design(DESCRIPTION, TEXT)
    assert len(sandbox.voices(VoiceQuery())) == 12  # voices can still be listed and chosen


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_preview_text_must_be_there_and_short(sandbox: SandboxVoice, text: str) -> None:
    with pytest.raises(BadRequest):
        sandbox.preview("sandbox-ava", text, VoiceSettings())
    with pytest.raises(BadRequest):
        sandbox.design(DESCRIPTION, text)


def test_an_unknown_voice_is_not_found(sandbox: SandboxVoice) -> None:
    with pytest.raises(ProviderNotFound):
        sandbox.preview("sandbox-nobody", TEXT, VoiceSettings())
    with pytest.raises(ProviderNotFound):
        # well formed, but not a language voice the sandbox hands out
        sandbox.preview("sandbox-gen.xx-evil.f2.50.175", TEXT, VoiceSettings())


def test_designed_candidates_follow_the_description() -> None:
    deep_man = design_speakers(DESCRIPTION)
    bright_woman = design_speakers("A bright, cheerful young American woman, upbeat")
    assert design_speakers(DESCRIPTION) == deep_man
    assert len(deep_man) == len(set(deep_man)) == 3
    assert {s.language_voice for s in deep_man} == {"en-gb"}
    assert all(s.variant.startswith("m") for s in deep_man)
    assert all(s.variant.startswith("f") for s in bright_woman)
    assert max(s.pitch for s in deep_man) < min(s.pitch for s in bright_woman)
    assert max(s.words_per_minute for s in deep_man) < min(s.words_per_minute for s in bright_woman)
    spanish = design_speakers("Una voz cálida: a friendly Mexican receptionist")
    assert {s.language_voice for s in spanish} == {"es-419"}
    both = design_speakers("A friendly receptionist for a busy dental office")
    assert [s.variant[0] for s in both] == ["f", "m", "f"]


@needs_espeak
def test_a_design_is_deterministic_and_its_previews_differ(sandbox: SandboxVoice) -> None:
    first = sandbox.design(DESCRIPTION, TEXT)
    again = SandboxVoice().design(DESCRIPTION, TEXT)
    assert (first.description, first.text) == (DESCRIPTION, TEXT)
    assert [p.generated_voice_id for p in first.previews] == [
        p.generated_voice_id for p in again.previews
    ]
    assert [p.audio.data for p in first.previews] == [p.audio.data for p in again.previews]
    assert len({p.audio.data for p in first.previews}) == 3
    assert all(p.audio.content_type == "audio/wav" for p in first.previews)
    assert all((p.duration_seconds or 0) > 1 for p in first.previews)


@needs_espeak
def test_a_kept_design_is_a_voice_any_sandbox_can_speak(sandbox: SandboxVoice) -> None:
    chosen = sandbox.design(DESCRIPTION, TEXT).previews[2]
    voice = sandbox.create_designed(chosen.generated_voice_id, "Counsel", DESCRIPTION)
    assert voice.category == "designed"
    assert (voice.name, voice.description) == ("Counsel", DESCRIPTION)
    assert (voice.language, voice.accent, voice.gender) == ("en", "british", "male")
    assert voice in sandbox.voices(VoiceQuery(accent="british", gender="male"))
    # after a restart: a new sandbox still speaks it, as the candidate sounded
    spoken = SandboxVoice().preview(voice.voice_id, TEXT, VoiceSettings())
    assert spoken.data == chosen.audio.data


def test_a_design_is_kept_from_its_generated_id_alone() -> None:
    speaker = design_speakers(DESCRIPTION)[0]
    generated = (
        f"sandbox-gen.{speaker.language_voice}.{speaker.variant}.{speaker.pitch}."
        f"{speaker.words_per_minute}"
    )
    voice = SandboxVoice().create_designed(generated, "Counsel", DESCRIPTION)
    assert voice.voice_id.startswith("sandbox-designed.en-gb.")
    other = SandboxVoice().create_designed(generated, "Barrister", DESCRIPTION)
    assert other.voice_id != voice.voice_id


@pytest.mark.parametrize(
    ("generated_id", "name", "description", "error"),
    [
        ("sandbox-ava", "Ava 2", DESCRIPTION, ProviderNotFound),
        ("sandbox-gen.en-gb.m3", "Counsel", DESCRIPTION, ProviderNotFound),
        ("sandbox-gen.en-gb.zz9.40.150", "Counsel", DESCRIPTION, ProviderNotFound),
        ("sandbox-gen.en-gb.m3.40.150", " ", DESCRIPTION, BadRequest),
        ("sandbox-gen.en-gb.m3.40.150", "Counsel", "deep", BadRequest),
    ],
)
def test_keeping_a_design_needs_a_real_candidate_a_name_and_a_description(
    sandbox: SandboxVoice,
    generated_id: str,
    name: str,
    description: str,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        sandbox.create_designed(generated_id, name, description)
