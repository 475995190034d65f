"""The offline voice provider: a built-in catalogue of voices, previews spoken by espeak-ng
where it is installed, and voices "designed" from a description by picking espeak-ng
parameters from its words.

Designed voices carry their espeak-ng parameters in their ids, so any instance (after a
restart, in another worker) can speak a voice that an earlier one designed."""

from __future__ import annotations

import hashlib
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass

from voice_platform.providers.errors import BadRequest, ProviderNotFound, Unavailable
from voice_platform.providers.voice.base import (
    Audio,
    Design,
    DesignedPreview,
    Voice,
    VoiceQuery,
    VoiceSettings,
)

MAX_TEXT_CHARACTERS = 500
# ElevenLabs refuses descriptions outside these bounds; the sandbox asks the same.
MIN_DESCRIPTION_CHARACTERS = 20
MAX_DESCRIPTION_CHARACTERS = 1000
ESPEAK = "espeak-ng"
ESPEAK_TIMEOUT_SECONDS = 20.0
DEFAULT_WORDS_PER_MINUTE = 175  # espeak-ng's own default rate


class PreviewUnavailable(Unavailable):
    """No speech engine on this server: the voices can be listed and chosen, not heard."""

    def __init__(
        self,
        message: str = "Voice previews are unavailable: espeak-ng is not installed on this server.",
    ) -> None:
        super().__init__(message)


def checked_text(text: str) -> str:
    """What a preview says: not empty, and short, as previews at ElevenLabs spend credits."""
    text = text.strip()
    if not text:
        raise BadRequest("Type what the voice should say.")
    if len(text) > MAX_TEXT_CHARACTERS:
        raise BadRequest(
            f"A preview says at most {MAX_TEXT_CHARACTERS} characters; this text has {len(text)}."
        )
    return text


def checked_description(description: str) -> str:
    description = description.strip()
    if not MIN_DESCRIPTION_CHARACTERS <= len(description) <= MAX_DESCRIPTION_CHARACTERS:
        raise BadRequest(
            f"Describe the voice in {MIN_DESCRIPTION_CHARACTERS} to "
            f"{MAX_DESCRIPTION_CHARACTERS} characters, e.g. "
            "'a warm, calm British woman in her forties'."
        )
    return description


def normalised(value: str) -> str:
    """Labels compare without case, spaces or hyphens: "Middle-aged" is "middle_aged"."""
    return re.sub(r"[\s-]+", "_", value.strip().lower())


def language_code(value: str) -> str:
    """The language of a tag, for comparing: "en-GB", "en_us" and "EN" are all "en"."""
    return re.split(r"[-_\s]", value.strip().lower())[0]


@dataclass(frozen=True)
class Speaker:
    """How espeak-ng says a voice: a language voice with a variant, a pitch (0-99) and
    words per minute at speed 1.0."""

    language_voice: str  # e.g. "en-gb"
    variant: str  # e.g. "f3"
    pitch: int
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE

    def command(self, executable: str, speed: float) -> list[str]:
        rate = min(450, max(80, round(self.words_per_minute * speed)))
        # The text goes in on stdin: on the command line, text starting with "-" is an option.
        return [
            executable,
            "--stdout",
            "-v",
            f"{self.language_voice}+{self.variant}",
            "-s",
            str(rate),
            "-p",
            str(self.pitch),
            "--stdin",
        ]


@dataclass(frozen=True)
class Accent:
    language: str
    accent: str
    language_voice: str


ACCENTS = {
    "american": Accent("en", "american", "en-us"),
    "british": Accent("en", "british", "en-gb"),
    "scottish": Accent("en", "scottish", "en-gb-scotland"),
    "caribbean": Accent("en", "caribbean", "en-029"),
    "castilian": Accent("es", "castilian", "es"),
    "latin_american": Accent("es", "latin_american", "es-419"),
    "parisian": Accent("fr", "parisian", "fr-fr"),
    "belgian": Accent("fr", "belgian", "fr-be"),
    "german": Accent("de", "german", "de"),
    "brazilian": Accent("pt", "brazilian", "pt-br"),
}
VARIANTS = {
    ("female", "young"): ("f3", "f4", "f5"),
    ("female", "middle_aged"): ("f2", "f4", "f5"),
    ("female", "old"): ("f1", "f2", "f4"),
    ("male", "young"): ("m3", "m6", "m2"),
    ("male", "middle_aged"): ("m2", "m4", "m7"),
    ("male", "old"): ("m1", "m4", "m8"),
}
KNOWN_VARIANTS = {variant for variants in VARIANTS.values() for variant in variants}


