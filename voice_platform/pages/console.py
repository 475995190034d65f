"""The test console: talk (in text) to an agent as a caller would, and see for each turn what
it did (answer, take a message, hand off), the facts it used and how long it took."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from voice_platform.components.forms import form_error, muted, not_allowed
from voice_platform.components.layout import template
from voice_platform.components.speech import speech_bubble
from voice_platform.conversation.dialogue import (
    AgentTurn,
    CallEnd,
    Dialogue,
    Event,
    LanguageChange,
    MessageTaken,
)
from voice_platform.services import agents, calls
from voice_platform.services.errors import NotFound, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.agent_scope import query_value, route_agent_id, run_for_agent
from voice_platform.state.auth import form_errors, in_thread

ACTIONS = {
    "answer": "Answered",
    "unknown": "Did not know",
    "message": "Takes a message",
    "handoff": "Transfers to a person",
    "end": "Ends the call",
}


def line(who: str, text: str, action: str = "", facts: str = "", ms: str = "") -> dict[str, str]:
    return {"who": who, "text": text, "action": action, "facts": facts, "ms": ms}


def lines_of(events: list[Event]) -> tuple[list[dict[str, str]], bool]:
    """What the console shows for a turn's events, and whether the call is over."""
    shown: list[dict[str, str]] = []
    ended = False
    for event in events:
        if isinstance(event, AgentTurn):
            turn = event.turn
            shown.append(
                line(
                    "agent",
                    turn.text,
                    ACTIONS.get(turn.action, turn.action),
                    " · ".join(f"[{c.category}] {c.text[:140]}" for c in turn.facts),
                    f"{event.latency_ms} ms",
                )
            )
        elif isinstance(event, MessageTaken):
            shown.append(
                line(
                    "system",
                    f"Message taken from {event.caller_name} ({event.callback_number}): "
                    f"{event.body}. On a real call it is saved and sent to the business.",
                )
            )
        elif isinstance(event, LanguageChange):
            shown.append(line("system", f"The call switches to {event.language}."))
        elif isinstance(event, CallEnd):
            ended = True
            shown.append(line("system", f"The call ends: {event.summary()}."))
    return shown, ended


class ConsoleState(rx.State):
    loaded: bool = False
    missing: bool = False
    no_tenant: bool = False
    agent_name: str = ""
    agent_id: str = ""
    turns: list[dict[str, str]] = []
    # Where the conversation is (Dialogue.memory()), between turns.
    memory: dict[str, Any] = {}
    ended: bool = False
    errors: dict[str, str] = {}
    busy: bool = False
    form_key: int = 0

    async def _dialogue(self) -> Dialogue | None:
        def tenant_of(s: Session, p: Principal, a: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
            agent = agents.get_agent(s, principal=p, agent_id=a)
            return agent.tenant_id, agent.id

        found = await run_for_agent(self, tenant_of)
        if found is None:
            return None
        tenant_id, agent_id = found
        setup, agent = await in_thread(lambda: calls.agent_setup(tenant_id, agent_id))
        engine = await in_thread(lambda: calls.engine_for(tenant_id))
        self.agent_name = agent.name
        return Dialogue(setup, engine)

    @rx.event
    async def load(self) -> EventSpec | None:
        self.loaded = False
        self.missing = False
        self.errors = {}
        self.turns = []
        self.memory = {}
        self.ended = False
        self.busy = False
        try:
            dialogue = await self._dialogue()
        except NotFound:
            self.missing = True
            return None
        if dialogue is None:
            return None
        self.agent_id = route_agent_id(self)
        self.turns = [line("agent", dialogue.opening())]
        self.memory = dialogue.memory()
        self.loaded = True
        # ?ask=… (the unanswered-questions page's link): the caller's first words, said at once.
        ask = query_value(self, "ask").strip()
        if not ask:
            return None
        return ConsoleState.say({"question": ask[:300]})  # type: ignore[operator]

    @rx.event
    async def say(self, form: dict[str, Any]) -> AsyncIterator[None]:
        question = " ".join(str(form.get("question", "")).split())
        self.errors = {}
        if self.ended:
            self.errors = {"question": "The call has ended: start a new one to go on."}
            return
        if not question:
            self.errors = {"question": "Say something, as a caller would."}
            return
        self.turns = [*self.turns, line("caller", question)]
        self.form_key += 1
        self.busy = True
        yield
        try:
            dialogue = await self._dialogue()
            if dialogue is not None:
                dialogue.recall(self.memory)
                events = [event async for event in dialogue.hear(question)]
                shown, self.ended = lines_of(events)
                self.turns = [*self.turns, *shown]
                self.memory = dialogue.memory()
        except ServiceError as exc:
            self.errors = form_errors(exc)
        self.busy = False


State = ConsoleState


def said(turn: Any) -> rx.Component:
    caller = turn["who"] == "caller"
    return speech_bubble(
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
        caller=caller,
        padding="var(--space-3)",
        data_testid=rx.cond(caller, "console-caller", "console-agent"),
    )


def bubble(turn: Any) -> rx.Component:
    """A line of the call: the caller's or the agent's words, or what happened (a message
    taken, a transfer, the end of the call)."""
    return rx.cond(
        turn["who"] == "system",
        rx.callout(
            turn["text"],
            icon="info",
            size="1",
            width="100%",
            data_testid="console-event",
        ),
        said(turn),
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
        rx.cond(
            State.ended,
            rx.button(
                rx.icon("phone", size=16),
                "Start a new call",
                on_click=State.load,
                size="3",
                data_testid="console-restart",
            ),
        ),
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
