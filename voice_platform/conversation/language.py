"""Which language the caller speaks, and answering in it.

Detection is offline: py3langid (a maintained fork of langid.py: a naive Bayes model over
byte n-grams, shipped in its wheel, about 5 MB; some hundredths of a millisecond a call once
loaded), restricted to the languages the agent may speak. A call does not flip on a word:
the caller must say enough (MIN_WORDS words, MIN_LETTERS letters) and the detector must be
sure (MIN_CONFIDENCE); the language the speech-to-text reports (the relay's `lang`) wins when
it names another allowed language.

`LanguageAware(engine)` wraps any engine: it decides the caller's language for the turn, gives
the engine the context in that language, and marks the Turn with the new language when the
caller switched, so the call switches the relay's speech and transcription languages."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any, Literal

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from voice_platform.conversation.phrases import base_language
from voice_platform.conversation.turns import Engine, Turn, TurnContext

# A caller must say this much before the call changes language on their words alone.
MIN_WORDS = 2
MIN_LETTERS = 10
MIN_CONFIDENCE = 0.8

# The region each language is spoken with when the agent's list names none. The platform's
# businesses are mostly in the Americas: Spanish of the US, Portuguese of Brazil.
DEFAULT_REGION = {
    "en": "en-US",
    "es": "es-US",
    "fr": "fr-FR",
    "de": "de-DE",
    "it": "it-IT",
    "pt": "pt-BR",
    "nl": "nl-NL",
    "pl": "pl-PL",
    "ja": "ja-JP",
    "ko": "ko-KR",
    "zh": "zh-CN",
    "hi": "hi-IN",
    "ru": "ru-RU",
    "sv": "sv-SE",
}
NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "pl": "Polish",
    "ja": "Japanese",
    "ko": "Korean",
    "zh": "Chinese",
    "hi": "Hindi",
    "ru": "Russian",
    "sv": "Swedish",
}
LETTER = re.compile(r"[^\W\d_]")

# What a caller says to reach a person or leave a message, in the languages other than
# English (the rules engine knows English's).
Intent = Literal["handoff", "message"]
INTENTS: dict[str, dict[Intent, re.Pattern[str]]] = {
    "es": {
        "handoff": re.compile(
            r"\b(hablar con (una persona|alguien|un humano|el gerente|la gerente|el encargado"
            r"|la encargada|el due[ñn]o|la due[ñn]a)|persona real|transfi[eé]r\w*|transferir\w*"
            r"|comun[ií]queme|comunicarme con|p[aá]seme|operador\w*|recepcionista)\b"
        ),
        "message": re.compile(
            r"\b(dejar (un |el )?(mensaje|recado)|tom(ar|e) (un )?(mensaje|recado)"
            r"|devuelvan? la llamada|que me llamen?)\b"
        ),
    },
    "fr": {
        "handoff": re.compile(
            r"\b(parler (à|a) (quelqu'un|une personne|un humain|un responsable|la direction"
            r"|le gérant|la gérante)|vraie personne|personne réelle|transf[ée]r\w*|passez-moi"
            r"|me passer)\b"
        ),
        "message": re.compile(
            r"\b(laisser (un )?message|prendre (un )?message|me rappeler|qu'on me rappelle)\b"
        ),
    },
    "de": {
        "handoff": re.compile(
            r"\b(mit (jemandem|einem menschen|einer person|dem chef|der chefin"
            r"|dem geschäftsführer|der geschäftsführerin) sprechen|echten? (menschen|person)"
            r"|verbinden sie mich|weiterleiten|durchstellen)\b"
        ),
        "message": re.compile(
            r"\b(nachricht (hinterlassen|aufnehmen|dalassen)|rückruf|zurückrufen)\b"
        ),
    },
    "it": {
        "handoff": re.compile(
            r"\b(parlare con (qualcuno|una persona|un operatore|il responsabile"
            r"|la responsabile|il titolare|la titolare)|persona reale|trasferir\w*|passarmi"
            r"|mi passi|operatore)\b"
        ),
        "message": re.compile(
            r"\b(lasciare (un )?messaggio|prendere (un )?messaggio|richiamarmi"
            r"|mi richiam\w*)\b"
        ),
    },
    "pt": {
        "handoff": re.compile(
            r"\b(falar com (algu[ée]m|uma pessoa|um atendente|o gerente|a gerente"
            r"|o respons[aá]vel|o dono|a dona)|pessoa de verdade|pessoa real|transferir\w*"
            r"|atendente)\b"
        ),
        "message": re.compile(
            r"\b(deixar (um )?recado|deixar (uma )?mensagem|anotar (um )?recado"
            r"|me ligar de volta|retornar a liga[çc][ãa]o)\b"
        ),
    },
}


@lru_cache(maxsize=1)
def identifier() -> LanguageIdentifier:
    """The detector over every language it knows (loading takes about half a second)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@lru_cache(maxsize=32)
