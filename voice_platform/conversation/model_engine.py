"""The engine with a language model: an OpenAI-compatible chat model, streamed, with tools.

Each turn it retrieves the facts for the question and writes the system prompt: who it is (the
business, the persona), whether the business is open right now and today's hours (in the
business's time zone), the facts as list items, the grounding rules (only these facts;
otherwise say so and offer a message or a transfer), what to do in an emergency, and the
language to answer in. The conversation so far follows as messages, then the question. The
model's words are passed on as they come; a tool call ends the turn: `transfer_to_human`
(handoff), `take_message` (the call then asks for the name, number and message) or `end_call`.

The sandbox LocalChat (providers/llm/sandbox.py) reads the same prompt: facts are the list
items, so nothing else in the prompt is written as one.

What the turn used is in `last_usage` (the StreamEnd's tokens) for the caller to record; the
engine writes nothing. When the model fails (a ProviderError), the rules engine answers instead,
so the caller never hears silence; the error is in `last_error`."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence

from voice_platform.conversation.engine import (
    day_hours,
    emergency_line,
    local_now,
    said_intervals,
)
from voice_platform.conversation.language import LanguageAware, close, language_name
from voice_platform.conversation.offline import RulesEngine
from voice_platform.conversation.phrases import TABLES, phrase
from voice_platform.conversation.turns import Action, Engine, Turn, TurnContext, off_the_loop
from voice_platform.knowledge.chunks import Chunk, clock
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm.base import (
    ChatModel,
    Message,
    StreamEnd,
    TextDelta,
    Tool,
    ToolCall,
    Usage,
)

FACTS_PER_TURN = 6
# A phone answer is a few sentences; this bounds a model that rambles.
MAX_TOKENS = 250
# Past turns the model sees, oldest dropped first.
HISTORY_TURNS = 12

TRANSFER = Tool(
    "transfer_to_human",
    "Put the caller through to a person at the business. Call it when the caller asks for a "
    "person, or when the facts cannot help and the caller wants someone.",
    {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "description": "Why the caller wants a person."}
        },
        "required": ["reason"],
    },
)
TAKE_MESSAGE = Tool(
    "take_message",
    "Start taking a message for the business: the call then asks the caller for their name, "
    "callback number and message. Call it when the caller wants to leave a message or be "
    "called back.",
)
END_CALL = Tool(
    "end_call",
    "End the call, once the caller has said goodbye or has nothing more to ask.",
)
TOOLS = (TRANSFER, TAKE_MESSAGE, END_CALL)
TOOL_ACTIONS: dict[str, Action] = {
    TRANSFER.name: "handoff",
    TAKE_MESSAGE.name: "message",
    END_CALL.name: "end",
}

# The model declining, in any language it was told to decline in.
DECLINE = re.compile(
    r"\b(i (don't|do not) (have|know)|i'm not sure|i am not sure|don't have that information"
    r"|no tengo|no lo sé|no sé|je n'ai pas|je ne sais pas|habe ich nicht|weiß ich nicht"
    r"|ich weiß (es )?nicht|non ho|non lo so|não tenho|não sei)\b"
    + "|"
    + "|".join(
        re.escape(table["unknown"].split(",", 1)[-1].strip(" .").lower())
        for table in (TABLES.values())
    ),
    re.IGNORECASE,
)

# A caller describing an emergency, in the languages phrases.py speaks.
EMERGENCY = re.compile(
    r"\b(emergenc\w*|urgent\w*|flood\w*|burst|leak\w*|bleed\w*|gas smell|smell gas"
    r"|emergencia|urgencia|urgence|d'urgence|notfall|dringend|emergenza|urgenza|emergência"
    r"|urgência)\b",
    re.IGNORECASE,
)

LIST_MARK = re.compile(r"^(?:[-*•]|\d+[.)])\s+")


def declined(text: str) -> bool:
    return bool(DECLINE.search(text.lower().replace("\u2019", "'")))


def one_line(text: str) -> str:
    """Owner-written text on one line, so no line of it reads as a fact (a list item)."""
    return " ".join(text.split())


def caller_words(text: str) -> str:
    """What the caller said, on one line and not starting like a list item: the sandbox model
    reads list items of user messages as facts, and a caller's words are never facts."""
    return LIST_MARK.sub("", one_line(text))


