"""API keys for the REST API: owners and admins create them (the secret is shown once),
see them, and revoke them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from pydantic import ValidationError

from voice_platform.components.forms import (
    field,
    form_cell,
    form_error,
    form_row,
    item_card,
    muted,
    native_select,
    not_allowed,
    section,
    submit_button,
    success_message,
    text_input,
)
from voice_platform.components.layout import template
from voice_platform.db import tenant_session
from voice_platform.models import ApiKey, ApiKeyCreate, ApiKeyScope
from voice_platform.services import api_keys
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import (
    ADMIN_ROLES,
    AuthState,
    form_errors,
    format_time,
    in_thread,
    validation_errors,
)

SCOPES = [("read", "Read only"), ("full", "Full access")]


def key_row(key: ApiKey, time_zone: str) -> dict[str, str]:
    return {
        "id": str(key.id),
        "name": key.name,
        "prefix": key.prefix,
        "scope": key.scope.value,
        "created": format_time(key.created_at, time_zone),
        "last_used": format_time(key.last_used_at, time_zone) or "never",
        "revoked": format_time(key.revoked_at, time_zone),
    }


def read_keys(principal: Principal, tenant_id: uuid.UUID, zone: str) -> list[dict[str, str]]:
    with tenant_session(tenant_id) as session:
        keys = api_keys.list_keys(session, principal=principal, tenant_id=tenant_id)
        return [key_row(key, zone) for key in keys]


class ApiKeysState(rx.State):
    loaded: bool = False
    allowed: bool = False
    keys: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    # The new key's secret: shown once, gone on the next visit.
    new_secret: str = ""
    new_secret_name: str = ""
    copied: bool = False
    form_key: int = 0
    busy: bool = False

    async def _principal(self) -> tuple[Principal, uuid.UUID, str] | None:
        session = await self.get_state(AuthState)
        principal = await session.principal()
        if principal is None or principal.tenant_id is None:
            return None
        return principal, principal.tenant_id, session.tenant_time_zone

    async def _reload(self, principal: Principal, tenant_id: uuid.UUID, zone: str) -> None:
        self.keys = await in_thread(lambda: read_keys(principal, tenant_id, zone))

    @rx.event
    async def load(self) -> None:
        self.errors = {}
        self.notice = ""
        self.new_secret = ""
        self.new_secret_name = ""
        self.copied = False
        self.busy = False
        self.loaded = False
        found = await self._principal()
        self.allowed = bool(
            found and found[0].role is not None and found[0].role.value in ADMIN_ROLES
        )
        if found is None or not self.allowed:
            self.keys = []
            self.loaded = True
            return
        try:
            await self._reload(*found)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        self.loaded = True

    @rx.event
    async def create(self, form: dict[str, Any]) -> AsyncIterator[None]:
        self.errors = {}
        self.notice = ""
        self.new_secret = ""
        self.copied = False
        try:
            data = ApiKeyCreate(
                name=str(form.get("name", "")).strip(),
                scope=ApiKeyScope(str(form.get("scope", "read"))),
            )
        except ValidationError as exc:
            self.errors = validation_errors(exc)
            if "name" in self.errors:
                self.errors["name"] = "Name the key (up to 100 characters), e.g. after its use"
            return
        except ValueError:
            self.errors = {"scope": "Choose read only or full access"}
            return
        found = await self._principal()
        if found is None:
            return
        principal, tenant_id, zone = found
        self.busy = True
        yield

        def make() -> str:
            with tenant_session(tenant_id) as session:
                _, secret = api_keys.create_key(
                    session, principal=principal, tenant_id=tenant_id, data=data
                )
                return secret

        try:
            secret = await in_thread(make)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self.new_secret = secret
            self.new_secret_name = data.name
            self.form_key += 1
        await self._reload(principal, tenant_id, zone)
        self.busy = False

    @rx.event
    def mark_copied(self) -> None:
        self.copied = True

    @rx.event
    def dismiss_secret(self) -> None:
        self.new_secret = ""
        self.new_secret_name = ""
        self.copied = False

    @rx.event
    async def revoke(self, key_id: str) -> None:
        self.errors = {}
        self.notice = ""
        found = await self._principal()
        if found is None:
            return
        principal, tenant_id, zone = found
        target = uuid.UUID(key_id)

        def revoke() -> str:
            with tenant_session(tenant_id) as session:
                key = api_keys.revoke_key(
                    session, principal=principal, tenant_id=tenant_id, key_id=target
                )
                return key.name

        try:
            name = await in_thread(revoke)
        except ServiceError as exc:
            self.errors = form_errors(exc)
        else:
            self.notice = f"The key {name} is revoked: requests with it now fail."
        await self._reload(principal, tenant_id, zone)


def secret_callout() -> rx.Component:
    return rx.cond(
        ApiKeysState.new_secret != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text(
                    "Your new key ",
                    rx.text.strong(ApiKeysState.new_secret_name),
                    ". Copy it now: it is shown only this once.",
                    size="2",
                ),
                rx.code(
                    ApiKeysState.new_secret,
                    size="2",
                    overflow_wrap="anywhere",
                    word_break="break-all",
                    data_testid="new-key-secret",
                ),
                rx.hstack(
                    rx.button(
                        rx.icon("copy", size=16),
                        rx.cond(ApiKeysState.copied, "Copied", "Copy"),
                        on_click=[
                            rx.set_clipboard(ApiKeysState.new_secret),
                            ApiKeysState.mark_copied,
                        ],
                        data_testid="copy-key",
                    ),
                    rx.button(
                        "I have saved it",
                        on_click=ApiKeysState.dismiss_secret,
                        variant="soft",
                        color_scheme="gray",
                        data_testid="dismiss-key",
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
                min_width="0",
            ),
            color_scheme="green",
            width="100%",
            data_testid="new-key",
        ),
    )


def create_form() -> rx.Component:
    return rx.form(
        form_row(
            form_cell(
                field(
                    "Name",
                    text_input("name", control_id="key_name", placeholder="Booking system"),
                    ApiKeysState.errors.get("name", ""),
                    control_id="key_name",
                ),
                grow="2",
                min_width="12rem",
            ),
            form_cell(
                field(
                    "Access",
                    native_select("scope", SCOPES, control_id="key_scope", default_value="read"),
                    ApiKeysState.errors.get("scope", ""),
                    control_id="key_scope",
                ),
            ),
            submit_button("Create key", testid="create-key", disabled=ApiKeysState.busy),
        ),
        key=ApiKeysState.form_key,
        on_submit=ApiKeysState.create,
        width="100%",
        data_testid="create-key-form",
    )


def key_card(key: Any) -> rx.Component:
    revoked = key["revoked"] != ""
    return item_card(
        rx.vstack(
            rx.hstack(
                rx.text(key["name"], weight="medium", overflow_wrap="anywhere"),
                rx.badge(
                    rx.cond(key["scope"] == "full", "Full access", "Read only"),
                    color_scheme=rx.cond(key["scope"] == "full", "orange", "gray"),
                ),
                rx.cond(revoked, rx.badge("Revoked", color_scheme="red")),
                spacing="2",
                wrap="wrap",
                align="center",
            ),
            rx.code(key["prefix"] + "…", size="2"),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.vstack(
            muted("Created " + key["created"]),
            muted("Last used " + key["last_used"]),
            rx.cond(revoked, muted("Revoked " + key["revoked"])),
            spacing="0",
        ),
        rx.cond(
            ~revoked,
            rx.button(
                rx.icon("ban", size=16),
                "Revoke",
                on_click=ApiKeysState.revoke(key["id"]),  # type: ignore[operator]
                color_scheme="red",
                variant="soft",
                data_testid="revoke-key",
            ),
        ),
        data_testid="api-key",
        opacity=rx.cond(revoked, "0.7", "1"),
    )


def keys_content() -> rx.Component:
    return rx.vstack(
        muted(
            "Keys let other software use this business's data through the REST API "
            "(send it as `Authorization: Bearer <key>`). Read-only keys cannot change anything."
        ),
        form_error(ApiKeysState.errors.get("", "")),
        success_message(ApiKeysState.notice, testid="keys-notice"),
        secret_callout(),
        section("New key", create_form()),
        section(
            "Keys",
            rx.cond(
                ApiKeysState.keys,
                rx.foreach(ApiKeysState.keys, key_card),
                muted("No keys yet."),
            ),
            testid="api-keys-list",
        ),
        spacing="6",
        width="100%",
    )


@template("API keys")
def api_keys_page() -> rx.Component:
    return rx.box(
        rx.cond(
            ApiKeysState.loaded,
            rx.cond(
                ApiKeysState.allowed,
                keys_content(),
                not_allowed("Only the business's owners and admins can see and manage API keys."),
            ),
        ),
        width="100%",
        data_testid="api-keys",
    )
