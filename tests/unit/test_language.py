"""The caller's language (#8): detected offline among the agent's languages, never flipped by a
word or two, the speech-to-text's report preferred; the fixed phrases in six languages; and
engines answering in the caller's language."""

from __future__ import annotations

import time
from typing import Any

import pytest

from voice_platform.conversation.language import (
    LanguageAware,
    bcp47,
    caller_language,
    detect,
    intent_in,
    warm,
)
from voice_platform.conversation.model_engine import ModelEngine
from voice_platform.conversation.offline import RulesEngine
from voice_platform.conversation.phrases import ENGLISH, TABLES, fields_of, phrase
from voice_platform.conversation.retrieval import Retriever
from voice_platform.conversation.turns import Turn, TurnContext
from voice_platform.knowledge.schemas import (
    Categories,
    Escalation,
    KnowledgeBase,
    Price,
    PriceItem,
    Pricing,
)
from voice_platform.providers.llm.base import Message
from voice_platform.providers.llm.sandbox import LocalChat

SIX = ("en", "es", "fr", "de", "it", "pt")
SENTENCES = {
    "en": ["Do you open on Saturday mornings?", "I'd like to book an appointment for tomorrow"],
    "es": ["¿Están abiertos el sábado?", "Quiero hacer una cita para mañana"],
    "fr": ["Êtes-vous ouverts le samedi ?", "je voudrais prendre rendez-vous"],
    "de": ["Haben Sie am Samstag geöffnet?", "Ich möchte einen Termin vereinbaren"],
    "it": ["Siete aperti il sabato?", "vorrei prendere un appuntamento"],
    "pt": ["Vocês abrem no sábado?", "eu gostaria de marcar uma consulta"],
}
# English a caller might say that has foreign words in it: none may switch an English call.
STAYS_ENGLISH = [
    "hola",
    "Hola, do you have Spanish speaking staff?",
    "my name is José Martinez",
    "Bonjour, is this the bakery?",
    "Do you do croissants?",
    "I live on Calle Ocho",
    "Ciao",
    "Gracias, bye",
    "okay",
    "sí",
    "the number is 305 555 1212",
]


@pytest.mark.parametrize("language", SIX)
def test_each_language_is_detected(language: str) -> None:
    for sentence in SENTENCES[language]:
        found = detect(sentence, SIX)
        assert found is not None
        assert found[0] == language, sentence
        assert caller_language(sentence, current="en-US", languages=SIX).startswith(language)


def test_a_word_or_two_does_not_switch_the_call() -> None:
    for said in STAYS_ENGLISH:
        assert caller_language(said, current="en-US", languages=SIX) == "en-US", said
    assert detect("hola", SIX) is None  # too short to tell
    # and a Spanish call does not flip back to English on an "okay"
    assert caller_language("okay", current="es-US", languages=SIX) == "es-US"


def test_only_the_agents_languages_count() -> None:
    spanish = "Quiero hacer una cita para mañana"
    assert caller_language(spanish, current="en-US", languages=("en",)) == "en-US"
    assert caller_language(spanish, current="en-US", languages=("en", "fr")) == "en-US"
    assert caller_language(spanish, current="en-US", languages=("en", "es")) == "es-US"
    assert detect(spanish, ("en",)) is None


def test_what_the_speech_to_text_heard_comes_first() -> None:
    said = "Do you open on Saturday mornings?"
    heard = caller_language(said, current="en-US", languages=("en", "es-MX"), heard="es-MX")
    assert heard == "es-MX"
    # the same language as now: the words decide; a language the agent lacks: ignored
    assert caller_language(said, current="es-US", languages=SIX, heard="es-US") == "en-US"
    assert caller_language(said, current="en-US", languages=("en",), heard="ja-JP") == "en-US"


def test_codes_for_the_relay() -> None:
    assert bcp47("es") == "es-US"
    assert bcp47("pt") == "pt-BR"
    assert bcp47("es", ("en", "es-es")) == "es-ES"
    assert bcp47("fr_ca") == "fr-CA"
    assert bcp47("de") == "de-DE"


def test_detection_takes_well_under_a_few_milliseconds() -> None:
    warm()
    sentences = [s for group in SENTENCES.values() for s in group] * 25
    started = time.perf_counter()
    for sentence in sentences:
        detect(sentence, SIX)
    each = (time.perf_counter() - started) / len(sentences)
    assert each < 0.002, f"{each * 1000:.3f} ms a call"


def test_every_language_has_every_phrase_with_the_same_fields() -> None:
    for code, table in TABLES.items():
        assert set(table) == set(ENGLISH), code
        for key, text in table.items():
            assert fields_of(text) == fields_of(ENGLISH[key]), (code, key)
            if code != "en":
                assert text != ENGLISH[key], (code, key)