def now_facts(kb: KnowledgeBase, context: TurnContext) -> list[Chunk]:
    """Whether the business is open right now, and today's hours, as facts."""
    hours = kb.categories.hours
    here = local_now(kb, context.now)
    today = here.date()
    if hours.weekly is None and not any(e.date == today for e in hours.exceptions):
        return []
    intervals, special = day_hours(kb, today)
    note = f" ({special.note})" if special and special.note else ""
    zone = f", {hours.time_zone} time" if hours.time_zone else ""
    clock_now = f"{here:%H:%M}"
    current = next((i for i in intervals if i.open <= clock_now < i.close), None)
    later = [i for i in intervals if clock_now < i.open]
    stamp = f"(it is {here:%A}, {clock(clock_now)}{zone})"
    if current is not None:
        status = f"We are open right now, until {clock(current.close)} today {stamp}."
    elif later:
        status = f"We are closed right now; we open at {clock(later[0].open)} today {stamp}."
    else:
        status = f"We are closed right now {stamp}."
    today_said = (
        f"Today's hours{note}: {said_intervals(intervals)}."
        if intervals
        else f"We are closed all day today{note}."
    )
    return [Chunk("hours", "now", status, None), Chunk("hours", "today", today_said, None)]


def emergency_facts(kb: KnowledgeBase) -> list[Chunk]:
    """The emergencies category's standing instructions, offered on every turn."""
    e = kb.categories.emergencies
    facts = []
    if e.instructions:
        facts.append(
            Chunk("emergencies", "instructions", f"In an emergency: {e.instructions}", None)
        )
    if e.emergency_phone:
        facts.append(Chunk("emergencies", "phone", f"Emergency phone: {e.emergency_phone}", None))
    if e.after_hours_available:
        facts.append(
            Chunk("emergencies", "after_hours", "Emergency service is available after hours.", None)
        )
    return facts


def offered_facts(context: TurnContext) -> list[Chunk]:
    """The facts the model is given this turn: the retrieved ones, then the hours of now and
    the emergency instructions, each once."""
    question = context.question.strip()
    hits = context.retriever.search(question, k=FACTS_PER_TURN) if question else []
    facts: list[Chunk] = []
    seen: set[str] = set()
    for chunk in (
        [h.chunk for h in hits] + now_facts(context.kb, context) + emergency_facts(context.kb)
    ):
        said = one_line(chunk.text)
        if said and said not in seen:
            seen.add(said)
            facts.append(chunk)
    return facts


def system_prompt(context: TurnContext, facts: Sequence[Chunk]) -> str:
    business = one_line(context.business or context.kb.business_name) or "the business"
    language = language_name(context.language)
    offer = (
        "offer to take a message or to transfer them to the team"
        if context.transfer_available
        else "offer to take a message (nobody can take a transfer right now)"
    )
    unknown = phrase("unknown", context.language)
    lines = [
        f"You are the phone receptionist of {business}. You are speaking with a caller on the "
        "phone: answer in one to three short, plain sentences, with no lists, no markdown and "
        "no web addresses.",
    ]
    if context.persona.strip():
        lines.append(f"Your persona, set by the business: {one_line(context.persona)}")
    lines += [
        "Ground rules: answer only from the facts listed below. Never state a price, time, "
        "date, name, number, address or policy that is not in them, and never guess. If the "
        f'facts do not answer the question, say "{unknown}" and {offer}.',
        "In an emergency, give the emergency instructions and phone number from the facts "
        "first, word for word; if the facts have none, tell the caller to call their local "
        "emergency number.",
        "When the caller asks for a person, call transfer_to_human. When they want to leave a "
        "message or be called back, call take_message. When they say goodbye or have nothing "
        "more to ask, call end_call.",
        f"The caller speaks {language}: answer in {language}, translating the facts faithfully "
        "when they are written in another language.",
        "",
        "Facts:" if facts else "Facts: none.",
    ]
    lines += [f"- {one_line(chunk.text)}" for chunk in facts]
    return "\n".join(lines)


