"""Agents: the business's receptionists, as cards, with a search and a form for a new one.
Owners and admins create them; members see the list only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex.event import EventSpec

from voice_platform.components.agents import dotted_errors, parse_languages, status_badge
from voice_platform.components.forms import (
    field,
    form_error,
    muted,
    not_allowed,
    submit_button,
    text_input,
    time_zone_select,
)
from voice_platform.components.layout import template
from voice_platform.db import tenant_session
from voice_platform.models import Agent, AgentCreate
from voice_platform.services import agents
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import ADMIN_ROLES, AuthState, form_errors, in_thread


def agent_card_data(agent: Agent) -> dict[str, str]:
    return {
        "id": str(agent.id),
        "name": agent.name,
        "status": agent.status.value,
        "reason": agent.status_reason or "",
        "phone": agent.phone_number or "",
        "languages": ", ".join(agent.languages),
        "greeting": agent.greeting,
    }


def read_agents(principal: Principal, tenant_id: uuid.UUID, search: str) -> list[dict[str, str]]:
    with tenant_session(tenant_id) as session:
        found = agents.list_agents(session, principal=principal, tenant_id=tenant_id, search=search)
        return [agent_card_data(agent) for agent in found]


def make_agent(principal: Principal, tenant_id: uuid.UUID, data: AgentCreate) -> str:
    with tenant_session(tenant_id) as session:
        agent = agents.create_agent(session, principal=principal, tenant_id=tenant_id, data=data)
        return str(agent.id)


class AgentsState(rx.State):
    loaded: bool = False
    no_tenant: bool = False
    can_create: bool = False
    agents: list[dict[str, str]] = []
    search: str = ""
    # Whether the business has any agent at all (a search may find none of them).
    has_any: bool = False
    show_form: bool = False
    form_key: int = 0
    errors: dict[str, str] = {}
    busy: bool = False

    async def _principal(self) -> tuple[Principal, uuid.UUID] | None:
        principal = await (await self.get_state(AuthState)).principal()
        if principal is None or principal.tenant_id is None:
            return None
        return principal, principal.tenant_id

    async def _reload(self) -> None:
        found = await self._principal()
        if found is None:
            return
        principal, tenant_id = found
        search = self.search
        try:
            self.agents = await in_thread(lambda: read_agents(principal, tenant_id, search))
        except ServiceError as exc:
            self.errors = form_errors(exc)
            return
        if not search.strip():
            self.has_any = bool(self.agents)

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.busy = False
        self.show_form = False
        self.search = ""
        principal = await (await self.get_state(AuthState)).principal()
        if principal is None:
            return
        self.no_tenant = principal.tenant_id is None
        if principal.tenant_id is None:
            self.loaded = False
            return
        self.can_create = principal.role is not None and principal.role.value in ADMIN_ROLES
        await self._reload()
        self.loaded = True

    @rx.event
    async def set_search(self, value: str) -> None:
        self.search = value
        await self._reload()

    @rx.event
    def open_form(self) -> None:
        self.show_form = True
        self.errors = {}

    @rx.event
    def close_form(self) -> None:
        self.show_form = False
        self.errors = {}
        self.form_key += 1

    @rx.event
    async def create(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        self.errors = {}
        languages = parse_languages(str(form.get("languages", "")))
        try:
            data = AgentCreate(
                name=str(form.get("name", "")).strip(),
                greeting=str(form.get("greeting", "")).strip(),
                time_zone=str(form.get("time_zone", "")) or "UTC",
                languages=languages,
            )
        except ValidationError as exc:
            self.errors = dotted_errors(exc)
            if "name" in self.errors:
                self.errors["name"] = "Name the agent (up to 120 characters)"
            return
        found = await self._principal()
        if found is None:
            yield (await self.get_state(AuthState)).login_redirect()
            return
        principal, tenant_id = found
        self.busy = True
        yield None
        try:
            agent_id = await in_thread(lambda: make_agent(principal, tenant_id, data))
        except ServiceError as exc:
            self.errors = form_errors(exc)
            self.busy = False
            return
        self.busy = False
        self.show_form = False
        self.form_key += 1
        yield rx.redirect(f"/agents/{agent_id}")


def new_agent_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("New agent", size="4", as_="h2"),
                form_error(AgentsState.errors.get("", "")),
                field(
                    "Name",
                    text_input("name", control_id="agent_name", placeholder="Front desk"),
                    AgentsState.errors.get("name", ""),
                    control_id="agent_name",
                ),
                field(
                    "Greeting",
                    rx.text_area(
                        name="greeting",
                        id="agent_greeting",
                        placeholder="Thanks for calling! How can I help?",
                        width="100%",
                        data_testid="agent_greeting",
                    ),
                    AgentsState.errors.get("greeting", ""),
                    control_id="agent_greeting",
                    hint="What callers hear first.",
                ),
                field(
                    "Time zone",
                    time_zone_select(
                        control_id="agent_time_zone", default_value=AuthState.tenant_time_zone
                    ),
                    AgentsState.errors.get("time_zone", ""),
                    control_id="agent_time_zone",
                ),
                field(
                    "Languages",
                    text_input(
                        "languages",
                        control_id="agent_languages",
                        default_value="en",
                        placeholder="en, es",
                    ),
                    AgentsState.errors.get("languages", ""),
                    control_id="agent_languages",
                    hint="Language codes, separated by commas: en, es, fr…",
                ),
                rx.hstack(
                    submit_button("Create agent", testid="agent-create", disabled=AgentsState.busy),
                    rx.button(
                        "Cancel",
                        type="button",
                        variant="soft",
                        color_scheme="gray",
                        size="3",
                        on_click=AgentsState.close_form,
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                spacing="4",
                width="100%",
            ),
            key=AgentsState.form_key,
            on_submit=AgentsState.create,
            width="100%",
        ),
        width="100%",
        max_width="36rem",
        data_testid="new-agent-form",
    )


def agent_card(agent: Any) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("bot", size=22, color=rx.color("iris", 9), flex_shrink="0"),
                    rx.text(
                        agent["name"],
                        weight="bold",
                        size="4",
                        overflow_wrap="anywhere",
                        flex="1",
                        min_width="0",
                        data_testid="agent-name",
                    ),
                    status_badge(agent["status"]),
                    align="center",
                    spacing="2",
                    width="100%",
                ),
                rx.cond(
                    agent["reason"] != "",
                    rx.text(
                        agent["reason"],
                        size="2",
                        color_scheme="red",
                        overflow_wrap="anywhere",
                        data_testid="agent-reason",
                    ),
                ),
                rx.hstack(
                    rx.icon("phone", size=16, flex_shrink="0"),
                    muted(rx.cond(agent["phone"] != "", agent["phone"], "No phone number yet")),
                    spacing="2",
                    align="center",
                ),
                muted("Languages: " + agent["languages"]),
                spacing="2",
                width="100%",
            ),
            width="100%",
            height="100%",
            _hover={"background": rx.color("gray", 3)},
        ),
        href=rx.cond(
            (agent["status"] == "creating") | (agent["status"] == "failed"),
            "/agents/" + agent["id"] + "/creating",
            "/agents/" + agent["id"],
        ),
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        width="100%",
        data_testid="agent-card",
    )


def empty_state() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("bot", size=40, color=rx.color("iris", 9)),
            rx.heading("No agents yet", size="5", as_="h2"),
            rx.cond(
                AgentsState.can_create,
                rx.fragment(
                    muted(
                        "An agent answers your business's phone: it knows your hours, services "
                        "and prices, takes messages and transfers calls to you."
                    ),
                    rx.link(
                        rx.button(rx.icon("globe", size=16), "Create your first agent", size="3"),
                        href="/agents/new",
                        data_testid="empty-create-from-website",
                    ),
                    muted("From your website, in a minute or two."),
                    rx.button(
                        "or create one by hand",
                        variant="ghost",
                        size="2",
                        on_click=AgentsState.open_form,
                        data_testid="empty-create-agent",
                    ),
                ),
                muted("An owner or admin of the business can create one."),
            ),
            align="center",
            text_align="center",
            spacing="3",
            padding="var(--space-5)",
            width="100%",
        ),
        width="100%",
        data_testid="agents-empty",
    )


def agents_content() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                value=AgentsState.search,
                on_change=AgentsState.set_search,
                placeholder="Search by name or number",
                aria_label="Search agents",
                type="search",
                size="3",
                width="100%",
                max_width=rx.breakpoints(initial="100%", sm="24rem"),
                data_testid="agent-search",
            ),
            rx.cond(
                AgentsState.can_create & AgentsState.has_any & ~AgentsState.show_form,
                rx.flex(
                    rx.link(
                        rx.button(rx.icon("globe", size=16), "New agent", size="3", width="100%"),
                        href="/agents/new",
                        data_testid="new-agent-from-website",
                    ),
                    rx.button(
                        "Create by hand",
                        variant="soft",
                        size="3",
                        on_click=AgentsState.open_form,
                        data_testid="new-agent",
                    ),
                    direction=rx.breakpoints(initial="column", sm="row"),
                    spacing="3",
                ),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            justify="between",
            align=rx.breakpoints(initial="stretch", sm="center"),
            spacing="3",
            width="100%",
        ),
        rx.cond(~AgentsState.can_create, muted("Only owners and admins can create agents.")),
        rx.cond(~AgentsState.show_form, form_error(AgentsState.errors.get("", ""))),
        rx.cond(AgentsState.show_form, new_agent_form()),
        rx.cond(
            AgentsState.agents,
            rx.grid(
                rx.foreach(AgentsState.agents, agent_card),
                columns=rx.breakpoints(initial="1", md="2", lg="3"),
                spacing="4",
                width="100%",
                data_testid="agent-grid",
            ),
            rx.cond(
                AgentsState.has_any,
                muted("No agent matches “" + AgentsState.search + "”."),
                rx.cond(~AgentsState.show_form, empty_state()),
            ),
        ),
        spacing="5",
        width="100%",
    )


@template("Agents")
def agents_page() -> rx.Component:
    return rx.box(
        rx.cond(
            AgentsState.no_tenant,
            not_allowed(
                "You are not acting as a business. Staff: impersonate one from the Staff page."
            ),
            rx.cond(AgentsState.loaded, agents_content()),
        ),
        width="100%",
        data_testid="agents",
    )
