"""One agent: its settings, switching it on and off, deleting it, and the way to its
knowledge base. Another business's agent is simply not found."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import reflex as rx
from pydantic import ValidationError
from reflex.event import EventSpec
from sqlmodel import Session

from voice_platform.components.agents import dotted_errors, parse_languages, status_badge
from voice_platform.components.forms import (
    field,
    form_error,
    muted,
    native_select,
    not_allowed,
    section,
    submit_button,
    success_message,
    text_input,
    time_zone_select,
)
from voice_platform.components.layout import template
from voice_platform.components.voice_picker import voice_picker
from voice_platform.models import AfterHours, Agent, AgentUpdate, VoiceSettings
from voice_platform.services import agents
from voice_platform.services.errors import NotFound, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.agent_scope import run_for_agent
from voice_platform.state.auth import form_errors
from voice_platform.state.voice_picker import VoicePickerState

T = TypeVar("T")
AFTER_HOURS = [
    (AfterHours.TAKE_MESSAGE.value, "Take a message"),
    (AfterHours.ANSWER.value, "Answer questions as usual"),
    (AfterHours.TRANSFER.value, "Transfer to the business phone"),
]
FIELDS = (
    "name", "greeting", "persona", "languages", "transfer_number", "time_zone", "after_hours",
    "voice_id", "model", "speed", "stability", "similarity",
)  # fmt: skip


def agent_values(agent: Agent) -> dict[str, str]:
    voice = VoiceSettings.model_validate(agent.voice)
    return {
        "id": str(agent.id),
        "name": agent.name,
        "greeting": agent.greeting,
        "persona": agent.persona,
        "languages": ", ".join(agent.languages),
        "transfer_number": agent.transfer_number or "",
        "time_zone": agent.time_zone,
        "after_hours": agent.after_hours.value,
        "status": agent.status.value,
        "reason": agent.status_reason or "",
        "phone": agent.phone_number or "",
        "voice_id": voice.voice_id or "",
        "model": voice.model,
        "speed": str(voice.speed),
        "stability": str(voice.stability),
        "similarity": str(voice.similarity),
    }


class AgentState(rx.State):
    loaded: bool = False
    missing: bool = False
    no_tenant: bool = False
    can_edit: bool = False
    agent: dict[str, str] = {}
    form_key: int = 0
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    confirm_delete: bool = False

    async def _run(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        """One service call in the tenant's session; NotFound shows the not-found message,
        other errors land in the form."""
        try:
            return await run_for_agent(self, work)
        except NotFound:
            self.missing = True
        except ServiceError as exc:
            errors = form_errors(exc)
            self.errors = {(k if k in FIELDS else ""): v for k, v in errors.items()}
        return None

    def _show(self, values: dict[str, str] | None) -> None:
        if values is not None:
            self.agent = values
            self.form_key += 1
            self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.notice = ""
        self.busy = False
        self.confirm_delete = False
        self.missing = False
        self.loaded = False
        self._show(
            await self._run(
                lambda s, p, a: agent_values(agents.get_agent(s, principal=p, agent_id=a))
            )
        )

    @rx.event
    async def save(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        # The voice itself is chosen (and saved) in the voice picker.
        picked = (await self.get_state(VoicePickerState)).current
        try:
            changes = AgentUpdate(
                name=str(form.get("name", "")).strip(),
                greeting=str(form.get("greeting", "")).strip(),
                persona=str(form.get("persona", "")).strip(),
                languages=parse_languages(str(form.get("languages", ""))),
                transfer_number=str(form.get("transfer_number", "")).strip() or None,
                time_zone=str(form.get("time_zone", "")) or None,
                after_hours=AfterHours(str(form.get("after_hours", "take_message"))),
                voice=VoiceSettings.model_validate(
                    {
                        "voice_id": picked or None,
                        "model": str(form.get("model", "")).strip() or "flash_v2_5",
                        "speed": form.get("speed") or 1.0,
                        "stability": form.get("stability") or 0.5,
                        "similarity": form.get("similarity") or 0.75,
                    }
                ),
            )
        except ValidationError as exc:
            for key, message in dotted_errors(exc).items():
                name = key.removeprefix("voice.")
                self.errors.setdefault(name if name in FIELDS else "", message)
            return
        self.busy = True
        yield
        updated = await self._run(
            lambda s, p, a: agent_values(
                agents.update_agent(s, principal=p, agent_id=a, changes=changes)
            )
        )
        if updated is not None:
            self._show(updated)
            self.notice = "Saved."
        self.busy = False

    @rx.event
    async def set_active(self, active: bool) -> None:
        self.errors = {}
        self.notice = ""
        updated = await self._run(
            lambda s, p, a: agent_values(
                agents.set_active(s, principal=p, agent_id=a, active=active)
            )
        )
        if updated is not None:
            self.agent = {**self.agent, **{k: updated[k] for k in ("status", "reason")}}
            self.notice = "The agent is active." if active else "The agent is paused."

    @rx.event
    def ask_delete(self) -> None:
        self.confirm_delete = True

    @rx.event
    def delete_dialog_changed(self, is_open: bool) -> None:
        self.confirm_delete = is_open

    @rx.event
    async def delete(self) -> EventSpec | None:
        self.confirm_delete = False
        self.errors = {}

        def remove(s: Session, p: Principal, a: uuid.UUID) -> bool:
            agents.delete_agent(s, principal=p, agent_id=a)
            return True

        if await self._run(remove):
            return rx.redirect("/agents")
        return None


def voice_number(name: str, label: str, low: str, high: str, step: str) -> rx.Component:
    return field(
        label,
        rx.input(
            name=name,
            id=name,
            type="number",
            min=low,
            max=high,
            step=step,
            default_value=AgentState.agent[name],
            disabled=~AgentState.can_edit,
            size="3",
            width="100%",
            data_testid=name,
        ),
        AgentState.errors.get(name, ""),
        control_id=name,
        hint=f"From {low} to {high}.",
    )


def agent_form() -> rx.Component:
    read_only = ~AgentState.can_edit
    return rx.form(
        rx.vstack(
            field(
                "Name",
                text_input(
                    "name",
                    control_id="name",
                    default_value=AgentState.agent["name"],
                    disabled=read_only,
                ),
                AgentState.errors.get("name", ""),
                control_id="name",
            ),
            field(
                "Greeting",
                rx.text_area(
                    name="greeting",
                    id="greeting",
                    default_value=AgentState.agent["greeting"],
                    disabled=read_only,
                    width="100%",
                    data_testid="greeting",
                ),
                AgentState.errors.get("greeting", ""),
                control_id="greeting",
                hint="What callers hear first.",
            ),
            field(
                "Persona",
                rx.text_area(
                    name="persona",
                    id="persona",
                    default_value=AgentState.agent["persona"],
                    disabled=read_only,
                    rows="4",
                    width="100%",
                    data_testid="persona",
                ),
                AgentState.errors.get("persona", ""),
                control_id="persona",
                hint="How the receptionist speaks and behaves, in your words.",
            ),
            field(
                "Languages",
                text_input(
                    "languages",
                    control_id="languages",
                    default_value=AgentState.agent["languages"],
                    disabled=read_only,
                ),
                AgentState.errors.get("languages", ""),
                control_id="languages",
                hint="Language codes, separated by commas: en, es, fr…",
            ),
            field(
                "Transfer number",
                text_input(
                    "transfer_number",
                    control_id="transfer_number",
                    type_="tel",
                    default_value=AgentState.agent["transfer_number"],
                    placeholder="+15551234567",
                    disabled=read_only,
                ),
                AgentState.errors.get("transfer_number", ""),
                control_id="transfer_number",
                hint="Where calls go when a person is needed, in international form.",
            ),
            field(
                "Time zone",
                time_zone_select(
                    control_id="time_zone",
                    default_value=AgentState.agent["time_zone"],
                    disabled=read_only,
                ),
                AgentState.errors.get("time_zone", ""),
                control_id="time_zone",
            ),
            field(
                "After hours",
                native_select(
                    "after_hours",
                    AFTER_HOURS,
                    control_id="after_hours",
                    default_value=AgentState.agent["after_hours"],
                    disabled=read_only,
                ),
                AgentState.errors.get("after_hours", ""),
                control_id="after_hours",
                hint="What the receptionist does when the business is closed.",
            ),
            rx.heading("How the voice speaks", size="3", as_="h3", padding_top="var(--space-2)"),
            muted("Choose the voice itself in the Voice section below."),
            rx.grid(
                field(
                    "Model",
                    text_input(
                        "model",
                        control_id="model",
                        default_value=AgentState.agent["model"],
                        disabled=read_only,
                    ),
                    AgentState.errors.get("model", ""),
                    control_id="model",
                ),
                voice_number("speed", "Speed", "0.7", "1.2", "0.05"),
                voice_number("stability", "Stability", "0", "1", "0.05"),
                voice_number("similarity", "Similarity", "0", "1", "0.05"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                AgentState.can_edit,
                submit_button("Save", testid="agent-save", disabled=AgentState.busy),
                muted("Only owners and admins can change agents."),
            ),
            spacing="4",
            width="100%",
        ),
        key=AgentState.form_key,
        on_submit=AgentState.save,
        width="100%",
        max_width="40rem",
        data_testid="agent-form",
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete this agent?"),
            rx.alert_dialog.description(
                AgentState.agent["name"]
                + " and its knowledge base will be deleted for good. Calls to its number will "
                "no longer be answered."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Delete",
                        color_scheme="red",
                        on_click=AgentState.delete,
                        data_testid="confirm-delete",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="28rem",
        ),
        open=AgentState.confirm_delete,
        on_open_change=AgentState.delete_dialog_changed,
    )


def agent_header() -> rx.Component:
    status = AgentState.agent["status"]
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text("All agents"), spacing="1"),
            href="/agents",
            size="2",
        ),
        rx.flex(
            rx.heading(
                AgentState.agent["name"],
                size="6",
                overflow_wrap="anywhere",
                data_testid="agent-title",
            ),
            status_badge(status),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            AgentState.agent["reason"] != "",
            rx.text(AgentState.agent["reason"], color_scheme="red", size="2"),
        ),
        muted(
            rx.cond(
                AgentState.agent["phone"] != "",
                "Phone number: " + AgentState.agent["phone"],
                "No phone number yet.",
            )
        ),
        rx.flex(
            rx.link(
                rx.button(rx.icon("book-open", size=16), "Knowledge base", size="3", width="100%"),
                href="/agents/" + AgentState.agent["id"] + "/knowledge",
                data_testid="open-knowledge",
            ),
            rx.link(
                rx.button(
                    rx.icon("message-circle", size=16), "Talk to it", size="3", variant="soft"
                ),
                href="/agents/" + AgentState.agent["id"] + "/console",
                data_testid="open-console",
            ),
            rx.cond(
                AgentState.can_edit,
                rx.fragment(
                    rx.cond(
                        status == "active",
                        rx.button(
                            rx.icon("pause", size=16),
                            "Pause",
                            size="3",
                            variant="soft",
                            color_scheme="amber",
                            on_click=AgentState.set_active(False),  # type: ignore[operator]
                            data_testid="agent-pause",
                        ),
                        rx.button(
                            rx.icon("play", size=16),
                            "Activate",
                            size="3",
                            variant="soft",
                            color_scheme="green",
                            disabled=status == "creating",
                            on_click=AgentState.set_active(True),  # type: ignore[operator]
                            data_testid="agent-activate",
                        ),
                    ),
                    rx.button(
                        rx.icon("trash-2", size=16),
                        "Delete",
                        size="3",
                        variant="soft",
                        color_scheme="red",
                        on_click=AgentState.ask_delete,
                        data_testid="agent-delete",
                    ),
                ),
            ),
            spacing="3",
            wrap="wrap",
        ),
        spacing="3",
        width="100%",
    )


@template("Agent")
def agent_page() -> rx.Component:
    return rx.box(
        rx.cond(
            AgentState.no_tenant,
            not_allowed(
                "You are not acting as a business. Staff: impersonate one from the Staff page."
            ),
            rx.cond(
                AgentState.missing,
                rx.callout(
                    rx.text(
                        "This agent does not exist, or belongs to another business. ",
                        rx.link("See your agents", href="/agents"),
                        ".",
                    ),
                    icon="search-x",
                    color_scheme="gray",
                    width="100%",
                    data_testid="agent-not-found",
                ),
                rx.cond(
                    AgentState.loaded,
                    rx.vstack(
                        agent_header(),
                        form_error(AgentState.errors.get("", "")),
                        success_message(AgentState.notice, testid="agent-notice"),
                        section("Settings", agent_form()),
                        section("Voice", voice_picker(), testid="agent-voice"),
                        delete_dialog(),
                        spacing="5",
                        width="100%",
                    ),
                    form_error(AgentState.errors.get("", "")),
                ),
            ),
        ),
        width="100%",
        data_testid="agent",
    )
