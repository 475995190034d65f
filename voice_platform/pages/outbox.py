"""The email outbox (staff only): what the platform would have sent, when no SMTP server is
configured. Invitations and password-reset links can be picked up here."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.components.forms import form_error, muted, not_allowed
from voice_platform.components.layout import template
from voice_platform.db import platform_session
from voice_platform.services import email
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal, require_staff
from voice_platform.state.auth import AuthState, form_errors, format_time, in_thread

LIMIT = 100


def read_outbox(principal: Principal, to: str) -> list[dict[str, str]]:
    require_staff(principal)
    with platform_session("ui: staff outbox") as platform:
        return [
            {
                "id": str(message.id),
                "to": message.to_address,
                "subject": message.subject,
                "body": message.body,
                "when": format_time(message.created_at),
            }
            for message in email.outbox(platform, principal=principal, to=to or None, limit=LIMIT)
        ]


class OutboxState(rx.State):
    loaded: bool = False
    allowed: bool = False
    to: str = ""
    messages: list[dict[str, str]] = []
    errors: dict[str, str] = {}

    async def _fetch(self) -> None:
        self.errors = {}
        session = await self.get_state(AuthState)
        principal = await session.principal()
        if principal is None:
            return
        self.allowed = session.staff_console
        if not self.allowed:
            self.messages = []
            self.loaded = True
            return
        to = self.to
        try:
            self.messages = await in_thread(lambda: read_outbox(principal, to))
        except ServiceError as exc:
            self.errors = form_errors(exc)
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.to = self.router.url.query_parameters.get("to", "")
        await self._fetch()

    @rx.event
    async def filter(self, form: dict[str, Any]) -> None:
        self.to = str(form.get("to", "")).strip()
        await self._fetch()


def message_card(message: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.text(
                    "To ",
                    rx.text.strong(message["to"], data_testid="email-to"),
                    size="2",
                    overflow_wrap="anywhere",
                ),
                muted(message["when"]),
                justify="between",
                spacing="2",
                wrap="wrap",
                width="100%",
            ),
            rx.heading(message["subject"], size="3", as_="h3", data_testid="email-subject"),
            rx.text(
                message["body"],
                size="2",
                white_space="pre-wrap",
                overflow_wrap="anywhere",
                data_testid="email-body",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="email",
    )


def outbox_content() -> rx.Component:
    return rx.vstack(
        muted(
            "Email the platform sends is kept here while no SMTP server is configured; "
            f"newest first, the last {LIMIT}."
        ),
        rx.form(
            rx.hstack(
                rx.input(
                    name="to",
                    id="to",
                    default_value=OutboxState.to,
                    placeholder="Recipient contains…",
                    aria_label="Filter by recipient",
                    size="3",
                    flex="1",
                    min_width="0",
                    data_testid="outbox-filter",
                ),
                rx.button(rx.icon("search", size=16), "Filter", type="submit", size="3"),
                spacing="2",
                width="100%",
            ),
            on_submit=OutboxState.filter,
            width="100%",
        ),
        form_error(OutboxState.errors.get("", "")),
        rx.cond(
            OutboxState.messages,
            rx.foreach(OutboxState.messages, message_card),
            muted("No email here."),
        ),
        spacing="4",
        width="100%",
    )


@template("Email outbox")
def outbox() -> rx.Component:
    return rx.box(
        rx.cond(
            OutboxState.loaded,
            rx.cond(
                OutboxState.allowed,
                outbox_content(),
                not_allowed("This page is for platform staff only."),
            ),
        ),
        width="100%",
        data_testid="outbox",
    )
