"""Messages callers left with the receptionist, newest first: who, the number to call back,
what they said, which agent took it and when. They are also emailed (and posted to the
business's webhook, if it set one)."""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx
from sqlmodel import Session

from voice_platform.components.forms import form_error, item_card, muted
from voice_platform.components.layout import template
from voice_platform.services import agents, messages
from voice_platform.services.principal import Principal
from voice_platform.state.tenant_scope import run_in_tenant


class MessagesState(rx.State):
    loaded: bool = False
    items: list[dict[str, str]] = []
    errors: dict[str, str] = {}

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.errors = {}

        def read(s: Session, p: Principal, t: uuid.UUID) -> list[dict[str, str]]:
            names = {
                a.id: a.name for a in agents.list_agents(s, principal=p, tenant_id=t, search="")
            }
            return [
                {
                    "id": str(m.id),
                    "name": m.caller_name,
                    "number": m.callback_number,
                    "body": m.body,
                    "agent": names.get(m.agent_id, "") if m.agent_id else "",
                    "when": f"{m.created_at:%a %d %b %Y, %H:%M} UTC",
                    "emailed": "Emailed" if m.emailed_at else "Not emailed yet",
                }
                for m in messages.list_messages(s, principal=p, tenant_id=t, limit=100)
            ]

        found = await run_in_tenant(self, read)
        if found is not None:
            self.items = found
            self.loaded = True


def message_card(item: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.hstack(
                rx.text(item["name"], weight="bold", overflow_wrap="anywhere"),
                rx.link(item["number"], href="tel:" + item["number"], size="2"),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.text(item["body"], size="3", overflow_wrap="anywhere"),
            muted(item["when"] + " · " + item["agent"] + " · " + item["emailed"]),
            spacing="1",
            width="100%",
        ),
        data_testid="message",
    )


@template("Messages")
def messages_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Messages", size="6"),
        muted("What callers asked the receptionist to pass on, newest first."),
        form_error(MessagesState.errors.get("", "")),
        rx.cond(
            MessagesState.loaded,
            rx.cond(
                MessagesState.items.length() > 0,  # type: ignore[attr-defined]
                rx.vstack(rx.foreach(MessagesState.items, message_card), spacing="3", width="100%"),
                muted("No messages yet. When a caller leaves one, it appears here."),
            ),
        ),
        spacing="4",
        width="100%",
        data_testid="messages",
    )
