"""The layout template every page uses: sidebar on desktop, drawer on a phone, a top bar."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from voice_platform.components.navigation import brand, nav_links, user_box
from voice_platform.state.auth import AuthState

SIDEBAR_WIDTH = "15rem"


def sidebar() -> rx.Component:
    return rx.box(
        rx.vstack(
            brand(),
            rx.divider(),
            nav_links(),
            user_box(),
            spacing="4",
            padding="var(--space-4)",
            width="100%",
        ),
        overflow_y="auto",
        width=SIDEBAR_WIDTH,
        min_width=SIDEBAR_WIDTH,
        height="100vh",
        position="sticky",
        top="0",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        display=["none", "none", "block"],
        data_testid="sidebar",
    )


def mobile_menu() -> rx.Component:
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(
                rx.icon("menu"),
                variant="ghost",
                size="3",
                aria_label="Open menu",
                data_testid="menu-button",
            ),
        ),
        rx.drawer.overlay(z_index="40"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        brand(),
                        rx.spacer(),
                        rx.drawer.close(
                            rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close menu")
                        ),
                        width="100%",
                        align="center",
                    ),
                    rx.divider(),
                    nav_links(),
                    user_box(),
                    spacing="4",
                    padding="var(--space-4)",
                    width="100%",
                ),
                width="80vw",
                max_width="20rem",
                height="100%",
                top="0",
                left="0",
                z_index="50",
                background=rx.color("gray", 1),
                data_testid="drawer",
            )
        ),
        direction="left",
    )


def impersonation_banner() -> rx.Component:
    """Shown on every page while staff act as a business: whom, why, until when."""
    return rx.cond(
        AuthState.impersonating,
        rx.flex(
            rx.hstack(
                rx.icon("venetian-mask", size=20, flex_shrink="0"),
                rx.text(
                    "You are acting as ",
                    rx.text.strong(AuthState.tenant_name),
                    " (",
                    AuthState.impersonation_reason,
                    ") until ",
                    AuthState.impersonation_until,
                    size="2",
                    overflow_wrap="anywhere",
                ),
                spacing="2",
                align="center",
            ),
            rx.button(
                "End impersonation",
                on_click=AuthState.end_impersonation,
                color_scheme="amber",
                variant="solid",
                high_contrast=True,
                size="2",
                flex_shrink="0",
                data_testid="end-impersonation",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="start", sm="center"),
            justify="between",
            spacing="2",
            width="100%",
            padding_x=["var(--space-3)", "var(--space-4)", "var(--space-6)"],
            padding_y="var(--space-2)",
            background=rx.color("amber", 4),
            color=rx.color("amber", 12),
            border_bottom=f"1px solid {rx.color('amber', 7)}",
            role="status",
            data_testid="impersonation-banner",
        ),
    )


def top_bar(title: str) -> rx.Component:
    return rx.hstack(
        rx.box(mobile_menu(), display=["block", "block", "none"]),
        rx.heading(title, size="5", as_="h1", trim="both"),
        rx.spacer(),
        rx.color_mode.button(variant="ghost", size="3", aria_label="Toggle dark mode"),
        align="center",
        spacing="3",
        padding_x=["var(--space-3)", "var(--space-4)", "var(--space-6)"],
        padding_y="var(--space-3)",
        width="100%",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        position="sticky",
        top="0",
        z_index="10",
        background=rx.color("gray", 1),
        data_testid="top-bar",
    )


def page_layout(title: str, *children: rx.Component) -> rx.Component:
    return rx.hstack(
        sidebar(),
        rx.box(
            impersonation_banner(),
            top_bar(title),
            rx.box(
                *children,
                padding=["var(--space-3)", "var(--space-4)", "var(--space-6)"],
                max_width="72rem",
                width="100%",
            ),
            as_="main",
            flex="1",
            min_width="0",
        ),
        spacing="0",
        align="start",
        width="100%",
        min_height="100vh",
    )


def template(title: str) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Decorator: wrap a page's content in the layout, titled `title`."""

    def wrap(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return page_layout(title, content())

        page.__name__ = content.__name__
        return page

    return wrap
