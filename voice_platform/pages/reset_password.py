"""Reset password: the link from the email (?token=…) and a new password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from voice_platform.components.forms import (
    field,
    form_error,
    narrow_card,
    submit_button,
    success_message,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.db import platform_session
from voice_platform.services import auth
from voice_platform.services.errors import ServiceError
from voice_platform.services.security import MIN_PASSWORD_LENGTH
from voice_platform.state.auth import AuthState, form_errors, in_thread

# The token is not a field of this form: its problems are the form's.
RENAMED = {"token": ""}


class ResetPasswordState(rx.State):
    errors: dict[str, str] = {}
    done: str = ""
    busy: bool = False

    @rx.var
    def has_token(self) -> bool:
        return bool(self.router.url.query_parameters.get("token"))

    @rx.event
    def load(self) -> None:
        self.errors = {}
        self.done = ""
        self.busy = False

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[None]:
        password = str(form.get("password", ""))
        confirm = str(form.get("confirm", ""))
        token = self.router.url.query_parameters.get("token", "")
        self.errors = {}
        if password != confirm:
            self.errors = {"confirm": "The two passwords differ"}
            return
        self.busy = True
        yield
        meta = (await self.get_state(AuthState)).request_meta()

        def reset() -> None:
            with platform_session("ui: password reset") as platform:
                auth.reset_password(
                    platform, get_settings(), token=token, new_password=password, meta=meta
                )

        try:
            await in_thread(reset)
        except ServiceError as exc:
            self.errors = form_errors(exc, rename=RENAMED)
        else:
            self.done = "Your password is changed, and every session was logged out. Log in."
        self.busy = False


def reset_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_error(ResetPasswordState.errors.get("", "")),
            field(
                "New password",
                text_input(
                    "password",
                    control_id="password",
                    type_="password",
                    auto_complete="new-password",
                ),
                ResetPasswordState.errors.get("password", ""),
                control_id="password",
                hint=f"At least {MIN_PASSWORD_LENGTH} characters.",
            ),
            field(
                "New password again",
                text_input(
                    "confirm", control_id="confirm", type_="password", auto_complete="new-password"
                ),
                ResetPasswordState.errors.get("confirm", ""),
                control_id="confirm",
            ),
            submit_button(
                "Change my password", testid="reset-submit", disabled=ResetPasswordState.busy
            ),
            spacing="4",
            width="100%",
        ),
        on_submit=ResetPasswordState.submit,
        width="100%",
        data_testid="reset-form",
    )


@template("Choose a new password")
def reset_password() -> rx.Component:
    return rx.center(
        narrow_card(
            rx.heading("Choose a new password", size="5"),
            rx.cond(
                ResetPasswordState.done != "",
                rx.vstack(
                    success_message(ResetPasswordState.done, testid="reset-done"),
                    rx.link(rx.button("Log in", size="3"), href="/login"),
                    spacing="4",
                    width="100%",
                ),
                rx.cond(
                    ResetPasswordState.has_token,
                    reset_form(),
                    form_error(
                        "This link has no reset token; ask for a new link.", testid="reset-no-token"
                    ),
                ),
            ),
            rx.link("Ask for a new link", href="/forgot-password", size="2"),
            testid="reset-password",
        ),
        width="100%",
    )
