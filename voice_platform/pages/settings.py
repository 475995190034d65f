"""Business settings: name, time zone, the phone calls are transferred to, where notices go, and
what calls are worth (the dashboard's ROI figures). Owners and admins change them; members see
them read-only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import reflex as rx
from pydantic import ValidationError
from reflex.event import EventSpec

from voice_platform.components.forms import (
    field,
    form_error,
    muted,
    not_allowed,
    submit_button,
    success_message,
    text_input,
    time_zone_select,
)
from voice_platform.components.layout import template
from voice_platform.components.provider_accounts import provider_accounts
from voice_platform.config import get_settings
from voice_platform.db import tenant_session
from voice_platform.models import Tenant, TenantUpdate
from voice_platform.services import tenants
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import (
    ADMIN_ROLES,
    AuthState,
    form_errors,
    in_thread,
    validation_errors,
)


def read_tenant(principal: Principal, tenant_id: uuid.UUID) -> Tenant:
    with tenant_session(tenant_id) as session:
        return tenants.get_tenant(session, principal=principal, tenant_id=tenant_id)


def save_tenant(principal: Principal, tenant_id: uuid.UUID, changes: TenantUpdate) -> Tenant:
    with tenant_session(tenant_id) as session:
        return tenants.update_tenant(
            session, principal=principal, tenant_id=tenant_id, changes=changes
        )


AMOUNTS = ("booked_call_value", "receptionist_hourly_cost", "cost_per_minute")


def _amount(value: Decimal | None) -> str:
    return "" if value is None else format(value.normalize(), "f")


def _entered(form: dict[str, Any], name: str) -> str | None:
    """An amount as typed (a comma taken as the decimal point); blank clears it."""
    text = str(form.get(name, "")).strip().replace(",", ".")
    return text or None


class SettingsState(rx.State):
    loaded: bool = False
    no_tenant: bool = False
    can_edit: bool = False
    # Changes on each load and save, so the form shows the stored values afresh.
    form_key: int = 0
    name: str = ""
    slug: str = ""
    time_zone: str = "UTC"
    business_phone: str = ""
    notification_email: str = ""
    message_webhook_url: str = ""
    currency: str = "USD"
    booked_call_value: str = ""
    receptionist_hourly_cost: str = ""
    cost_per_minute: str = ""
    errors: dict[str, str] = {}
    saved: str = ""
    busy: bool = False

    def _show(self, tenant: Tenant) -> None:
        self.name = tenant.name
        self.slug = tenant.slug
        self.time_zone = tenant.time_zone
        self.business_phone = tenant.business_phone or ""
        self.notification_email = tenant.notification_email or ""
        self.message_webhook_url = tenant.message_webhook_url or ""
        self.currency = tenant.currency
        self.booked_call_value = _amount(tenant.booked_call_value)
        self.receptionist_hourly_cost = _amount(tenant.receptionist_hourly_cost)
        self.cost_per_minute = _amount(tenant.cost_per_minute)
        self.form_key += 1

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.saved = ""
        self.busy = False
        principal = await (await self.get_state(AuthState)).principal()
        if principal is None:
            return
        self.no_tenant = principal.tenant_id is None
        if principal.tenant_id is None:
            self.loaded = False
            return
        tenant_id = principal.tenant_id
        try:
            tenant = await in_thread(lambda: read_tenant(principal, tenant_id))
        except ServiceError as exc:
            self.errors = form_errors(exc)
            return
        self.can_edit = principal.role is not None and principal.role.value in ADMIN_ROLES
        self._show(tenant)
        self.loaded = True

    @rx.event
    async def save(self, form: dict[str, Any]) -> AsyncIterator[EventSpec | None]:
        self.errors = {}
        self.saved = ""
        try:
            changes = TenantUpdate.model_validate(
                {
                    "name": str(form.get("name", "")).strip() or None,
                    "time_zone": str(form.get("time_zone", "")) or None,
                    "business_phone": str(form.get("business_phone", "")),
                    "notification_email": str(form.get("notification_email", "")),
                    "message_webhook_url": str(form.get("message_webhook_url", "")),
                    "currency": str(form.get("currency", "")).strip().upper() or None,
                }
                | {name: _entered(form, name) for name in AMOUNTS}
            )
        except ValidationError as exc:
            self.errors = validation_errors(exc)
            return
        self.busy = True
        yield None
        session = await self.get_state(AuthState)
        principal = await session.principal()
        if principal is None or principal.tenant_id is None:
            self.busy = False
            yield session.login_redirect()
            return
        tenant_id = principal.tenant_id
        try:
            tenant = await in_thread(lambda: save_tenant(principal, tenant_id, changes))
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self._show(tenant)
            session.tenant_name = tenant.name
            session.tenant_time_zone = tenant.time_zone
            self.saved = "Saved."
        self.busy = False


def amount_field(
    name: str, label: str, value: Any, read_only: Any, *, hint: str, placeholder: str = ""
) -> rx.Component:
    return field(
        label,
        text_input(
            name,
            control_id=name,
            default_value=value,
            input_mode="decimal",
            placeholder=placeholder,
            disabled=read_only,
        ),
        SettingsState.errors.get(name, ""),
        control_id=name,
        hint=hint,
    )


def worth_fields(read_only: Any) -> rx.Component:
    """What calls are worth: the dashboard's ROI view values calls with these."""
    platform_rate = f"{get_settings().call_cost_per_minute:g}"
    return rx.vstack(
        rx.heading("What calls are worth", size="4"),
        muted("The dashboard's return on investment uses these. Leave one empty to leave it out."),
        field(
            "Currency",
            text_input(
                "currency",
                control_id="currency",
                default_value=SettingsState.currency,
                placeholder="USD",
                max_length=3,
                disabled=read_only,
            ),
            SettingsState.errors.get("currency", ""),
            control_id="currency",
            hint="Its three-letter code: USD, EUR, GBP…",
        ),
        amount_field(
            "booked_call_value",
            "What a booked call is worth",
            SettingsState.booked_call_value,
            read_only,
            hint="What a call that books an appointment or an order brings in, on average.",
            placeholder="e.g. 80",
        ),
        amount_field(
            "receptionist_hourly_cost",
            "What a receptionist hour costs",
            SettingsState.receptionist_hourly_cost,
            read_only,
            hint="Wages and overheads: the value of the staff time the agent saves.",
            placeholder="e.g. 22.50",
        ),
        amount_field(
            "cost_per_minute",
            "What a minute of calls costs you",
            SettingsState.cost_per_minute,
            read_only,
            hint="Phone line, voice and model together. "
            f"Empty: the platform's rate, {platform_rate}.",
            placeholder=platform_rate,
        ),
        spacing="4",
        width="100%",
        data_testid="worth-settings",
    )


