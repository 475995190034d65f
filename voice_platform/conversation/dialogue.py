"""One call, from greeting to goodbye, with no telephone attached.

The dialogue hears what the caller says (or types on the keypad, or their silence) and answers
with events: pieces of speech as they are produced, the end of each agent turn, a language
change, a message taken, and the end of the call (with the handoff data a transfer needs).
The relay WebSocket, the browser console and `voice-platform call` drive it alike.

Questions go to the engine (rules or model). The dialogue itself owns what must go the same
way whatever the engine: taking a message step by step and reading it back, deciding whether a
transfer can happen now (a number to transfer to, the after-hours rule), saying goodbye, and
what to do when the caller says nothing."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from voice_platform.conversation.engine import day_hours, local_now
from voice_platform.conversation.phrases import phrase
from voice_platform.conversation.turns import Engine, Speaker, Turn, TurnContext
from voice_platform.knowledge.schemas import KnowledgeBase

GOODBYE_SAID = re.compile(
    r"^(ok(ay)?[, ]*)?(thanks?( you)?[, ]*)?(good ?bye|bye( bye)?|that'?s (all|it)|"
    r"no,? (that'?s all|thanks?|thank you)|nothing else|hang up)\b"
)
YES_SAID = re.compile(
    r"\b(yes|yeah|yep|correct|right|sure|that'?s right|sounds good|ok(ay)?"
    r"|s[ií]|claro|correcto|oui|exact|ja|genau|richtig|certo|esatto|sim)\b"
)
NO_SAID = re.compile(r"\b(no|nope|wrong|incorrect|not right|non|nein|falsch|não|nao)\b")
NAME_LEAD = re.compile(
    r"^(hi|hello|hey|well|um+|uh+|so|yes|yeah)?[, ]*(my name is|my name's|this is|it's|it is"
    r"|i am|i'm|name'?s|call me)\s+",
    re.I,
)
DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
REPEATS = {"double": 2, "triple": 3}
MIN_PHONE_DIGITS = 7
SILENCES_BEFORE_HANGUP = 2
OPERATOR_DIGIT = "0"

Step = Literal["talk", "name", "number", "body", "confirm", "ended"]


@dataclass(frozen=True)
class Speech:
    """A piece of what the agent is saying, to be spoken at once."""

    text: str


@dataclass(frozen=True)
class AgentTurn:
    """The agent has finished a turn."""

    turn: Turn
    latency_ms: int


@dataclass(frozen=True)
class LanguageChange:
    language: str


@dataclass(frozen=True)
class MessageTaken:
    caller_name: str
    callback_number: str
    body: str


@dataclass(frozen=True)
class CallEnd:
    """The call is over for the agent. `handoff` is what the transfer (if any) needs."""

    reason: Literal["handoff", "caller", "agent", "silence"]
    handoff: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """How the call ended, for a person watching it."""
        if self.reason == "handoff":
            return f"transferred to {self.handoff.get('to') or 'a person'}"
        return ENDINGS[self.reason]


ENDINGS = {
    "caller": "the caller said goodbye",
    "agent": "the agent ended the call",
    "silence": "the caller said nothing",
}

Event = Speech | AgentTurn | LanguageChange | MessageTaken | CallEnd


@dataclass(frozen=True)
class CallSetup:
    """What a call knows before its first word."""

    kb: KnowledgeBase
    retriever: Any
    business: str = ""
    persona: str = ""
    greeting: str = ""
    languages: tuple[str, ...] = ("en",)
    language: str = "en-US"
    # Where a person can be reached, and whether transfers may happen when closed.
    transfer_to: str | None = None
    transfer_after_hours: bool = False
    take_messages: bool = True
    caller_number: str = ""


def is_open(kb: KnowledgeBase, now: datetime | None) -> bool | None:
    """Whether the business is open at `now` (its own time zone); None when unknown."""
    if kb.categories.hours.weekly is None:
        return None
    here = local_now(kb, now)
    intervals, _ = day_hours(kb, here.date())
    clock_now = f"{here:%H:%M}"
    return any(i.open <= clock_now < i.close for i in intervals)


def opening_line(
    greeting: str, business: str, kb: KnowledgeBase, *, take_messages: bool, now: datetime | None
) -> str:
    """The agent's greeting, and when the business is closed, what it can still do."""
    said = greeting or f"Thanks for calling {business}! How can I help you?"
    if take_messages and is_open(kb, now) is False:
        said = f"{said} {phrase('closed_now')}"
    return said


