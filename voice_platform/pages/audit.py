"""The audit log: who changed what, newest first. Owners and admins see their business's;
staff (not impersonating) see every business's, with a column naming it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from voice_platform.components.forms import (
    field,
    form_error,
    item_card,
    muted,
    native_select,
    not_allowed,
    pager,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.db import platform_session, tenant_session
from voice_platform.services import audit
from voice_platform.services.errors import InvalidInput, ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import AuthState, form_errors, format_time, in_thread

PAGE_SIZE = 25
ENTITY_TYPES = [
    ("", "Any"),
    ("tenant", "Business"),
    ("membership", "Member"),
    ("invitation", "Invitation"),
    ("api_key", "API key"),
    ("impersonation", "Impersonation"),
    ("user", "User"),
]


@dataclass(frozen=True)
class Query:
    action: str = ""
    entity_type: str = ""
    since: str = ""
    until: str = ""


def parse_day(value: str, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Enter a date such as 2026-01-31", field=field) from None


def day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def build_filter(query: Query, tenant_id: uuid.UUID | None, zone: str) -> audit.AuditFilter:
    since = parse_day(query.since, "since")
    until = parse_day(query.until, "until")
    if since and until and until < since:
        raise InvalidInput("The end date comes before the start date", field="until")
    return audit.AuditFilter(
        tenant_id=tenant_id,
        action=query.action.strip() or None,
        entity_type=query.entity_type or None,
        since=day_start(since, zone) if since else None,
        # The end date counts whole: up to the start of the day after.
        until=day_start(until + timedelta(days=1), zone) if until else None,
    )


def shown(value: Any) -> str:
    return "(none)" if value is None or value == "" else str(value)


def describe_changes(changes: dict[str, Any]) -> str:
    parts = []
    for key, change in changes.items():
        if isinstance(change, dict) and ("before" in change or "after" in change):
            before, after = shown(change.get("before")), shown(change.get("after"))
            if "before" in change and "after" in change:
                parts.append(f"{key}: {before} → {after}")
            elif "after" in change:
                parts.append(f"{key}: {after}")
            else:
                parts.append(f"{key}: was {before}")
        else:
            parts.append(f"{key}: {change}")
    return "; ".join(parts)


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, str]]
    total: int


def rows_for(views: list[audit.AuditView], zone: str) -> list[dict[str, str]]:
    return [
        {
            "id": str(view.entry.id),
            "when": format_time(view.entry.created_at, zone),
            "tenant": view.tenant_name or "platform",
            "action": view.entry.action,
            "entity": view.entry.entity_type
            + (f" {view.entry.entity_id[:8]}" if view.entry.entity_id else ""),
            "actor": view.actor,
            "changes": describe_changes(view.entry.changes),
            "ip": view.entry.ip or "",
        }
        for view in views
    ]


def read_log(principal: Principal, query: Query, offset: int, zone: str) -> Page:
    """A business's own log for its owners and admins; every business's for staff."""
    if principal.is_staff and not principal.is_impersonating:
        filters = build_filter(query, None, "UTC")
        with platform_session("ui: staff audit log") as platform:
            entries, total = audit.search(
                platform, principal=principal, filters=filters, limit=PAGE_SIZE, offset=offset
            )
            return Page(rows_for(audit.describe(platform, entries), "UTC"), total)
    assert principal.tenant_id is not None
    filters = build_filter(query, principal.tenant_id, zone)
    with tenant_session(principal.tenant_id) as session:
        entries, total = audit.search(
            session, principal=principal, filters=filters, limit=PAGE_SIZE, offset=offset
        )
    with platform_session("ui: names in the audit log") as platform:
        return Page(rows_for(audit.describe(platform, entries), zone), total)


class AuditState(rx.State):
    loaded: bool = False
    allowed: bool = False
    all_tenants: bool = False
    rows: list[dict[str, str]] = []
    total: int = 0
    offset: int = 0
    action: str = ""
    entity_type: str = ""
    since: str = ""
    until: str = ""
    errors: dict[str, str] = {}
    zone_label: str = "UTC"

    @rx.var
    def range_label(self) -> str:
        if self.total == 0:
            return "No entries"
        last = min(self.offset + PAGE_SIZE, self.total)
        return f"{self.offset + 1}-{last} of {self.total}"

    @rx.var
    def has_previous(self) -> bool:
        return self.offset > 0

    @rx.var
    def has_next(self) -> bool:
        return self.offset + PAGE_SIZE < self.total

    async def _fetch(self) -> None:
        self.errors = {}
        session = await self.get_state(AuthState)
        principal = await session.principal()
        if principal is None:
            return
        self.all_tenants = session.staff_console
        self.allowed = self.all_tenants or session.is_admin
        if not self.allowed:
            self.rows = []
            self.total = 0
            self.loaded = True
            return
        query = Query(self.action, self.entity_type, self.since, self.until)
        offset = self.offset
        zone = "UTC" if self.all_tenants else session.tenant_time_zone
        self.zone_label = zone
        try:
            page = await in_thread(lambda: read_log(principal, query, offset, zone))
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self.rows = page.rows
            self.total = page.total
        self.loaded = True

    @rx.event
    async def load(self) -> None:
        self.loaded = False
        self.offset = 0
        self.action = self.entity_type = self.since = self.until = ""
        await self._fetch()

    @rx.event
    async def apply(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.action = str(form.get("action", ""))
        self.entity_type = str(form.get("entity_type", ""))
        self.since = str(form.get("since", ""))
        self.until = str(form.get("until", ""))
        self.offset = 0
        yield
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


def filters_form() -> rx.Component:
    return rx.form(
        rx.grid(
            field(
                "Action starts with",
                text_input("action", control_id="filter_action", placeholder="member."),
                AuditState.errors.get("action", ""),
                control_id="filter_action",
            ),
            field(
                "About",
                native_select("entity_type", ENTITY_TYPES, control_id="filter_entity"),
                AuditState.errors.get("entity_type", ""),
                control_id="filter_entity",
            ),
            field(
                "From",
                text_input("since", control_id="filter_since", type_="date"),
                AuditState.errors.get("since", ""),
                control_id="filter_since",
            ),
            field(
                "To",
                text_input("until", control_id="filter_until", type_="date"),
                AuditState.errors.get("until", ""),
                control_id="filter_until",
            ),
            rx.button(
                rx.icon("search", size=16),
                "Filter",
                type="submit",
                size="3",
                data_testid="audit-filter",
            ),
            columns=rx.breakpoints(initial="2", md="5"),
            spacing="3",
            align="end",
            width="100%",
        ),
        on_submit=AuditState.apply,
        width="100%",
        data_testid="audit-filters",
    )


def entry_card(row: Any) -> rx.Component:
    return item_card(
        rx.vstack(
            rx.hstack(
                rx.badge(row["action"], size="2", data_testid="audit-action"),
                rx.cond(
                    AuditState.all_tenants,
                    rx.text(row["tenant"], size="2", weight="medium", data_testid="audit-tenant"),
                ),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            muted(row["when"]),
            spacing="1",
            min_width="12rem",
        ),
        rx.vstack(
            rx.text(row["actor"], size="2", overflow_wrap="anywhere"),
            muted(row["entity"] + rx.cond(row["ip"] != "", " · from " + row["ip"], "")),
            spacing="1",
            min_width="0",
        ),
        rx.text(
            row["changes"],
            size="2",
            flex="1",
            min_width="0",
            overflow_wrap="anywhere",
            color_scheme="gray",
        ),
        data_testid="audit-entry",
    )


def log_content() -> rx.Component:
    return rx.vstack(
        rx.cond(
            AuditState.all_tenants,
            muted("Every business's entries, newest first. Times in UTC."),
            muted("Your business's changes, newest first. Times in " + AuditState.zone_label + "."),
        ),
        filters_form(),
        form_error(AuditState.errors.get("", "")),
        rx.foreach(AuditState.rows, entry_card),
        pager(
            AuditState.range_label,
            previous=AuditState.previous_page,
            next_=AuditState.next_page,
            has_previous=AuditState.has_previous,
            has_next=AuditState.has_next,
            labels=("Newer", "Older"),
            testid="audit",
        ),
        spacing="4",
        width="100%",
    )


@template("Audit log")
def audit_log() -> rx.Component:
    return rx.box(
        rx.cond(
            AuditState.loaded,
            rx.cond(
                AuditState.allowed,
                log_content(),
                not_allowed("Only the business's owners and admins can read its audit log."),
            ),
        ),
        width="100%",
        data_testid="audit",
    )
