"""A line of a conversation as a speech bubble: the caller's on the right, the agent's on the
left (the test console, a call's transcript, a question asked again)."""

from __future__ import annotations

from typing import Any

import reflex as rx


def speech_bubble(
    *children: rx.Component, caller: Any, padding: str = "var(--space-2)", **props: Any
) -> rx.Component:
    """`caller`: True, False, or a Var saying whether the caller said it."""
    return rx.box(
        *children,
        align_self=rx.cond(caller, "flex-end", "flex-start"),
        background=rx.cond(caller, "var(--accent-3)", "var(--gray-3)"),
        padding=padding,
        border_radius="var(--radius-3)",
        max_width="90%",
        **props,
    )
