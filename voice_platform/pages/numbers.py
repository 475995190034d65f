"""Phone numbers: search by area code (or region, digits, toll-free), buy one, choose the
agent that answers it and where calls go when none does, release it after a confirmation.
Members see the numbers; owners and admins change them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import reflex as rx
from sqlmodel import Session

from voice_platform.components.forms import (
    NATIVE_SELECT_STYLE,
    field,
    form_cell,
    form_error,
    form_row,
    item_card,
    muted,
    section,
    submit_button,
    success_message,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.providers.phone.base import NumberQuery
from voice_platform.services import agents, numbers
from voice_platform.services.principal import Principal
from voice_platform.state.auth import ADMIN_ROLES, AuthState
from voice_platform.state.tenant_scope import run_in_tenant

T = TypeVar("T")
NO_AGENT = "none"


class NumbersState(rx.State):
    loaded: bool = False
    can_edit: bool = False
    owned: list[dict[str, str]] = []
    found: list[dict[str, str]] = []
    searched: bool = False
    agent_choices: list[list[str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    busy: bool = False
    release_id: str = ""
    release_label: str = ""

    async def _run(self, work: Callable[[Session, Principal, uuid.UUID], T]) -> T | None:
        return await run_in_tenant(self, work)

    async def _reload(self) -> None:
        def read(s: Session, p: Principal, t: uuid.UUID) -> tuple[list[Any], list[Any]]:
            return (
                numbers.list_numbers(s, principal=p, tenant_id=t),
                agents.list_agents(s, principal=p, tenant_id=t, search=""),
            )

        found = await self._run(read)
        if found is None:
            return
        owned, team = found
        self.owned = [
            {
                "id": str(n.id),
                "number": n.number,
                "label": n.friendly_name,
                "provider": n.provider,
                "agent_id": str(n.agent_id) if n.agent_id else NO_AGENT,
                "agent": n.agent_name or "",
                "forward_to": n.forward_to or "",
            }
            for n in owned
        ]
        self.agent_choices = [[NO_AGENT, "No agent"]] + [[str(a.id), a.name] for a in team]

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.errors = {}
        self.notice = ""
        self.found = []
        self.searched = False
        self.busy = False
        self.release_id = ""
        auth = await self.get_state(AuthState)
        principal = await auth.principal()
        self.can_edit = bool(principal and principal.role and principal.role.value in ADMIN_ROLES)
        await self._reload()
        self.loaded = True

    @rx.event
    async def search(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        query = NumberQuery(
            area_code=str(form.get("area_code", "")).strip() or None,
            contains=str(form.get("contains", "")).strip() or None,
            toll_free=bool(form.get("toll_free")),
        )
        self.busy = True
        yield
        found = await self._run(
            lambda s, p, t: numbers.search(s, principal=p, tenant_id=t, query=query)
        )
        self.found = [
            {"number": n.number, "label": n.friendly_name, "region": n.region or ""}
            for n in found or []
        ]
        self.searched = found is not None
        self.busy = False

    @rx.event
    async def buy(self, number: str) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.busy = True
        yield
        bought = await self._run(
            lambda s, p, t: numbers.buy(s, principal=p, tenant_id=t, number=number)
        )
        if bought is not None:
            self.notice = f"{bought.friendly_name} is yours. Choose the agent that answers it."
            self.found = [n for n in self.found if n["number"] != number]
        await self._reload()
        self.busy = False

    @rx.event
    async def save(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        number_id = uuid.UUID(str(form["number_id"]))
        agent = str(form.get("agent_id", NO_AGENT))
        forward = str(form.get("forward_to", "")).strip() or None
        self.busy = True
        yield
        saved = await self._run(
            lambda s, p, t: numbers.update(
                s,
                principal=p,
                tenant_id=t,
                number_id=number_id,
                agent_id=None if agent == NO_AGENT else uuid.UUID(agent),
                forward_to=forward,
            )
        )
        if saved is not None:
            self.notice = f"{saved.friendly_name} saved."
        else:  # the card's own field shows its error
            self.errors = {(f"{number_id}.{k}" if k else ""): v for k, v in self.errors.items()}
        await self._reload()
        self.busy = False

    @rx.event
    def ask_release(self, number_id: str, label: str) -> None:
        self.release_id, self.release_label = number_id, label

    @rx.event
    def release_dialog_changed(self, is_open: bool) -> None:
        if not is_open:
            self.release_id = ""

    @rx.event
    async def release(self) -> AsyncIterator[None]:
        self.errors = {}
        number_id, label = uuid.UUID(self.release_id), self.release_label
        self.release_id = ""
        self.busy = True
        yield
        await self._run(
            lambda s, p, t: numbers.release(s, principal=p, tenant_id=t, number_id=number_id)
        )
        if not self.errors:
            self.notice = f"{label} is released: calls to it no longer reach you."
        await self._reload()
        self.busy = False


State = NumbersState


def search_form() -> rx.Component:
    return rx.form(
        form_row(
            form_cell(
                field(
                    "Area code",
                    text_input("area_code", control_id="area_code", placeholder="512"),
                    State.errors.get("area_code", ""),
                    control_id="area_code",
                ),
                min_width="6rem",
            ),
            form_cell(
                field(
                    "Contains digits",
                    text_input("contains", control_id="contains", placeholder="0147"),
                    State.errors.get("contains", ""),
                    control_id="contains",
                ),
                min_width="8rem",
            ),
            rx.checkbox("Toll-free", name="toll_free", data_testid="toll-free"),
            submit_button("Search", testid="number-search", disabled=State.busy),
        ),
        on_submit=State.search,
        width="100%",
        data_testid="number-search-form",
    )


def found_card(number: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.text(number["label"], weight="medium", size="4", data_testid="available-label"),
            rx.cond(number["region"] != "", muted(number["region"])),
            spacing="0",
            flex="1",
        ),
        rx.button(
            rx.icon("shopping-cart", size=16),
            "Buy",
            on_click=State.buy(number["number"]),  # type: ignore[operator]
            disabled=State.busy,
            data_testid="number-buy",
        ),
        data_testid="available-number",
    )


def agent_select(key: Any, current: Any) -> rx.Component:
    return rx.el.select(
        rx.foreach(State.agent_choices, lambda c: rx.el.option(c[1], value=c[0])),
        name="agent_id",
        id="agent_" + key,
        default_value=current,
        data_testid="number-agent",
        style=NATIVE_SELECT_STYLE,
    )


def owned_card(number: Any) -> rx.Component:
    key = number["id"]
    return item_card(
        rx.form(
            rx.vstack(
                rx.hstack(
                    rx.text(number["label"], weight="medium", size="4"),
                    rx.badge(number["provider"], variant="soft", color_scheme="gray"),
                    rx.cond(
                        number["agent"] != "",
                        rx.badge("Answered by " + number["agent"], color_scheme="green"),
                        rx.badge("No agent", color_scheme="amber"),
                    ),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                rx.el.input(type="hidden", name="number_id", value=key),
                rx.cond(
                    State.can_edit,
                    form_row(
                        form_cell(
                            field(
                                "Answered by",
                                agent_select(key, number["agent_id"]),
                                "",
                                control_id="agent_" + key,
                            )
                        ),
                        form_cell(
                            field(
                                "When no agent answers, forward to",
                                text_input(
                                    "forward_to",
                                    control_id="number-forward",
                                    placeholder="+15125550100",
                                    default_value=number["forward_to"],
                                ),
                                State.errors.get(key + ".forward_to", ""),
                                control_id="forward_" + key,
                            ),
                            min_width="12rem",
                        ),
                        submit_button("Save", testid="number-save", disabled=State.busy),
                    ),
                    rx.cond(
                        number["forward_to"] != "",
                        muted("Forwards to " + number["forward_to"] + " when no agent answers."),
                    ),
                ),
                rx.cond(
                    State.can_edit,
                    rx.button(
                        rx.icon("trash-2", size=16),
                        "Release",
                        type="button",
                        color_scheme="red",
                        variant="soft",
                        on_click=State.ask_release(key, number["label"]),  # type: ignore[operator]
                        width="fit-content",
                        data_testid="number-release",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=State.save,
            width="100%",
        ),
        data_testid="owned-number",
    )


def release_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Release " + State.release_label + "?"),
            rx.alert_dialog.description(
                "The number goes back to the phone company. Calls to it will no longer reach "
                "you, and you may not get it back."
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Release",
                        color_scheme="red",
                        on_click=State.release,
                        data_testid="confirm-release",
                    )
                ),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="28rem",
        ),
        open=State.release_id != "",
        on_open_change=State.release_dialog_changed,
    )


def content() -> rx.Component:
    return rx.vstack(
        muted(
            "Callers reach your agents on these numbers. Without a phone account the numbers "
            "come from the sandbox (555-0100 to 555-0199), which you can call from the browser."
        ),
        form_error(State.errors.get("", "")),
        success_message(State.notice, testid="numbers-notice"),
        section(
            "Your numbers",
            rx.cond(
                State.owned,
                rx.foreach(State.owned, owned_card),
                muted("No numbers yet."),
            ),
            testid="owned-numbers",
        ),
        rx.cond(
            State.can_edit,
            section(
                "Get a number",
                search_form(),
                rx.cond(
                    State.found,
                    rx.foreach(State.found, found_card),
                    rx.cond(State.searched, muted("No numbers match; try another area code.")),
                ),
                testid="get-number",
            ),
        ),
        release_dialog(),
        spacing="6",
        width="100%",
    )


@template("Phone numbers")
def numbers_page() -> rx.Component:
    return rx.box(rx.cond(State.loaded, content()), width="100%", data_testid="numbers")
