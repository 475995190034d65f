"""The test console: talk (in text) to an agent as a caller would, and see for each turn what
it did (answer, take a message, hand off), the facts it used and how long it took."""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from sqlmodel import Session

from voice_platform.components.forms import form_error, muted, not_allowed
from voice_platform.components.layout import template
from voice_platform.conversation.engine import answer
from voice_platform.conversation.retrieval import Retriever
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.providers.llm import get_embedder
from voice_platform.services import agents, knowledge
from voice_platform.services.errors import NotFound, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.agent_scope import run_for_agent
from voice_platform.state.auth import form_errors

ACTIONS = {
    "answer": "Answered",
    "unknown": "Did not know",
    "message": "Takes a message",
    "handoff": "Transfers to a person",
}


INDEXES = 32
_indexes: OrderedDict[tuple[uuid.UUID, int], Retriever] = OrderedDict()


def retriever_for(agent_id: uuid.UUID, version: int, kb: KnowledgeBase) -> Retriever:
    """One index per knowledge-base version, kept for the next turns: embedding the chunks
    is the slow part of a turn."""
    key = (agent_id, version)
    if key not in _indexes:
        _indexes[key] = Retriever(kb, get_embedder())
        while len(_indexes) > INDEXES:
            _indexes.popitem(last=False)
    _indexes.move_to_end(key)
    return _indexes[key]


class ConsoleState(rx.State):
    loaded: bool = False
    missing: bool = False
    no_tenant: bool = False
    can_edit: bool = False
    agent_name: str = ""
    agent_id: str = ""
    turns: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    busy: bool = False
    form_key: int = 0

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.missing = False
        self.errors = {}
        self.turns = []
        self.busy = False

        def read(s: Session, p: Principal, a: uuid.UUID) -> tuple[str, str]:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            return agent.name, agent.greeting or f"Thanks for calling {agent.name}!"

        try:
            found = await run_for_agent(self, read)
        except NotFound:
            self.missing = True
            return
        if found is not None:
            self.agent_name, greeting = found
            self.agent_id = str(self.router.page.params.get("agent_id", ""))
            self.turns = [{"who": "agent", "text": greeting, "action": "", "facts": "", "ms": ""}]
            self.loaded = True

    @rx.event
    async def say(self, form: dict[str, Any]) -> AsyncIterator[None]:
        question = " ".join(str(form.get("question", "")).split())
        self.errors = {}
        if not question:
            self.errors = {"question": "Say something, as a caller would."}
            return
        self.turns = [
            *self.turns,
            {"who": "caller", "text": question, "action": "", "facts": "", "ms": ""},
        ]
        self.form_key += 1
        self.busy = True
        yield

        def reply(s: Session, p: Principal, a: uuid.UUID) -> dict[str, str]:
            snapshot = knowledge.load(s, principal=p, agent_id=a)
            started = time.perf_counter()
            index = retriever_for(a, snapshot.version, snapshot.kb)
            turn = answer(question, snapshot.kb, index)
            return {
                "who": "agent",
                "text": turn.text,
                "action": ACTIONS.get(turn.action, turn.action),
                "facts": " · ".join(f"[{c.category}] {c.text[:140]}" for c in turn.facts),
                "ms": f"{(time.perf_counter() - started) * 1000:.0f} ms",
            }

        try:
            said = await run_for_agent(self, reply)
        except ServiceError as exc:
            self.errors = form_errors(exc)
            said = None
        if said is not None:
            self.turns = [*self.turns, said]
        self.busy = False


State = ConsoleState


def bubble(turn: Any) -> rx.Component:
    caller = turn["who"] == "caller"
    return rx.box(
        rx.text(turn["text"], size="3", overflow_wrap="anywhere"),
        rx.cond(
            turn["action"] != "",
            rx.hstack(
                rx.badge(turn["action"], variant="soft"),
                muted(turn["ms"]),
                spacing="2",
                wrap="wrap",
                padding_top="var(--space-1)",
            ),
        ),
        rx.cond(
            turn["facts"] != "",
            rx.text("Facts used: " + turn["facts"], size="1", color_scheme="gray"),
        ),
        align_self=rx.cond(caller, "flex-end", "flex-start"),
        background=rx.cond(caller, "var(--accent-3)", "var(--gray-3)"),
        padding="var(--space-3)",
        border_radius="var(--radius-3)",
        max_width="90%",
        data_testid=rx.cond(caller, "console-caller", "console-agent"),
    )


def content() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text("Back to ", State.agent_name)),
            href="/agents/" + State.agent_id,
            size="2",
        ),
        rx.heading("Talk to " + State.agent_name, size="6", overflow_wrap="anywhere"),
        muted("Type what a caller would say. Each answer shows what the agent did and why."),
        rx.vstack(rx.foreach(State.turns, bubble), spacing="3", width="100%"),
        rx.form(
            rx.hstack(
                rx.input(
                    name="question",
                    placeholder="Are you open on Saturday?",
                    size="3",
                    width="100%",
                    auto_complete="off",
                    data_testid="console-input",
                ),
                rx.button(
                    rx.cond(State.busy, rx.spinner(size="2"), rx.icon("send", size=16)),
                    "Say",
                    size="3",
                    disabled=State.busy,
                    data_testid="console-say",
                ),
                width="100%",
            ),
            form_error(State.errors.get("question", ""), testid="console-error"),
            key=State.form_key,
            on_submit=State.say,
            width="100%",
        ),
        spacing="4",
        width="100%",
        data_testid="console",
    )


@template("Test console")
def console_page() -> rx.Component:
    return rx.box(
        rx.cond(
            State.no_tenant,
            not_allowed("You are not acting as a business."),
            rx.cond(
                State.missing,
                muted("This agent does not exist, or belongs to another business."),
                rx.cond(State.loaded, content(), form_error(State.errors.get("", ""))),
            ),
        ),
        width="100%",
    )
