"""The staff console: find a business, and act as it (impersonate) with a written reason,
for a limited time. Only platform staff, acting as themselves, may use it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from voice_platform.components.forms import (
    field,
    form_error,
    item_card,
    muted,
    not_allowed,
    pager,
    submit_button,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.config import get_settings
from voice_platform.db import platform_session
from voice_platform.services import impersonation, tenants
from voice_platform.services.errors import ServiceError
from voice_platform.services.impersonation import MIN_REASON_LENGTH
from voice_platform.services.principal import Principal
from voice_platform.state.auth import AuthState, form_errors, format_time, in_thread

PAGE_SIZE = 25
DEFAULT_MINUTES = 30


@dataclass(frozen=True)
class Found:
    rows: list[dict[str, str]]
    total: int


def find_tenants(principal: Principal, query: str, offset: int) -> Found:
    with platform_session("ui: staff tenant search") as platform:
        found, total = tenants.search_tenants(
            platform, principal=principal, query=query, limit=PAGE_SIZE, offset=offset
        )
        rows = [
            {
                "id": str(t.id),
                "name": t.name,
                "slug": t.slug,
                "time_zone": t.time_zone,
                "created": format_time(t.created_at),
            }
            for t in found
        ]
    return Found(rows, total)


@dataclass(frozen=True)
class Started:
    token: str
    reason: str
    until: datetime


def impersonate(principal: Principal, tenant_id: uuid.UUID, reason: str, minutes: int) -> Started:
    with platform_session("ui: start impersonation") as platform:
        started, token = impersonation.start(
            platform,
            get_settings(),
            principal=principal,
            tenant_id=tenant_id,
            reason=reason,
            minutes=minutes,
        )
        return Started(token, started.reason, started.expires_at)


class StaffState(rx.State):
    loaded: bool = False
    allowed: bool = False
    query: str = ""
    rows: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    errors: dict[str, str] = {}
    # The business chosen for impersonation (its dialog is open while set).
    target_id: str = ""
    target_name: str = ""
    busy: bool = False

    @rx.var
    def range_label(self) -> str:
        if self.total == 0:
            return "No businesses found"
        return f"{self.offset + 1}-{min(self.offset + PAGE_SIZE, self.total)} of {self.total}"

    @rx.var
    def has_previous(self) -> bool:
        return self.offset > 0

    @rx.var
    def has_next(self) -> bool:
        return self.offset + PAGE_SIZE < self.total

    async def _fetch(self) -> None:
        session = await self.get_state(AuthState)
        principal = await session.principal()
        if principal is None:
            return
        self.allowed = session.staff_console
        if not self.allowed:
            self.rows = []
            self.loaded = True
            return
        query, offset = self.query, self.offset
        try:
            found = await in_thread(lambda: find_tenants(principal, query, offset))
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self.rows, self.total = found.rows, found.total
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.errors = {}
        self.target_id = ""
        self.busy = False
        self.offset = 0
        await self._fetch()

    @rx.event
    async def search(self, form: dict[str, Any]) -> None:
        self.query = str(form.get("query", "")).strip()
        self.offset = 0
        self.errors = {}
        await self._fetch()

    @rx.event
    async def previous_page(self) -> None:
        self.offset = max(0, self.offset - PAGE_SIZE)
        await self._fetch()

    @rx.event
    async def next_page(self) -> None:
        if self.offset + PAGE_SIZE < self.total:
            self.offset += PAGE_SIZE
        await self._fetch()

    @rx.event
    def choose(self, tenant_id: str, name: str) -> None:
        self.errors = {}
        self.target_id = tenant_id
        self.target_name = name

    @rx.event
    def dialog_changed(self, is_open: bool) -> None:
        if not is_open:
            self.target_id = ""
            self.errors = {}

    @rx.event
    async def start(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        reason = str(form.get("reason", "")).strip()
        self.errors = {}
        try:
            minutes = int(str(form.get("minutes", "")) or DEFAULT_MINUTES)
        except ValueError:
            self.errors = {"minutes": "Write the number of minutes, e.g. 30"}
            return
        if len(reason) < MIN_REASON_LENGTH:
            self.errors = {
                "reason": f"Write why you need to act as this business "
                f"({MIN_REASON_LENGTH} characters or more)"
            }
            return
        session = await self.get_state(AuthState)
        principal = await session.principal()
        if principal is None:
            yield session.login_redirect()
            return
        tenant_id = uuid.UUID(self.target_id)
        self.busy = True
        yield None
        try:
            started = await in_thread(lambda: impersonate(principal, tenant_id, reason, minutes))
        except ServiceError as exc:
            self.errors = form_errors(exc)
            self.busy = False
            return
        await session.start_impersonation(started.token, reason=started.reason, until=started.until)
        self.target_id = ""
        self.busy = False
        yield rx.redirect("/settings")


def tenant_card(row: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.text(row["name"], weight="medium", overflow_wrap="anywhere"),
            muted(row["slug"] + " · " + row["time_zone"]),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        muted("Since " + row["created"]),
        rx.button(
            rx.icon("venetian-mask", size=16),
            "Impersonate",
            on_click=StaffState.choose(row["id"], row["name"]),  # type: ignore[operator]
            variant="soft",
            data_testid="impersonate",
        ),
        data_testid="tenant",
    )


def impersonate_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Act as " + StaffState.target_name),
            rx.dialog.description(
                "You will see and change this business as its owner. Your reason and everything "
                "you do are written to its audit log.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    form_error(StaffState.errors.get("", "")),
                    field(
                        "Why",
                        rx.text_area(
                            name="reason",
                            id="reason",
                            placeholder="Ticket 1234: the owner cannot save their settings",
                            rows="3",
                            width="100%",
                            data_testid="impersonate-reason",
                        ),
                        StaffState.errors.get("reason", ""),
                        control_id="reason",
                        hint=f"At least {MIN_REASON_LENGTH} characters.",
                    ),
                    field(
                        "For how long (minutes)",
                        text_input(
                            "minutes",
                            control_id="minutes",
                            type_="number",
                            default_value=str(DEFAULT_MINUTES),
                        ),
                        StaffState.errors.get("minutes", ""),
                        control_id="minutes",
                    ),
                    rx.flex(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        submit_button(
                            "Start impersonating",
                            testid="impersonate-start",
                            disabled=StaffState.busy,
                        ),
                        spacing="3",
                        justify="end",
                        wrap="wrap",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=StaffState.start,
                width="100%",
                margin_top="var(--space-3)",
                data_testid="impersonate-form",
            ),
            max_width="32rem",
            width="calc(100vw - 2 * var(--space-4))",
        ),
        open=StaffState.target_id != "",
        on_open_change=StaffState.dialog_changed,
    )


def console() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.input(
                    name="query",
                    id="query",
                    placeholder="Business name or address",
                    aria_label="Search businesses",
                    size="3",
                    flex="1",
                    min_width="0",
                    data_testid="tenant-search",
                ),
                rx.button(rx.icon("search", size=16), "Search", type="submit", size="3"),
                spacing="2",
                width="100%",
            ),
            on_submit=StaffState.search,
            width="100%",
        ),
        rx.cond(StaffState.target_id == "", form_error(StaffState.errors.get("", ""))),
        rx.foreach(StaffState.rows, tenant_card),
        pager(
            StaffState.range_label,
            previous=StaffState.previous_page,
            next_=StaffState.next_page,
            has_previous=StaffState.has_previous,
            has_next=StaffState.has_next,
            testid="staff",
        ),
        rx.hstack(
            rx.link("Email outbox", href="/staff/outbox"),
            rx.link("Audit log of every business", href="/audit"),
            spacing="4",
            wrap="wrap",
        ),
        impersonate_dialog(),
        spacing="4",
        width="100%",
    )


@template("Staff console")
def staff() -> rx.Component:
    return rx.box(
        rx.cond(
            StaffState.loaded,
            rx.cond(
                StaffState.allowed,
                console(),
                not_allowed(
                    "This page is for platform staff only (and not while impersonating a business)."
                ),
            ),
        ),
        width="100%",
        data_testid="staff",
    )
