"""The app's navigation: one list of destinations, shown as a sidebar or inside a drawer."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    icon: str
    # Served by the API, not the UI's router: open it as a page of its own.
    external: bool = False


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("Home", "/", "house"),
    NavItem("API docs", "/api/docs", "book-open", external=True),
)


def nav_link(item: NavItem) -> rx.Component:
    is_current = rx.State.router.page.path == item.route
    return rx.link(
        rx.hstack(rx.icon(item.icon, size=18), rx.text(item.label, size="3"), spacing="3"),
        href=item.route,
        is_external=item.external,
        underline="none",
        color_scheme=rx.cond(is_current, "iris", "gray"),
        high_contrast=is_current,
        padding_x="var(--space-3)",
        padding_y="var(--space-2)",
        border_radius="var(--radius-3)",
        width="100%",
        _hover={"background": rx.color("gray", 3)},
        aria_current=rx.cond(is_current, "page", "false"),
    )


def nav_links() -> rx.Component:
    return rx.vstack(*[nav_link(item) for item in NAV_ITEMS], spacing="1", width="100%")


def brand() -> rx.Component:
    return rx.hstack(
        rx.icon("phone-call", size=22, color=rx.color("iris", 9)),
        rx.heading("Voice Platform", size="4", weight="bold"),
        spacing="2",
        align="center",
    )
