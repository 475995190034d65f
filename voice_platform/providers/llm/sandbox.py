"""The offline chat model: retrieval and templates over the facts it is given, no network.

It reads the conversation the way the call engine writes it. Facts are list items (lines
starting with "- ", "* ", "• " or "1. ") of the system and user messages; the question is the
rest of the last user message. It answers with the facts that cover the question, word for
word, or says it does not know and offers a message: it never says anything the facts do not.
When tools are offered, a caller asking for a person calls the transfer tool, one asking to
leave a message calls the message tool, one saying goodbye calls the end-call tool.

Same input, same answer: no randomness, and `temperature` is ignored. Tokens are counted as
words, and cost nothing."""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from voice_platform.providers.errors import BadRequest
from voice_platform.providers.llm.base import (
    DEFAULT_TEMPERATURE,
    Completion,
    Message,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Tool,
    ToolCall,
    Usage,
)

MODEL = "local"
LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")
WORD = re.compile(r"\$|[a-z0-9]+(?:'[a-z]+)?")
SPOKEN_PIECE = re.compile(r"\S+\s*")

UNKNOWN = "I'm sorry, I don't have that information."
OFFER_MESSAGE = "I can take a message and have someone get back to you."
OFFER_BOTH = "I can take a message, or put you through to someone who can help."
GREETING = "How can I help you?"
DONE = "Done."
# The best facts are said together when the next is nearly as relevant as the first.
MAX_FACTS = 2
RUNNER_UP = 0.8
# At least this share of the question's words must be covered, or the answer is "unknown":
# a fact sharing one word with a question ("How much is whitening?" against "A cleaning
# costs $120") does not answer it.
MIN_COVERAGE = 0.5
# A word covered through a related word (hours, "open") counts less than the word itself.
RELATED_WEIGHT = 0.5
# A word no fact and no related-word list knows ("wondering", "whitening") is as likely
# filler as the point of the question: it counts half towards what must be covered.
UNFAMILIAR_WEIGHT = 0.5

# Words that carry no subject: greetings, pronouns, question words, fillers.
STOPWORD_TEXT = """a an the is are am was were be been being do does did done you your yours
    we our ours us i me my mine it its of to in on at for with and or but can could would will
    should shall may might must have has had what which who whom whose there here this that these
    those please hi hello hey thanks thank about from by any anyone anything tell know like
    want need just so if get got as how also some yes no not don't i'm you're it's what's
    there's they them their then than into out up down over very really ok okay well let
    me i'd i'll when why take offer ask asking wonder wondering question quick"""
STOPWORDS = frozenset(STOPWORD_TEXT.split())
# Words a caller uses and words a business writes for the same thing.
RELATED = (
    "hour hours open opening opened close closing closed time times today tonight tomorrow"
    " morning afternoon evening weekend weekday weekdays",
    "price prices cost costs fee fees charge much rate rates expensive cheap pricing $",
    "where address located location locations street avenue road find directions suite",
    "phone number call email contact reach text fax",
    "book booking appointment appointments schedule reserve reservation availability slot",
    "pay payment payments card cards credit debit visa mastercard cash insurance financing"
    " accept check",
    "park parking garage lot",
    "emergency emergencies urgent",
    "language languages speak spanish french",
)

HANDOFF_ASKED = re.compile(
    r"\b(transfer|put me through|connect me|speak (to|with)|talk (to|with)|real person"
    r"|live person|human|manager|operator|representative)\b"
)
MESSAGE_ASKED = re.compile(
    r"\b(leave (a |my )?message|take (a |my )?message|call me back|callback|call back)\b"
)
GOODBYE_SAID = re.compile(r"\b(goodbye|bye|that'?s all|hang up)\b")
HANDOFF_TOOL = ("transfer", "handoff", "hand_off", "human", "escalat", "forward")
MESSAGE_TOOL = ("message", "callback")
END_TOOL_WORDS = frozenset({"end", "hangup", "hang", "goodbye"})
# Arguments that carry what the caller said; other required arguments get a neutral value.
SAYING = re.compile(r"reason|message|summary|note|request|details|text|topic|question")