def conversation(context: TurnContext, facts: Sequence[Chunk]) -> list[Message]:
    messages: list[Message] = [{"role": "system", "content": system_prompt(context, facts)}]
    for speaker, said in list(context.history)[-HISTORY_TURNS:]:
        if speaker == "caller":
            messages.append({"role": "user", "content": caller_words(said)})
        else:
            messages.append({"role": "assistant", "content": one_line(said)})
    messages.append({"role": "user", "content": caller_words(context.question)})
    return messages


def tool_phrase(action: Action, context: TurnContext) -> str:
    """What the agent says when the model only called a tool."""
    if action == "handoff":
        # With nobody to transfer to, the call explains and offers to take a message.
        return phrase("transfer", context.language) if context.transfer_available else ""
    if action == "message":
        return phrase("ask_name", context.language)
    return phrase("goodbye", context.language)


class ModelEngine:
    """An Engine over a ChatModel (see the module's docstring)."""

    def __init__(
        self,
        chat: ChatModel,
        *,
        fallback: Engine | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self.chat = chat
        self.fallback: Engine = fallback or RulesEngine()
        self.max_tokens = max_tokens
        self.last_usage: Usage | None = None
        self.last_error: ProviderError | None = None

    async def reply(self, context: TurnContext) -> AsyncIterator[str | Turn]:
        self.last_usage = None
        self.last_error = None
        facts = await off_the_loop(offered_facts, context)
        stream = self.chat.stream(
            conversation(context, facts), tools=TOOLS, max_tokens=self.max_tokens
        )
        spoken: list[str] = []
        calls: list[ToolCall] = []
        try:
            try:
                async for event in stream:
                    if isinstance(event, TextDelta):
                        if event.text:
                            spoken.append(event.text)
                            yield event.text
                    elif isinstance(event, ToolCall):
                        calls.append(event)
                    elif isinstance(event, StreamEnd):
                        self.last_usage = event.usage
            except ProviderError as exc:
                self.last_error = exc
        finally:
            await close(stream)
        if self.last_error is not None:
            async for item in self._fall_back(context, "".join(spoken)):
                yield item
            return
        said = "".join(spoken).strip()
        known = [c for c in calls if c.name in TOOL_ACTIONS]
        if known:
            action = TOOL_ACTIONS[known[0].name]
            if not said and (text := tool_phrase(action, context)):
                yield text
                said = text
            yield Turn(action, said, list(facts), usage=self.last_usage)
            return
        if not said:
            said = phrase("how_can_help", context.language)
            yield said
            yield Turn("unknown", said, list(facts), usage=self.last_usage)
            return
        if EMERGENCY.search(context.question):
            # Whatever the model said, the emergency number is said too.
            line = emergency_line(context.kb)
            phone = context.kb.categories.emergencies.emergency_phone
            if line and line.strip() not in said and (phone is None or phone not in said):
                yield line
                said += line
        grounded = (
            bool(facts) and not declined(said) and said != phrase("how_can_help", context.language)
        )
        yield Turn("answer" if grounded else "unknown", said, list(facts), usage=self.last_usage)

    async def _fall_back(self, context: TurnContext, spoken: str) -> AsyncIterator[str | Turn]:
        """The rules engine's turn, after whatever the model managed to say."""
        lead = ""
        if spoken.strip():
            lead = phrase("say_again", context.language)
            yield f" {lead} "
        inner = self.fallback.reply(context)
        try:
            async for item in inner:
                if isinstance(item, Turn):
                    text = " ".join(p for p in (spoken.strip(), lead, item.text) if p)
                    yield Turn(item.action, text, item.facts, item.language)
                else:
                    yield item
        finally:
            await close(inner)


def engine_for(chat: ChatModel | None) -> Engine:
    """The engine a call or the console uses: the model when one is configured, else the
    rules; either answers in the caller's language."""
    return LanguageAware(ModelEngine(chat) if chat is not None else RulesEngine())