def catalogue_voice(
    name: str,
    accent: str,
    gender: str,
    age: str,
    use_case: str,
    variant: str,
    pitch: int,
    description: str,
) -> tuple[Voice, Speaker]:
    where = ACCENTS[accent]
    voice = Voice(
        voice_id=f"sandbox-{name.lower()}",
        name=name,
        language=where.language,
        accent=accent,
        gender=gender,
        age=age,
        use_case=use_case,
        description=description,
    )
    return voice, Speaker(where.language_voice, variant, pitch)


CATALOGUE = [
    catalogue_voice("Ava", "american", "female", "young", "conversational", "f3", 62,
                    "Bright and friendly; quick to smile."),
    catalogue_voice("Noah", "american", "male", "middle_aged", "conversational", "m3", 42,
                    "Calm, steady and reassuring."),
    catalogue_voice("Olivia", "british", "female", "middle_aged", "narration", "f2", 55,
                    "Clear, warm storyteller."),
    catalogue_voice("George", "british", "male", "old", "narration", "m1", 34,
                    "Deep, unhurried and kind."),
    catalogue_voice("Isla", "scottish", "female", "young", "customer_service", "f4", 66,
                    "Lively and helpful."),
    catalogue_voice("Marcus", "caribbean", "male", "young", "conversational", "m6", 48,
                    "Easy-going and upbeat."),
    catalogue_voice("Lucia", "castilian", "female", "middle_aged", "customer_service", "f5", 58,
                    "Profesional y cercana."),
    catalogue_voice("Mateo", "latin_american", "male", "young", "conversational", "m2", 46,
                    "Cálido y natural."),
    catalogue_voice("Camille", "parisian", "female", "young", "conversational", "f2", 64,
                    "Douce et souriante."),
    catalogue_voice("Louis", "belgian", "male", "middle_aged", "narration", "m4", 38,
                    "Posé et chaleureux."),
    catalogue_voice("Greta", "german", "female", "old", "customer_service", "f1", 50,
                    "Freundlich und geduldig."),
    catalogue_voice("Rafael", "brazilian", "male", "middle_aged", "customer_service", "m7", 44,
                    "Simpático e claro."),
]  # fmt: skip

# Words of a description and what they make of a designed voice.
ACCENT_WORDS = {
    "american": "american", "british": "british", "london": "british", "uk": "british",
    "scottish": "scottish", "caribbean": "caribbean",
    "jamaican": "caribbean", "spanish": "castilian", "castilian": "castilian",
    "spain": "castilian", "mexican": "latin_american", "latin": "latin_american",
    "latina": "latin_american", "latino": "latin_american", "french": "parisian",
    "parisian": "parisian", "belgian": "belgian", "german": "german", "brazilian": "brazilian",
    "portuguese": "brazilian",
}  # fmt: skip
GENDER_WORDS = {
    "female": "female", "woman": "female", "women": "female", "girl": "female",
    "lady": "female", "feminine": "female", "she": "female", "her": "female",
    "male": "male", "man": "male", "men": "male", "guy": "male", "boy": "male",
    "gentleman": "male", "masculine": "male", "he": "male", "his": "male", "him": "male",
}  # fmt: skip
AGE_WORDS = {
    "young": "young", "youthful": "young", "teen": "young", "teenage": "young",
    "student": "young", "twenties": "young", "middle-aged": "middle_aged",
    "mature": "middle_aged", "thirties": "middle_aged", "forties": "middle_aged",
    "fifties": "middle_aged", "old": "old", "older": "old", "elderly": "old", "senior": "old",
    "aged": "old", "grandmother": "old", "grandfather": "old", "sixties": "old",
}  # fmt: skip
PITCH_WORDS = {
    "deep": -12, "low": -10, "bass": -14, "husky": -8, "gravelly": -10, "warm": -4,
    "high": 10, "bright": 8, "light": 6, "cheerful": 6, "bubbly": 10, "squeaky": 14,
}  # fmt: skip
PACE_WORDS = {
    "calm": -20, "slow": -30, "soothing": -20, "relaxed": -15, "gentle": -15, "warm": -10,
    "unhurried": -25, "fast": 30, "energetic": 25, "upbeat": 20, "lively": 20, "excited": 30,
    "quick": 25, "brisk": 20,
}  # fmt: skip
BASE_PITCH = {"female": 60, "male": 40}
AGE_PITCH = {"young": 6, "middle_aged": 0, "old": -8}
# Three candidates: each its own variant, a little lower or higher and slower or faster.
CANDIDATE_SHIFTS = ((0, 0), (-6, 10), (6, -10))

