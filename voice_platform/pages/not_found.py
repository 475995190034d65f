"""The page shown for any address the app does not have."""

from __future__ import annotations

import reflex as rx

from voice_platform.components.layout import template


@template("Page not found")
def not_found() -> rx.Component:
    return rx.vstack(
        rx.heading("404", size="9", color_scheme="gray"),
        rx.text("There is no page at this address.", size="4"),
        rx.link(rx.button("Back to home", size="3"), href="/"),
        spacing="4",
        align="start",
        data_testid="not-found",
    )
