"""Forgot password: ask for a reset link by email. The answer never tells whether the
account exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from voice_platform.components.forms import (
    field,
    form_error,
    muted,
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
from voice_platform.state.auth import AuthState, form_errors, in_thread

SENT = (
    "If an account exists for that email, we sent it a link to choose a new password. "
    "Check your inbox (and the spam folder)."
)


class ForgotPasswordState(rx.State):
    errors: dict[str, str] = {}
    sent: str = ""
    busy: bool = False

    @rx.event
    def load(self) -> None:
        self.errors = {}
        self.sent = ""
        self.busy = False

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[None]:
        email = str(form.get("email", ""))
        self.errors = {}
        self.sent = ""
        self.busy = True
        yield
        meta = (await self.get_state(AuthState)).request_meta()

        def request() -> None:
            with platform_session("ui: password reset request") as platform:
                auth.request_password_reset(platform, get_settings(), email=email, meta=meta)

        try:
            await in_thread(request)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self.sent = SENT
        self.busy = False


@template("Forgot password")
def forgot_password() -> rx.Component:
    return rx.center(
        narrow_card(
            rx.heading("Reset your password", size="5"),
            muted("Enter the email you log in with; we will send you a link."),
            success_message(ForgotPasswordState.sent, testid="reset-sent"),
            rx.form(
                rx.vstack(
                    form_error(ForgotPasswordState.errors.get("", "")),
                    field(
                        "Email",
                        text_input(
                            "email", control_id="email", type_="email", auto_complete="email"
                        ),
                        ForgotPasswordState.errors.get("email", ""),
                        control_id="email",
                    ),
                    submit_button(
                        "Send the link", testid="forgot-submit", disabled=ForgotPasswordState.busy
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=ForgotPasswordState.submit,
                width="100%",
                data_testid="forgot-form",
            ),
            rx.link("Back to log in", href="/login", size="2"),
            testid="forgot-password",
        ),
        width="100%",
    )
