"""Provenance on the knowledge page (a fact's source link), and flags for the owner: places
where the website disagrees with itself (its structured data and its page text, say). Both
versions are shown with their sources; the owner edits the category if needed and marks the
flag settled."""

from __future__ import annotations

from typing import Any

import reflex as rx

from voice_platform.components.forms import muted


def source_link(url: Any, size: str = "2") -> rx.Component:
    """Where a fact was read, when it was read from somewhere."""
    return rx.cond(
        url != "",
        rx.link(
            rx.hstack(rx.icon("external-link", size=14, flex_shrink="0"), rx.text("Source")),
            href=url,
            is_external=True,
            size=size,
            title=url,
            data_testid="source-link",
        ),
    )


def version(text: Any, url: Any) -> rx.Component:
    return rx.vstack(
        rx.text(text, size="2", overflow_wrap="anywhere"),
        source_link(url, size="1"),
        spacing="1",
        padding="var(--space-2)",
        border_left="3px solid var(--amber-8)",
        width="100%",
    )


def flag_card(flag: Any, can_edit: Any, on_settle: Any) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("triangle-alert", size=16, color="var(--amber-11)", flex_shrink="0"),
                rx.text(flag["about"], weight="medium"),
                rx.badge(flag["category"], variant="soft", color_scheme="gray"),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            version(flag["first"], flag["first_source"]),
            version(flag["second"], flag["second_source"]),
            muted("The agent uses the first until you change it in the category below."),
            rx.cond(
                can_edit,
                rx.button(
                    rx.icon("check", size=16),
                    "Mark settled",
                    variant="soft",
                    on_click=on_settle(flag["id"]),
                    width="fit-content",
                    data_testid="kb-flag-settle",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_testid="kb-flag",
    )


def review_panel(flags: Any, can_edit: Any, on_settle: Any) -> rx.Component:
    """`on_settle(conflict_id)`: the event that marks a flag settled."""
    return rx.cond(
        flags.length() > 0,
        rx.vstack(
            rx.heading("Needs your review", size="4"),
            muted("Your website says these things two ways. Check which one is right."),
            rx.foreach(flags, lambda flag: flag_card(flag, can_edit, on_settle)),
            spacing="2",
            width="100%",
            data_testid="kb-review",
        ),
    )