def settings_form() -> rx.Component:
    read_only = ~SettingsState.can_edit
    return rx.form(
        rx.vstack(
            form_error(SettingsState.errors.get("", "")),
            success_message(SettingsState.saved, testid="settings-saved"),
            field(
                "Business name",
                text_input(
                    "name",
                    control_id="name",
                    default_value=SettingsState.name,
                    disabled=read_only,
                ),
                SettingsState.errors.get("name", ""),
                control_id="name",
            ),
            field(
                "Time zone",
                time_zone_select(
                    control_id="time_zone",
                    default_value=SettingsState.time_zone,
                    disabled=read_only,
                ),
                SettingsState.errors.get("time_zone", ""),
                control_id="time_zone",
                hint="Opening hours, call times and reports use it.",
            ),
            field(
                "Business phone for transfers",
                text_input(
                    "business_phone",
                    control_id="business_phone",
                    type_="tel",
                    default_value=SettingsState.business_phone,
                    placeholder="+15551234567",
                    disabled=read_only,
                ),
                SettingsState.errors.get("business_phone", ""),
                control_id="business_phone",
                hint="Where the receptionist transfers callers to a person, in international "
                "form (+ and country code).",
            ),
            field(
                "Notification email",
                text_input(
                    "notification_email",
                    control_id="notification_email",
                    type_="email",
                    default_value=SettingsState.notification_email,
                    placeholder="frontdesk@example.com",
                    disabled=read_only,
                ),
                SettingsState.errors.get("notification_email", ""),
                control_id="notification_email",
                hint="Messages taken from callers and notices go here.",
            ),
            field(
                "Message webhook",
                text_input(
                    "message_webhook_url",
                    control_id="message_webhook_url",
                    type_="url",
                    default_value=SettingsState.message_webhook_url,
                    placeholder="https://example.com/hooks/messages",
                    disabled=read_only,
                ),
                SettingsState.errors.get("message_webhook_url", ""),
                control_id="message_webhook_url",
                hint="Optional: each message a caller leaves is also posted here as JSON.",
            ),
            worth_fields(read_only),
            rx.cond(
                SettingsState.can_edit,
                submit_button("Save", testid="settings-save", disabled=SettingsState.busy),
                muted("Only owners and admins can change these settings."),
            ),
            spacing="4",
            width="100%",
        ),
        key=SettingsState.form_key,
        on_submit=SettingsState.save,
        width="100%",
        max_width="36rem",
        data_testid="settings-form",
    )


@template("Settings")
def settings() -> rx.Component:
    return rx.vstack(
        rx.cond(
            SettingsState.no_tenant,
            not_allowed(
                "You are not acting as a business. Staff: choose one on the Staff page and "
                "impersonate it."
            ),
            rx.cond(
                SettingsState.loaded,
                rx.vstack(
                    rx.vstack(
                        rx.heading(SettingsState.name, size="6", data_testid="tenant-name"),
                        muted("Address on the platform: " + SettingsState.slug),
                        spacing="1",
                    ),
                    settings_form(),
                    provider_accounts(),
                    spacing="5",
                    width="100%",
                ),
                form_error(SettingsState.errors.get("", "")),
            ),
        ),
        spacing="5",
        width="100%",
        data_testid="settings",
    )