def stem(word: str) -> str:
    """A crude stem, enough to match "hours" with "hour" and "closing" with "closed"."""
    word = word.removesuffix("'s")
    for suffix in ("ing", "ion", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def terms(text: str) -> set[str]:
    return {stem(word) for word in WORD.findall(text.lower()) if word not in STOPWORDS}


GROUPS = [frozenset(stem(word) for word in line.split()) for line in RELATED]


def related(term: str) -> frozenset[str]:
    return frozenset().union(*(group for group in GROUPS if term in group)) - {term}


def text_of(message: Message) -> str:
    """A message's words, whether its content is a string or a list of text parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def facts_in(messages: Sequence[Message]) -> list[str]:
    """The list items of the system and user messages, in order, each once."""
    facts: list[str] = []
    for message in messages:
        if message.get("role") in ("system", "developer", "user"):
            for line in text_of(message).splitlines():
                if (item := LIST_ITEM.match(line)) and item.group(1) not in facts:
                    facts.append(item.group(1))
    return facts


def question_in(messages: Sequence[Message]) -> str:
    """The last user message, less any facts it carries."""
    for message in reversed(messages):
        if message.get("role") == "user":
            lines = text_of(message).splitlines()
            return " ".join(line.strip() for line in lines if not LIST_ITEM.match(line)).strip()
    return ""


def sentence(fact: str) -> str:
    return fact if fact.endswith((".", "!", "?")) else f"{fact}."


def relevant_facts(question: str, facts: list[str]) -> list[str]:
    """The facts that answer the question best, most relevant first; none when no fact
    covers enough of it. Rare words weigh more than words many facts share."""
    asked = terms(question)
    if not asked or not facts:
        return []
    fact_terms = [terms(fact) for fact in facts]
    familiar = set().union(*fact_terms, *GROUPS)
    to_cover = sum(1.0 if term in familiar else UNFAMILIAR_WEIGHT for term in asked)

    def weight(term: str) -> float:
        holding = sum(term in found for found in fact_terms)
        return math.log(1 + len(facts) / holding) if holding else 0.0

    scored = []
    for position, found in enumerate(fact_terms):
        score = 0.0
        covered = 0.0
        for term in asked:
            if term in found:
                score += weight(term)
                covered += 1
            elif near := related(term) & found:
                score += RELATED_WEIGHT * max(weight(word) for word in near)
                covered += RELATED_WEIGHT
        if covered / to_cover >= MIN_COVERAGE and score > 0:
            scored.append((-score, position))
    scored.sort()
    if not scored:
        return []
    best = -scored[0][0]
    return [facts[position] for score, position in scored[:MAX_FACTS] if -score >= RUNNER_UP * best]


def tool_named(tools: Sequence[Tool], fragments: tuple[str, ...]) -> Tool | None:
    return next((tool for tool in tools if any(f in tool.name.lower() for f in fragments)), None)


def end_tool(tools: Sequence[Tool]) -> Tool | None:
    return next(
        (t for t in tools if END_TOOL_WORDS & set(re.split(r"[^a-z]+", t.name.lower()))), None
    )


def tool_for(question: str, tools: Sequence[Tool]) -> Tool | None:
    """The tool the caller is asking for, if one is offered. Leaving a message comes first:
    "can I leave a message for the manager" asks for a message, not the manager."""
    asked = question.lower()
    if MESSAGE_ASKED.search(asked):
        return tool_named(tools, MESSAGE_TOOL)
    if HANDOFF_ASKED.search(asked):
        return tool_named(tools, HANDOFF_TOOL)
    if GOODBYE_SAID.search(asked):
        return end_tool(tools)
    return None


def arguments_for(tool: Tool, question: str) -> dict[str, Any]:
    """Arguments meeting the tool's schema: the caller's words where they fit, and a
    neutral value for any other required argument."""
    properties: dict[str, Any] = tool.parameters.get("properties", {})
    required = set(tool.parameters.get("required", []))
    neutral = {"boolean": False, "integer": 0, "number": 0, "array": [], "object": {}}
    arguments: dict[str, Any] = {}
    for name, schema in properties.items():
        kind = schema.get("type", "string")
        if kind == "string" and "enum" in schema:
            if name in required:
                arguments[name] = schema["enum"][0]
        elif kind == "string" and (SAYING.search(name.lower()) or name in required):
            arguments[name] = question
        elif name in required:
            arguments[name] = neutral.get(kind)
    return arguments


def call_id(messages: Sequence[Message], tool: Tool) -> str:
    seen = json.dumps([text_of(m) for m in messages]) + tool.name
    return f"call_{hashlib.sha256(seen.encode()).hexdigest()[:24]}"


def answer_after_tool(message: Message) -> str:
    """What to say once a tool ran: its result when that is words, not data."""
    result = text_of(message).strip()
    return DONE if not result or result.startswith(("{", "[")) else result


def answer_to(question: str, messages: Sequence[Message], tools: Sequence[Tool]) -> str:
    if not terms(question):
        return GREETING
    if found := relevant_facts(question, facts_in(messages)):
        return " ".join(sentence(fact) for fact in found)
    offer = OFFER_BOTH if tool_named(tools, HANDOFF_TOOL) else OFFER_MESSAGE
    return f"{UNKNOWN} {offer}"


def count_words(text: str) -> int:
    return len(text.split())


class LocalChat:
    """The ChatModel of a deployment with no LLM_API_KEY (see the module's docstring)."""

    name = "local:retrieval+templates"

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Tool] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int | None = None,
    ) -> Completion:
        return self._reply(messages, tools or (), max_tokens)

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[Tool] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int | None = None,
    ) -> AsyncIterator[StreamEvent]:
        reply = self._reply(messages, tools or (), max_tokens)
        for piece in SPOKEN_PIECE.findall(reply.text):
            yield TextDelta(piece)
            # Let the call relay send each word as it comes, as it would from a model.
            await asyncio.sleep(0)
        for call in reply.tool_calls:
            yield call
        yield StreamEnd(reply.usage, reply.finish_reason)

    async def structured_with_usage(
        self, messages: Sequence[Message], *, schema_name: str, schema: dict[str, Any]
    ) -> tuple[dict[str, Any], Usage]:
        raise BadRequest("structured outputs need a model; set LLM_API_KEY")

    async def structured(
        self, messages: Sequence[Message], *, schema_name: str, schema: dict[str, Any]
    ) -> dict[str, Any]:
        raise BadRequest("structured outputs need a model; set LLM_API_KEY")

    def cost_usd(self, usage: Usage) -> float:
        return 0.0

    def _reply(
        self, messages: Sequence[Message], tools: Sequence[Tool], max_tokens: int | None
    ) -> Completion:
        prompt = sum(count_words(text_of(m)) for m in messages)
        prompt += sum(count_words(f"{t.name} {t.description}") for t in tools)
        question = question_in(messages)
        after_tool = bool(messages) and messages[-1].get("role") == "tool"
        if not after_tool and (tool := tool_for(question, tools)):
            call = ToolCall(call_id(messages, tool), tool.name, arguments_for(tool, question))
            used = count_words(json.dumps(call.arguments))
            return Completion("", (call,), Usage(prompt, used, MODEL), "tool_calls")
        if after_tool:
            text = answer_after_tool(messages[-1])
        else:
            text = answer_to(question, messages, tools)
        spoken = text.split()
        finish = "stop"
        if max_tokens is not None and len(spoken) > max_tokens:
            text, finish = " ".join(spoken[:max_tokens]), "length"
        return Completion(text, (), Usage(prompt, count_words(text), MODEL), finish)
