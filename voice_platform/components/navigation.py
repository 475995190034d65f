"""The app's navigation: one list of destinations, shown as a sidebar or inside a drawer.

Which destinations show depends on who is logged in: everyone sees Home and the API docs;
logged-in people see their business's pages (the admin-only ones for owners and admins);
platform staff see their console; logged-out visitors see Log in and Sign up."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from voice_platform.state.auth import AuthState


@dataclass(frozen=True)
class NavItem:
    label: str
    route: str
    icon: str
    # Served by the API, not the UI's router: open it as a page of its own.
    external: bool = False


HOME = NavItem("Home", "/", "house")
AGENTS = NavItem("Agents", "/agents", "bot")
API_DOCS = NavItem("API docs", "/api/docs", "book-open", external=True)
TENANT_ITEMS = (
    NavItem("Dashboard", "/dashboard", "chart-line"),
    NavItem("Calls", "/calls", "phone-incoming"),
    NavItem("Messages", "/messages", "message-square"),
    NavItem("Unanswered questions", "/knowledge-gaps", "circle-help"),
    NavItem("Phone numbers", "/numbers", "phone"),
    NavItem("Settings", "/settings", "settings"),
    NavItem("Team", "/team", "users"),
)
ADMIN_ITEMS = (NavItem("API keys", "/api-keys", "key-round"),)
AUDIT = NavItem("Audit log", "/audit", "scroll-text")
STAFF_ITEMS = (
    NavItem("Staff", "/staff", "shield"),
    NavItem("Outbox", "/staff/outbox", "mail"),
)
GUEST_ITEMS = (
    NavItem("Log in", "/login", "log-in"),
    NavItem("Sign up", "/signup", "user-plus"),
)
NAV_ITEMS: tuple[NavItem, ...] = (
    HOME,
    AGENTS,
    *TENANT_ITEMS,
    *ADMIN_ITEMS,
    AUDIT,
    *STAFF_ITEMS,
    *GUEST_ITEMS,
    API_DOCS,
)


def nav_link(item: NavItem) -> rx.Component:
    path = rx.State.router.url.path
    # The static build serves /team as /team/ on a full page load.
    is_current = (path == item.route) | (path == item.route + "/")
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


def nav_group(items: tuple[NavItem, ...]) -> rx.Component:
    return rx.fragment(*[nav_link(item) for item in items])


def nav_links() -> rx.Component:
    return rx.vstack(
        nav_link(HOME),
        rx.cond(AuthState.has_tenant, nav_link(AGENTS)),
        rx.cond(AuthState.has_tenant, nav_group(TENANT_ITEMS)),
        rx.cond(AuthState.is_admin, nav_group(ADMIN_ITEMS)),
        rx.cond(AuthState.is_admin | AuthState.staff_console, nav_link(AUDIT)),
        rx.cond(AuthState.staff_console, nav_group(STAFF_ITEMS)),
        rx.cond(~AuthState.logged_in, nav_group(GUEST_ITEMS)),
        nav_link(API_DOCS),
        spacing="1",
        width="100%",
        data_testid="nav-links",
    )


def user_box() -> rx.Component:
    """Who is logged in, and the way out."""
    return rx.cond(
        AuthState.logged_in,
        rx.vstack(
            rx.divider(),
            rx.text(
                AuthState.user_email,
                size="2",
                weight="medium",
                overflow_wrap="anywhere",
                data_testid="user-email",
            ),
            rx.cond(
                AuthState.tenant_name != "",
                rx.text(
                    AuthState.tenant_name + " · " + AuthState.role,
                    size="1",
                    color_scheme="gray",
                    overflow_wrap="anywhere",
                ),
                rx.cond(
                    AuthState.is_staff, rx.text("Platform staff", size="1", color_scheme="gray")
                ),
            ),
            rx.button(
                rx.icon("log-out", size=16),
                "Log out",
                on_click=AuthState.log_out,
                variant="soft",
                color_scheme="gray",
                width="100%",
                data_testid="log-out",
            ),
            rx.button(
                "Log out everywhere",
                on_click=AuthState.log_out_everywhere,
                variant="ghost",
                color_scheme="gray",
                size="1",
                width="100%",
                data_testid="log-out-everywhere",
            ),
            spacing="2",
            width="100%",
            data_testid="user-box",
        ),
    )


def brand() -> rx.Component:
    return rx.hstack(
        rx.icon("phone-call", size=22, color=rx.color("iris", 9)),
        rx.heading("Voice Platform", size="4", weight="bold"),
        spacing="2",
        align="center",
    )
