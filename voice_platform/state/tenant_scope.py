"""The step the business pages take for each service call: who is asking, for which
business, in that business's session, off the event loop."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from voice_platform.db import tenant_session
from voice_platform.providers.errors import ProviderError
from voice_platform.services.errors import ServiceError
from voice_platform.services.principal import Principal
from voice_platform.state.auth import AuthState, form_errors, in_thread

T = TypeVar("T")


async def tenant_scope(state: rx.State) -> tuple[Principal, uuid.UUID] | None:
    principal = await (await state.get_state(AuthState)).principal()
    if principal is None or principal.tenant_id is None:
        return None
    return principal, principal.tenant_id


async def run_in_tenant(
    state: rx.State, work: Callable[[Session, Principal, uuid.UUID], T]
) -> T | None:
    """`work(session, principal, tenant_id)`, or None when the caller acts for no business or
    the service refuses: its message lands in the page's `errors` ("" for the whole form)."""
    found = await tenant_scope(state)
    if found is None:
        return None
    principal, tenant_id = found

    def call() -> T:
        with tenant_session(tenant_id) as session:
            return work(session, principal, tenant_id)

    try:
        return await in_thread(call)
    except ServiceError as exc:
        state.errors = form_errors(exc)
    except ProviderError as exc:
        state.errors = {"": exc.message}
    return None
