"""Home: what the platform is, and whether its parts are up."""

from __future__ import annotations

import reflex as rx

from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.services.health import system_health


class HomeState(rx.State):
    status: str = "checking"
    failing: list[str] = []

    @rx.event
    async def load(self) -> None:
        report = await system_health(get_settings())
        self.status = report.status
        self.failing = report.failing


def status_badge() -> rx.Component:
    return rx.match(
        HomeState.status,
        ("ok", rx.badge("All systems running", color_scheme="green", size="2")),
        ("checking", rx.badge("Checking…", color_scheme="gray", size="2")),
        rx.badge(
            "Unavailable: " + HomeState.failing.join(", "),  # type: ignore[attr-defined]
            color_scheme="red",
            size="2",
        ),
    )


def step_card(icon: str, title: str, text: str) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.icon(icon, size=24, color=rx.color("iris", 9), flex_shrink="0"),
            rx.vstack(rx.heading(title, size="3"), rx.text(text, size="2"), spacing="1"),
            spacing="3",
            align="start",
        ),
        width="100%",
    )


@template("Home")
def home() -> rx.Component:
    return rx.vstack(
        rx.heading("Your AI receptionist, from your website", size="7"),
        rx.text(
            "Enter your website; the platform reads it into a knowledge base, gives your "
            "business a voice and a phone number, and answers your calls.",
            size="3",
            color_scheme="gray",
        ),
        status_badge(),
        rx.grid(
            step_card(
                "globe",
                "Read your site",
                "Hours, services, prices and policies, each with the page it came from.",
            ),
            step_card("mic", "Give it a voice", "Pick or design a voice that fits your brand."),
            step_card(
                "phone",
                "Answer calls",
                "Answers from what it knows, takes messages, transfers to you when it should.",
            ),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="4",
            width="100%",
        ),
        spacing="5",
        width="100%",
        data_testid="home",
    )