def digits_in(text: str) -> str:
    """The digits a caller said or typed: "five five five, 0 1 2 3" → "5550123", "double
    four" → "44"."""
    said: list[str] = []
    repeat = 1
    for word in re.findall(r"\d+|[a-z]+", text.lower()):
        if word in REPEATS:
            repeat = REPEATS[word]
            continue
        digits = word if word.isdigit() else DIGIT_WORDS.get(word, "")
        if digits:
            said.append(digits[0] * (repeat - 1) + digits)
        repeat = 1
    return "".join(said)


def spoken_number(number: str) -> str:
    """A phone number as it is read aloud: digit by digit, in groups."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        groups = [digits[:3], digits[3:6], digits[6:]]
    else:
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return ", ".join(" ".join(group) for group in groups)


def name_in(text: str) -> str:
    said = NAME_LEAD.sub("", " ".join(text.split())).strip(" .,!?")
    return said[:200]


class Dialogue:
    def __init__(
        self,
        setup: CallSetup,
        engine: Engine,
        *,
        clock: Callable[[], datetime | None] = lambda: None,
    ) -> None:
        self.setup = setup
        self.engine = engine
        self.clock = clock
        self.language = setup.language
        self.history: list[tuple[Speaker, str]] = []
        self.step: Step = "talk"
        self.silences = 0
        self.keyed = ""
        self.draft: dict[str, str] = {}

    def memory(self) -> dict[str, Any]:
        """Where the call is, as plain data (the browser console keeps it between turns)."""
        return {
            "language": self.language,
            "history": [list(entry) for entry in self.history],
            "step": self.step,
            "silences": self.silences,
            "keyed": self.keyed,
            "draft": dict(self.draft),
        }

    def recall(self, memory: dict[str, Any]) -> Dialogue:
        """Carry on from `memory()`."""
        self.language = str(memory.get("language") or self.language)
        self.history = [(speaker, text) for speaker, text in memory.get("history", [])]
        self.step = memory.get("step", "talk")
        self.silences = int(memory.get("silences", 0))
        self.keyed = str(memory.get("keyed", ""))
        self.draft = {str(k): str(v) for k, v in dict(memory.get("draft", {})).items()}
        return self

    # --- what the caller does ----------------------------------------------------------------

    def opening(self) -> str:
        """What the agent says when the call connects."""
        said = opening_line(
            self.setup.greeting,
            self.setup.business,
            self.setup.kb,
            take_messages=self.setup.take_messages,
            now=self.clock(),
        )
        self.history.append(("agent", said))
        return said

    def start_message(self) -> str:
        """For a call that comes back after nobody answered a transfer."""
        self.step = "name"
        return self._said(phrase("nobody_answered", self.language))

    async def hear(self, utterance: str, language: str | None = None) -> AsyncIterator[Event]:
        said = " ".join(utterance.split())
        if not said:
            async for event in self.silence():
                yield event
            return
        self.silences = 0
        self.history.append(("caller", said))
        if self.step == "talk":
            async for event in self._talk(said, language):
                yield event
        else:
            for event in self._message_step(said):
                yield event

    async def keypad(self, digit: str) -> AsyncIterator[Event]:
        """A key pressed: digits of a callback number, or 0 for a person."""
        self.silences = 0
        if self.step == "number":
            if digit == "#":
                keyed, self.keyed = self.keyed, ""
                for event in self._message_step(keyed):
                    yield event
            elif digit.isdigit():
                self.keyed += digit
            return
        if self.step == "talk" and digit == OPERATOR_DIGIT:
            for event in self._handoff("The caller pressed 0 for a person."):
                yield event

    async def silence(self) -> AsyncIterator[Event]:
        """The caller said nothing for a while."""
        self.silences += 1
        if self.silences >= SILENCES_BEFORE_HANGUP:
            for event in own_words(self._said(phrase("silence_goodbye", self.language)), "end"):
                yield event
            self.step = "ended"
            yield CallEnd("silence")
            return
        for event in own_words(self._said(phrase("still_there", self.language)), "answer"):
            yield event

    # --- answering ---------------------------------------------------------------------------

    async def _talk(self, said: str, heard_language: str | None) -> AsyncIterator[Event]:
        if GOODBYE_SAID.search(said.lower().strip(" .!")):
            for event in own_words(self._said(phrase("goodbye", self.language)), "end"):
                yield event
            self.step = "ended"
            yield CallEnd("caller")
            return
        started = time.perf_counter()
        context = TurnContext(
            question=said,
            kb=self.setup.kb,
            retriever=self.setup.retriever,
            history=tuple(self.history[:-1]),
            business=self.setup.business,
            persona=self.setup.persona,
            language=self.language,
            languages=self.setup.languages,
            transfer_available=self.can_transfer(),
            now=self.clock(),
            heard_language=heard_language,
        )
        turn: Turn | None = None
        async for piece in self.engine.reply(context):
            if isinstance(piece, Turn):
                turn = piece
                break
            if piece:
                yield Speech(piece)
        if turn is None:
            return
        if turn.language and turn.language != self.language:
            self.language = turn.language
            yield LanguageChange(turn.language)
        latency = int((time.perf_counter() - started) * 1000)
        if turn.text:
            # An engine that leaves a transfer it cannot make to the dialogue says nothing.
            self.history.append(("agent", turn.text))
            yield AgentTurn(turn, latency)
        if turn.action == "message":
            for event in self._begin_message("ask_name", spoken_already=turn.text):
                yield event
            return
        if turn.action == "handoff":
            for event in self._handoff(said, spoken_already=turn.text):
                yield event
            return
        if turn.action == "end":
            self.step = "ended"
            yield CallEnd("agent")

    # --- transfers ---------------------------------------------------------------------------

    def can_transfer(self) -> bool:
        if not self.setup.transfer_to:
            return False
        return self.setup.transfer_after_hours or is_open(self.setup.kb, self.clock()) is not False

    def _handoff(self, reason: str, spoken_already: str = "") -> list[Event]:
        if self.can_transfer():
            events: list[Event] = []
            if not spoken_already:
                events += own_words(self._said(phrase("transfer", self.language)), "handoff")
            self.step = "ended"
            events.append(
                CallEnd(
                    "handoff",
                    {
                        "reasonCode": "live-agent-handoff",
                        "to": self.setup.transfer_to,
                        "summary": reason[:300],
                    },
                )
            )
            return events
        key = "no_transfer" if not self.setup.transfer_to else "closed_transfer"
        return self._begin_message(key)

    # --- taking a message --------------------------------------------------------------------

    def _begin_message(self, key: str, spoken_already: str = "") -> list[Event]:
        self.step = "name"
        self.draft = {}
        if spoken_already.rstrip().endswith("?"):
            return []  # the engine has already asked for the caller's name
        return self._ask(phrase(key, self.language))

    def _message_step(self, said: str) -> list[Event]:
        lowered = said.lower()
        if self.step == "name":
            self.draft["name"] = name_in(said) or said
            key = "ask_number" if self.setup.caller_number else "ask_number_plain"
            number = spoken_number(self.setup.caller_number)
            self.step = "number"
            return self._ask(phrase(key, self.language, name=self.draft["name"], number=number))
        if self.step == "number":
            digits = digits_in(said)
            if len(digits) >= MIN_PHONE_DIGITS:
                self.draft["number"] = digits
            elif (
                self.setup.caller_number
                and YES_SAID.search(lowered)
                and not NO_SAID.search(lowered)
            ):
                self.draft["number"] = self.setup.caller_number
            else:
                return self._ask(phrase("number_again", self.language))
            self.step = "body"
            return self._ask(phrase("ask_body", self.language))
        if self.step == "body":
            self.draft["body"] = said[:4000]
            self.step = "confirm"
            return self._ask(
                phrase(
                    "read_back",
                    self.language,
                    name=self.draft["name"],
                    number=spoken_number(self.draft["number"]),
                    body=self.draft["body"],
                )
            )
        if self.step == "confirm":
            if NO_SAID.search(lowered):
                self.step = "name"
                self.draft = {}
                return self._ask(phrase("ask_name_again", self.language))
            if not YES_SAID.search(lowered):
                return self._ask(phrase("confirm_again", self.language))
            taken = MessageTaken(self.draft["name"], self.draft["number"], self.draft["body"])
            self.step = "talk"
            self.draft = {}
            return [taken, *self._ask(phrase("message_taken", self.language))]
        return []

    def _ask(self, text: str) -> list[Event]:
        return own_words(self._said(text), "message")

    def _said(self, text: str) -> str:
        self.history.append(("agent", text))
        return text


def own_words(text: str, action: Any) -> list[Event]:
    """A turn the dialogue says in its own words (no engine, no facts)."""
    return [Speech(text), AgentTurn(Turn(action, text), 0)]
