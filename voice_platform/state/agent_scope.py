"""The step every agent page takes first: who is asking, and for which agent."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TypeVar

import reflex as rx
from sqlmodel import Session

from voice_platform.db import tenant_session
from voice_platform.services.principal import Principal
from voice_platform.state.auth import ADMIN_ROLES, AuthState, in_thread

T = TypeVar("T")


def agent_id_of(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


AGENT_PATH = re.compile(r"^/agents/([^/?#]+)")


def route_agent_id(state: rx.State) -> str:
    """The `[agent_id]` of the page's URL (/agents/{id}/…), as written; "" when there is none."""
    found = AGENT_PATH.match(state.router.url.path)
    return found.group(1) if found else ""


def query_value(state: rx.State, name: str) -> str:
    """One value of the page's query string; "" when it is absent."""
    return str(state.router.url.query_parameters.get(name, ""))


async def agent_scope(state: rx.State) -> tuple[Principal, uuid.UUID, uuid.UUID] | None:
    """The caller, their tenant and the agent of the page's URL. When there is none, sets the
    page's `no_tenant` or `missing` flag and returns None; otherwise sets `can_edit`."""
    principal = await (await state.get_state(AuthState)).principal()
    if principal is None:
        return None
    state.no_tenant = principal.tenant_id is None
    if principal.tenant_id is None:
        return None
    agent_id = agent_id_of(route_agent_id(state))
    if agent_id is None:
        state.missing = True
        return None
    state.can_edit = principal.role is not None and principal.role.value in ADMIN_ROLES
    return principal, principal.tenant_id, agent_id


async def run_for_agent(
    state: rx.State, work: Callable[[Session, Principal, uuid.UUID], T]
) -> T | None:
    """Run one service call for the page's agent, in its tenant's session, off the event
    loop. None when there is no agent to act on; service errors reach the caller."""
    scope = await agent_scope(state)
    if scope is None:
        return None
    principal, tenant_id, agent_id = scope

    def run() -> T:
        with tenant_session(tenant_id) as session:
            return work(session, principal, agent_id)

    return await in_thread(run)