def restricted(codes: tuple[str, ...]) -> LanguageIdentifier:
    """A detector that chooses among `codes` only; it shares the model with the others."""
    found = copy.copy(identifier())
    found.set_languages(list(codes))
    return found


def warm() -> None:
    """Load the detector now (at start-up), not on a caller's first words."""
    identifier()


def known(languages: Iterable[str]) -> tuple[str, ...]:
    """The bare codes of `languages` the detector knows, sorted, each once."""
    labels = set(identifier().labels)
    return tuple(sorted({base_language(c) for c in languages} & labels))


def bcp47(language: str, languages: Sequence[str] = ()) -> str:
    """A language as the relay takes it: "es" → "es-US", or the region the agent's list
    gives it ("es-MX" in the list → "es-MX"); a code with a region keeps it."""
    parts = language.replace("_", "-").split("-")
    code = parts[0].lower()
    if len(parts) > 1 and parts[1]:
        return f"{code}-{parts[1].upper()}"
    for entry in languages:
        entry_parts = entry.replace("_", "-").split("-")
        if entry_parts[0].lower() == code and len(entry_parts) > 1 and entry_parts[1]:
            return f"{code}-{entry_parts[1].upper()}"
    return DEFAULT_REGION.get(code, code)


def language_name(language: str) -> str:
    code = base_language(language)
    return NAMES.get(code, code)


def says_enough(text: str) -> bool:
    return len(text.split()) >= MIN_WORDS and len(LETTER.findall(text)) >= MIN_LETTERS


def detect(text: str, languages: Sequence[str]) -> tuple[str, float] | None:
    """The bare code of the language `text` is in, among `languages`, and how sure the
    detector is (0..1); None when the text is too short to tell or fewer than two languages
    are allowed."""
    codes = known(languages)
    if len(codes) < 2 or not says_enough(text):
        return None
    code, confidence = restricted(codes).classify(text)
    return str(code), float(confidence)


def caller_language(
    text: str, *, current: str, languages: Sequence[str], heard: str | None = None
) -> str:
    """The call's language (BCP-47) after the caller said `text`: `current` unless the
    speech-to-text heard another allowed language, or the words are surely in one."""
    allowed = {base_language(c) for c in languages}
    now = base_language(current)
    if heard and base_language(heard) in allowed and base_language(heard) != now:
        return bcp47(heard, languages)
    found = detect(text, languages)
    if found and found[0] != now and found[0] in allowed and found[1] >= MIN_CONFIDENCE:
        return bcp47(found[0], languages)
    return current


def intent_in(text: str, language: str) -> Intent | None:
    """Whether a caller speaking `language` (not English) asks for a person or to leave a
    message; the rules engine reads English itself."""
    patterns = INTENTS.get(base_language(language))
    if not patterns:
        return None
    said = " ".join(text.lower().replace("\u2019", "'").split())
    if patterns["message"].search(said):
        return "message"
    if patterns["handoff"].search(said):
        return "handoff"
    return None


async def close(stream: AsyncIterator[Any]) -> None:
    """Close an async iterator that can be closed (an async generator), at once."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


class LanguageAware:
    """Any engine, answering in the caller's language (see the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def reply(self, context: TurnContext) -> AsyncIterator[str | Turn]:
        language = caller_language(
            context.question,
            current=context.language,
            languages=context.languages,
            heard=context.heard_language,
        )
        switched = language if language != context.language else None
        inner = self.engine.reply(replace(context, language=language))
        try:
            async for item in inner:
                if isinstance(item, Turn) and switched and item.language is None:
                    item = replace(item, language=switched)
                yield item
        finally:
            await close(inner)
