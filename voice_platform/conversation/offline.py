"""The engine that needs no model: the rules of engine.py, spoken a word at a time."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from voice_platform.conversation.engine import answer
from voice_platform.conversation.turns import Turn, TurnContext

SPOKEN_PIECE = re.compile(r"\S+\s*")


class RulesEngine:
    async def reply(self, context: TurnContext) -> AsyncIterator[str | Turn]:
        turn = answer(context.question, context.kb, context.retriever, now=context.now)
        for piece in SPOKEN_PIECE.findall(turn.text):
            yield piece
        yield turn