GENERATED_PREFIX = "sandbox-gen"
DESIGNED_PREFIX = "sandbox-designed"
DESIGNED_ID = re.compile(
    r"^(sandbox-gen|sandbox-designed)\.([a-z0-9-]+)\.([a-z][a-z0-9]*)\.(\d{1,2})\.(\d{2,3})"
    r"(\.[0-9a-f]{8})?$"
)


def speaker_id(prefix: str, speaker: Speaker) -> str:
    parts = (speaker.language_voice, speaker.variant, speaker.pitch, speaker.words_per_minute)
    return ".".join([prefix, *map(str, parts)])


def speaker_from_id(voice_id: str) -> Speaker | None:
    """The espeak-ng parameters in a designed voice's id; None for an id this sandbox never
    hands out, so nothing unexpected reaches the espeak-ng command line."""
    found = DESIGNED_ID.match(voice_id)
    if not found:
        return None
    language_voice, variant = found.group(2), found.group(3)
    pitch, rate = int(found.group(4)), int(found.group(5))
    known_voices = {accent.language_voice for accent in ACCENTS.values()}
    if language_voice not in known_voices or variant not in KNOWN_VARIANTS or rate < 80:
        return None
    return Speaker(language_voice, variant, pitch, rate)


def accent_of(speaker: Speaker) -> Accent:
    return next(a for a in ACCENTS.values() if a.language_voice == speaker.language_voice)


def gender_of(speaker: Speaker) -> str:
    return "female" if speaker.variant.startswith("f") else "male"


def words_of(description: str) -> list[str]:
    text = description.lower().replace("middle aged", "middle-aged")
    return re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)*", text)


def first(words: list[str], table: dict[str, str]) -> str | None:
    return next((table[word] for word in words if word in table), None)


def design_speakers(description: str) -> list[Speaker]:
    """Three candidates for a description; the same description always gives the same ones."""
    words = words_of(description)
    accent = ACCENTS[first(words, ACCENT_WORDS) or "american"]
    gender = first(words, GENDER_WORDS)
    age = first(words, AGE_WORDS) or "middle_aged"
    pitch_shift = sum(PITCH_WORDS.get(word, 0) for word in set(words))
    pace = DEFAULT_WORDS_PER_MINUTE + sum(PACE_WORDS.get(word, 0) for word in set(words))
    # Without a gender in the description, offer both.
    genders = [gender] * 3 if gender else ["female", "male", "female"]
    speakers = []
    for n, (pitch_step, pace_step) in enumerate(CANDIDATE_SHIFTS):
        candidate_gender = genders[n]
        pitch = BASE_PITCH[candidate_gender] + AGE_PITCH[age] + pitch_shift + pitch_step
        speakers.append(
            Speaker(
                accent.language_voice,
                VARIANTS[(candidate_gender, age)][n],
                min(99, max(0, pitch)),
                min(300, max(100, pace + pace_step)),
            )
        )
    return speakers


def with_true_sizes(wav: bytes) -> bytes:
    """espeak-ng writing to a pipe cannot go back to fill in the RIFF and data sizes, and
    leaves placeholders that some players refuse; this writes the real ones."""
    if len(wav) < 44 or wav[:4] != b"RIFF" or wav[36:40] != b"data":
        return wav
    return (
        b"RIFF"
        + struct.pack("<I", len(wav) - 8)
        + wav[8:40]
        + struct.pack("<I", len(wav) - 44)
        + wav[44:]
    )


