"""The engine that needs no model: the rules of engine.py, spoken a word at a time.

In a language other than English, the fixed sentences (not knowing, offering a message or a
transfer, transferring, taking a message) are said in the caller's language from phrases.py,
and a caller asking for a person or to leave a message in that language is understood; facts
are said in the knowledge base's own words."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace

from voice_platform.conversation.engine import answer
from voice_platform.conversation.language import intent_in
from voice_platform.conversation.phrases import base_language, has_phrases, phrase
from voice_platform.conversation.turns import Turn, TurnContext, off_the_loop
from voice_platform.knowledge.schemas import KnowledgeBase

SPOKEN_PIECE = re.compile(r"\S+\s*")


def offer_key(kb: KnowledgeBase) -> str:
    """As engine.offer: a transfer is offered when there is a number, or no messages."""
    e = kb.categories.escalation
    return "offer_both" if e.transfer_number or not e.take_messages else "offer_message"


def in_language(turn: Turn, context: TurnContext) -> Turn:
    """The rules' Turn with its fixed sentences in the context's language."""
    language = context.language
    if turn.action == "message":
        # The call then takes the message step by step, starting with the caller's name.
        return replace(turn, text=phrase("message", language))
    if base_language(language) == "en" or not has_phrases(language):
        return turn
    if turn.action == "handoff":
        return replace(turn, text=phrase("handoff", language))
    if turn.action == "unknown":
        if not context.question.strip():
            return replace(turn, text=phrase("how_can_help", language))
        said = f"{phrase('unknown', language)} {phrase(offer_key(context.kb), language)}"
        return replace(turn, text=said)
    return turn


def within_reach(turn: Turn, context: TurnContext) -> Turn:
    """Offer and promise a transfer only when the call can make one now; otherwise the
    dialogue says why not and takes a message."""
    if context.transfer_available:
        return turn
    if turn.action == "handoff":
        return replace(turn, text="")
    if turn.action == "unknown" and context.question.strip():
        said = f"{phrase('unknown', context.language)} {phrase('offer_message', context.language)}"
        return replace(turn, text=said)
    return turn


def rules_turn(context: TurnContext) -> Turn:
    if base_language(context.language) != "en":
        asked = intent_in(context.question, context.language)
        if asked is not None:
            return within_reach(in_language(Turn(asked, ""), context), context)
    turn = answer(context.question, context.kb, context.retriever, now=context.now)
    return within_reach(in_language(turn, context), context)


class RulesEngine:
    async def reply(self, context: TurnContext) -> AsyncIterator[str | Turn]:
        turn = await off_the_loop(rules_turn, context)
        for piece in SPOKEN_PIECE.findall(turn.text):
            yield piece
        yield turn
