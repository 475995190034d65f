"""The Settings page's provider accounts section (state: state/provider_accounts.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.components.forms import (
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
from voice_platform.state.provider_accounts import ProviderAccountsState as State

S, URL = "password", "url"  # input types: secrets are not echoed
ACCOUNTS = (
    ("twilio", "Twilio", (("account_sid", "Account SID", S), ("auth_token", "Auth token", S))),
    ("elevenlabs", "ElevenLabs", (("api_key", "API key", S),)),
    ("openai", "OpenAI-compatible", (("api_key", "API key", S), ("base_url", "Base URL", URL))),
)


def source_row(row: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.text(row["capability"], weight="medium"),
            muted(row["provider"] + ", through " + row["source"]),
            rx.cond(row["hint"] != "", rx.code(row["hint"], size="1")),
            spacing="1",
            flex="1",
        ),
        data_testid="provider-source",
    )


def account_form(key: str, title: str, fields: tuple[tuple[str, str, str], ...]) -> rx.Component:
    return rx.form(
        rx.el.input(type="hidden", name="provider", value=key),
        rx.text(title, weight="medium"),
        form_row(
            *[
                form_cell(
                    field(
                        label,
                        text_input(name, control_id=f"{key}_{name}", type_=kind),
                        State.errors.get(f"{key}.{name}", ""),
                        control_id=f"{key}_{name}",
                    ),
                    min_width="12rem",
                )
                for name, label, kind in fields
            ],
            submit_button("Use this account", testid=f"save-{key}", disabled=State.busy),
        ),
        rx.button(
            "Stop using it",
            type="button",
            variant="ghost",
            color_scheme="gray",
            size="1",
            on_click=State.remove(key),  # type: ignore[operator]
            data_testid=f"remove-{key}",
        ),
        key=State.form_key,
        on_submit=State.save,
        width="100%",
        data_testid=f"account-{key}",
    )


def provider_accounts() -> rx.Component:
    return rx.cond(
        State.allowed,
        section(
            "Provider accounts",
            muted(
                "Which service provides phone numbers, voices and the language model for this "
                "business. Enter your own account to use it instead of the platform's; it is "
                "stored encrypted and never shown again."
            ),
            form_error(State.errors.get("", ""), testid="accounts-error"),
            success_message(State.notice, testid="accounts-notice"),
            rx.foreach(State.rows, source_row),
            *[account_form(key, title, fields) for key, title, fields in ACCOUNTS],
            testid="provider-accounts",
        ),
    )
