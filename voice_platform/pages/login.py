"""Log in: email and password, then back to where the person was going."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from voice_platform.components.forms import (
    field,
    form_error,
    narrow_card,
    submit_button,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.db import platform_session
from voice_platform.services import auth
from voice_platform.services.auth import Tokens
from voice_platform.services.errors import ServiceError
from voice_platform.state.auth import AuthState, form_errors, in_thread, local_path


class LoginState(rx.State):
    errors: dict[str, str] = {}
    busy: bool = False

    @rx.var
    def next_path(self) -> str:
        return local_path(self.router.url.query_parameters.get("next"))

    @rx.event
    async def load(self) -> EventSpec | None:
        self.errors = {}
        self.busy = False
        session = await self.get_state(AuthState)
        await session.resume()
        if session.logged_in:
            return rx.redirect(self.next_path)
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        self.errors = {}
        if not email.strip():
            self.errors = {"email": "Enter your email address"}
            return
        if not password:
            self.errors = {"password": "Enter your password"}
            return
        self.busy = True
        yield None
        session = await self.get_state(AuthState)
        meta = session.request_meta()

        def log_in() -> Tokens:
            with platform_session("ui: log in") as platform:
                return auth.login(
                    platform, get_settings(), email=email, password=password, meta=meta
                )

        try:
            tokens = await in_thread(log_in)
        except ServiceError as exc:
            self.busy = False
            self.errors = form_errors(exc)
            return
        await session.start_session(tokens)
        self.busy = False
        yield rx.redirect(self.next_path)


@template("Log in")
def login() -> rx.Component:
    return rx.center(
        narrow_card(
            rx.heading("Log in to your business", size="5"),
            rx.form(
                rx.vstack(
                    form_error(LoginState.errors.get("", "")),
                    field(
                        "Email",
                        text_input(
                            "email", control_id="email", type_="email", auto_complete="email"
                        ),
                        LoginState.errors.get("email", ""),
                        control_id="email",
                    ),
                    field(
                        "Password",
                        text_input(
                            "password",
                            control_id="password",
                            type_="password",
                            auto_complete="current-password",
                        ),
                        LoginState.errors.get("password", ""),
                        control_id="password",
                    ),
                    submit_button("Log in", testid="login-submit", disabled=LoginState.busy),
                    spacing="4",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                width="100%",
                data_testid="login-form",
            ),
            rx.flex(
                rx.link("Forgot your password?", href="/forgot-password", size="2"),
                rx.text(
                    "New here? ",
                    rx.link("Sign up your business", href="/signup"),
                    size="2",
                ),
                direction="column",
                spacing="2",
            ),
            testid="login",
        ),
        width="100%",
    )