def wav_seconds(wav: bytes) -> float | None:
    if len(wav) < 44:
        return None
    byte_rate = struct.unpack("<I", wav[28:32])[0]
    return round((len(wav) - 44) / byte_rate, 2) if byte_rate else None


def speak(speaker: Speaker, text: str, speed: float = 1.0) -> Audio:
    executable = shutil.which(ESPEAK)
    if executable is None:
        raise PreviewUnavailable()
    try:
        finished = subprocess.run(  # noqa: S603 (a fixed program, arguments from known values)
            speaker.command(executable, speed),
            input=text.encode(),
            capture_output=True,
            timeout=ESPEAK_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise Unavailable("The sandbox speech engine took too long to speak the preview.") from exc
    if finished.returncode != 0 or not finished.stdout.startswith(b"RIFF"):
        problem = finished.stderr.decode(errors="replace").strip() or "no audio"
        raise Unavailable(f"The sandbox speech engine could not speak the preview: {problem}")
    return Audio(with_true_sizes(finished.stdout), "audio/wav")


def matches(voice: Voice, query: VoiceQuery) -> bool:
    wanted = {
        "language": query.language and language_code(query.language),
        "accent": query.accent,
        "gender": query.gender,
        "age": query.age,
        "use_case": query.use_case,
    }
    for label, value in wanted.items():
        have = getattr(voice, label)
        if value and (have is None or normalised(have) != normalised(value)):
            return False
    if query.search:
        fields = (voice.name, voice.description, voice.accent, voice.gender, voice.age,
                  voice.use_case, voice.language)  # fmt: skip
        haystack = " ".join(normalised(f) for f in fields if f)
        return all(normalised(word) in haystack for word in query.search.split())
    return True


class SandboxVoice:
    name = "sandbox"

    def __init__(self) -> None:
        self.speakers: dict[str, Speaker] = {voice.voice_id: s for voice, s in CATALOGUE}
        self.designed: dict[str, Voice] = {}

    def catalogue(self) -> list[Voice]:
        return [voice for voice, _ in CATALOGUE] + list(self.designed.values())

    def voices(self, query: VoiceQuery) -> list[Voice]:
        return [voice for voice in self.catalogue() if matches(voice, query)]

    def speaker(self, voice_id: str) -> Speaker:
        speaker = self.speakers.get(voice_id) or speaker_from_id(voice_id)
        if speaker is None:
            raise ProviderNotFound(f"There is no sandbox voice {voice_id!r}.")
        return speaker

    def preview(self, voice_id: str, text: str, settings: VoiceSettings) -> Audio:
        # espeak-ng has nothing like stability or similarity; only the speed carries over.
        speaker = self.speaker(voice_id)
        return speak(speaker, checked_text(text), settings.speed)

    def design(self, description: str, text: str) -> Design:
        description, text = checked_description(description), checked_text(text)
        previews = []
        for speaker in design_speakers(description):
            audio = speak(speaker, text)
            previews.append(
                DesignedPreview(
                    generated_voice_id=speaker_id(GENERATED_PREFIX, speaker),
                    audio=audio,
                    duration_seconds=wav_seconds(audio.data),
                )
            )
        return Design(description=description, text=text, previews=previews)

    def create_designed(self, generated_voice_id: str, name: str, description: str) -> Voice:
        speaker = speaker_from_id(generated_voice_id)
        if speaker is None or not generated_voice_id.startswith(GENERATED_PREFIX + "."):
            raise ProviderNotFound(f"There is no designed voice {generated_voice_id!r} to keep.")
        name, description = name.strip(), checked_description(description)
        if not name:
            raise BadRequest("Give the voice a name.")
        # The same candidate kept twice under two names is two voices, as at ElevenLabs.
        suffix = hashlib.sha256(f"{name}|{description}".encode()).hexdigest()[:8]
        voice_id = f"{speaker_id(DESIGNED_PREFIX, speaker)}.{suffix}"
        accent = accent_of(speaker)
        voice = Voice(
            voice_id=voice_id,
            name=name,
            language=accent.language,
            accent=accent.accent,
            gender=gender_of(speaker),
            description=description,
            category="designed",
        )
        self.designed[voice_id] = voice
        return voice
