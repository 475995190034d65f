"""Accept an invitation (?token=…): see the business and role, then join it. A new person
chooses a name and password; someone with an account confirms their password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from voice_platform.components.forms import (
    field,
    form_error,
    muted,
    narrow_card,
    submit_button,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.db import platform_session
from voice_platform.services import members
from voice_platform.services.auth import Tokens
from voice_platform.services.errors import ServiceError
from voice_platform.services.security import MIN_PASSWORD_LENGTH
from voice_platform.state.auth import AuthState, form_errors, in_thread

RENAMED = {"token": ""}


@dataclass(frozen=True)
class Offer:
    business: str
    email: str
    role: str
    has_account: bool


def read_offer(token: str) -> Offer:
    with platform_session("ui: read invitation") as platform:
        invitation, tenant, has_account = members.invitation_for_token(platform, token)
        return Offer(tenant.name, invitation.email, invitation.role.value, has_account)


class InviteState(rx.State):
    loaded: bool = False
    business: str = ""
    email: str = ""
    role: str = ""
    has_account: bool = False
    errors: dict[str, str] = {}
    busy: bool = False

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.errors = {}
        self.busy = False
        self.business = self.email = self.role = ""
        token = self._token()
        if not token:
            self.errors = {"": "This link has no invitation in it; open the link from the email."}
            return
        try:
            offer = await in_thread(lambda: read_offer(token))
        except ServiceError as exc:
            self.errors = form_errors(exc, rename=RENAMED)
            return
        self.business, self.email, self.role = offer.business, offer.email, offer.role
        self.has_account = offer.has_account
        self.loaded = True

    @rx.event
    async def accept(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        password = str(form.get("password", ""))
        full_name = str(form.get("full_name", ""))
        token = self._token()
        self.errors = {}
        self.busy = True
        yield None
        session = await self.get_state(AuthState)
        meta = session.request_meta()

        def accept() -> Tokens:
            with platform_session("ui: accept invitation") as platform:
                return members.accept_invitation(
                    platform,
                    get_settings(),
                    token=token,
                    password=password,
                    full_name=full_name,
                    meta=meta,
                )

        try:
            tokens = await in_thread(accept)
        except ServiceError as exc:
            self.busy = False
            self.errors = form_errors(exc, rename=RENAMED)
            return
        await session.start_session(tokens)
        self.busy = False
        yield rx.redirect("/settings")


def accept_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(
                InviteState.has_account,
                muted("You have an account: confirm it is you with its password."),
                field(
                    "Your name",
                    text_input("full_name", control_id="full_name", auto_complete="name"),
                    InviteState.errors.get("full_name", ""),
                    control_id="full_name",
                ),
            ),
            field(
                rx.cond(InviteState.has_account, "Your password", "Choose a password"),
                text_input(
                    "password",
                    control_id="password",
                    type_="password",
                    auto_complete="current-password",
                ),
                InviteState.errors.get("password", ""),
                control_id="password",
                hint=f"At least {MIN_PASSWORD_LENGTH} characters for a new account.",
            ),
            submit_button(
                "Accept the invitation", testid="invite-submit", disabled=InviteState.busy
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=InviteState.accept,
        width="100%",
        data_testid="invite-form",
    )


@template("Invitation")
def invite() -> rx.Component:
    return rx.center(
        narrow_card(
            rx.heading("Join a business", size="5"),
            form_error(InviteState.errors.get("", ""), testid="invite-error"),
            rx.cond(
                InviteState.loaded,
                rx.vstack(
                    rx.text(
                        "You are invited to join ",
                        rx.text.strong(InviteState.business, data_testid="invite-business"),
                        " as ",
                        rx.badge(InviteState.role, data_testid="invite-role"),
                        ".",
                        size="3",
                    ),
                    muted("Invitation for " + InviteState.email),
                    accept_form(),
                    spacing="4",
                    width="100%",
                ),
            ),
            rx.text("Already a member? ", rx.link("Log in", href="/login"), size="2"),
            testid="invite",
        ),
        width="100%",
    )