def test_phrases_fill_fields_and_fall_back_to_english() -> None:
    said = phrase("read_back", "es-MX", name="Ana", number="555 0100", body="llámenme")
    assert said == "Se lo repito. Ana, al 555 0100: llámenme. ¿Es correcto?"
    assert phrase("goodbye", "ja-JP") == ENGLISH["goodbye"]
    assert phrase("still_there", "FR") == "Vous êtes toujours là ? Comment puis-je vous aider ?"
    with pytest.raises(KeyError):
        phrase("no such phrase", "en")
    with pytest.raises(KeyError):
        phrase("read_back", "en", name="Ana")


def test_asking_for_a_person_or_a_message_in_other_languages() -> None:
    assert intent_in("Quiero dejar un mensaje para la doctora", "es-US") == "message"
    assert intent_in("¿Puedo hablar con una persona?", "es") == "handoff"
    assert intent_in("Je voudrais laisser un message", "fr-FR") == "message"
    assert intent_in("Kann ich mit einem Menschen sprechen?", "de") == "handoff"
    assert intent_in("Vorrei lasciare un messaggio", "it") == "message"
    assert intent_in("Quero falar com uma pessoa", "pt-BR") == "handoff"
    assert intent_in("¿Cuánto cuesta una limpieza?", "es") is None
    assert intent_in("I want a person", "en") is None  # the rules read English themselves


@pytest.fixture
def kb() -> KnowledgeBase:
    return KnowledgeBase(
        business_name="Test Dental",
        categories=Categories(
            pricing=Pricing(items=[PriceItem(item="Teeth whitening", price=Price(amount=349))]),
            escalation=Escalation(transfer_number="+15550100"),
        ),
    )


def context(kb: KnowledgeBase, question: str, **kw: Any) -> TurnContext:
    fields: dict[str, Any] = {"languages": ("en", "es"), "transfer_available": True, **kw}
    return TurnContext(question=question, kb=kb, retriever=Retriever(kb, None), **fields)


async def last_turn(engine: Any, ctx: TurnContext) -> Turn:
    items = [item async for item in engine.reply(ctx)]
    turn = items[-1]
    assert isinstance(turn, Turn)
    assert " ".join("".join(str(i) for i in items[:-1]).split()) == turn.text
    return turn


async def test_the_rules_say_their_fixed_phrases_in_the_callers_language(
    kb: KnowledgeBase,
) -> None:
    engine = LanguageAware(RulesEngine())
    turn = await last_turn(engine, context(kb, "¿Tienen estacionamiento para bicicletas?"))
    assert turn.language == "es-US"
    assert turn.action == "unknown"
    assert turn.text == f"{phrase('unknown', 'es')} {phrase('offer_both', 'es')}"
    turn = await last_turn(engine, context(kb, "Quiero dejar un mensaje para la doctora"))
    assert (turn.action, turn.text) == ("message", phrase("message", "es"))
    turn = await last_turn(engine, context(kb, "quiero hablar con una persona", language="es-US"))
    assert (turn.action, turn.text, turn.language) == ("handoff", phrase("handoff", "es"), None)


async def test_an_english_call_stays_english_and_keeps_its_words(kb: KnowledgeBase) -> None:
    engine = LanguageAware(RulesEngine())
    turn = await last_turn(engine, context(kb, "hola"))
    assert turn.language is None
    assert turn.text == f"{ENGLISH['unknown']} {ENGLISH['offer_both']}"
    spanish_only_not_allowed = context(kb, "¿Tienen estacionamiento?", languages=("en",))
    turn = await last_turn(engine, spanish_only_not_allowed)
    assert turn.language is None
    assert "information" in turn.text


class RecordingChat(LocalChat):
    def __init__(self) -> None:
        self.sent: list[list[Message]] = []

    def stream(self, messages: Any, **kw: Any) -> Any:
        self.sent.append(list(messages))
        return super().stream(messages, **kw)


async def test_the_model_is_told_to_answer_in_the_callers_language(kb: KnowledgeBase) -> None:
    chat = RecordingChat()
    engine = LanguageAware(ModelEngine(chat))
    turn = await last_turn(engine, context(kb, "Bonjour, je voudrais prendre rendez-vous"))
    assert turn.language is None  # French is not among the agent's languages
    assert "answer in English" in chat.sent[-1][0]["content"]
    turn = await last_turn(engine, context(kb, "Hola, quiero hacer una cita para mañana"))
    assert turn.language == "es-US"
    assert "answer in Spanish" in chat.sent[-1][0]["content"]
