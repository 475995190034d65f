"""Sign up: a new business and its owner, logged in at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
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
    time_zone_select,
)
from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.db import platform_session
from voice_platform.services import auth
from voice_platform.services.auth import Tokens
from voice_platform.services.errors import ServiceError
from voice_platform.services.security import MIN_PASSWORD_LENGTH
from voice_platform.state.auth import AuthState, form_errors, in_thread

# Start the time-zone picker at the browser's own zone, when the list has it, unless the person
# has already picked one (the page's load event can arrive after a quick first choice).
DETECT_TIME_ZONE = """
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const select = document.getElementById("time_zone");
if (select && !select.dataset.chosen && zone
    && Array.from(select.options).some((o) => o.value === zone)) {
  select.value = zone;
}
"""
MARK_CHOSEN = 'document.getElementById("time_zone").dataset.chosen = "1";'
# check_tenant_fields calls the business's name "name"; this form calls it business_name.
RENAMED = {"name": "business_name"}


class SignupState(rx.State):
    errors: dict[str, str] = {}
    busy: bool = False

    @rx.event
    async def load(self) -> EventSpec:
        self.errors = {}
        self.busy = False
        await (await self.get_state(AuthState)).resume()
        return rx.call_script(DETECT_TIME_ZONE)

    @rx.event
    async def submit(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        values = {key: str(form.get(key, "")) for key in ("business_name", "full_name", "email")}
        password = str(form.get("password", ""))
        time_zone = str(form.get("time_zone", "")) or "UTC"
        self.errors = {}
        self.busy = True
        yield None
        session = await self.get_state(AuthState)
        meta = session.request_meta()

        def register() -> Tokens:
            with platform_session("ui: sign up") as platform:
                return auth.register(
                    platform,
                    get_settings(),
                    business_name=values["business_name"],
                    email=values["email"],
                    password=password,
                    full_name=values["full_name"],
                    time_zone=time_zone,
                    meta=meta,
                )

        try:
            tokens = await in_thread(register)
        except ServiceError as exc:
            self.busy = False
            self.errors = form_errors(exc, rename=RENAMED)
            return
        await session.start_session(tokens)
        self.busy = False
        yield rx.redirect("/settings")


@template("Sign up")
def signup() -> rx.Component:
    return rx.center(
        narrow_card(
            rx.heading("Set up your business", size="5"),
            muted("An AI receptionist for your phone, from your website."),
            rx.form(
                rx.vstack(
                    form_error(SignupState.errors.get("", "")),
                    field(
                        "Business name",
                        text_input("business_name", control_id="business_name"),
                        SignupState.errors.get("business_name", ""),
                        control_id="business_name",
                    ),
                    field(
                        "Your name",
                        text_input("full_name", control_id="full_name", auto_complete="name"),
                        SignupState.errors.get("full_name", ""),
                        control_id="full_name",
                    ),
                    field(
                        "Email",
                        text_input(
                            "email", control_id="email", type_="email", auto_complete="email"
                        ),
                        SignupState.errors.get("email", ""),
                        control_id="email",
                    ),
                    field(
                        "Password",
                        text_input(
                            "password",
                            control_id="password",
                            type_="password",
                            auto_complete="new-password",
                        ),
                        SignupState.errors.get("password", ""),
                        control_id="password",
                        hint=f"At least {MIN_PASSWORD_LENGTH} characters.",
                    ),
                    field(
                        "Time zone",
                        time_zone_select(
                            control_id="time_zone",
                            default_value="UTC",
                            on_change=rx.call_script(MARK_CHOSEN),
                        ),
                        SignupState.errors.get("time_zone", ""),
                        control_id="time_zone",
                        hint="Your opening hours and call times are shown in it.",
                    ),
                    submit_button(
                        "Create my business", testid="signup-submit", disabled=SignupState.busy
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=SignupState.submit,
                width="100%",
                data_testid="signup-form",
            ),
            rx.text("Have an account? ", rx.link("Log in", href="/login"), size="2"),
            testid="signup",
        ),
        width="100%",
    )
