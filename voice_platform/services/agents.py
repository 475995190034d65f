"""Agents: a business's receptionists. Creating, changing, switching on and off."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, or_, select

from voice_platform.knowledge.schemas import LANGUAGE_CODE, KnowledgeBase
from voice_platform.models import (
    Agent,
    AgentCreate,
    AgentStatus,
    AgentUpdate,
    KnowledgeRecord,
    Role,
    Tenant,
)
from voice_platform.models.base import utcnow
from voice_platform.services import audit
from voice_platform.services.errors import Conflict, InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize
from voice_platform.services.tenants import E164, check_tenant_fields

AUDITED = (
    "name",
    "greeting",
    "persona",
    "languages",
    "transfer_number",
    "time_zone",
    "after_hours",
    "voice",
)


def _check(values: dict[str, Any]) -> None:
    if values.get("time_zone") is not None:
        check_tenant_fields(time_zone=values["time_zone"])
    number = values.get("transfer_number")
    if number and not E164.match(number):
        raise InvalidInput(
            "Write the transfer number in international form, such as +15551234567",
            field="transfer_number",
        )
    for code in values.get("languages") or []:
        if not LANGUAGE_CODE.match(code):
            raise InvalidInput(
                f"{code!r} is not a language code such as en or es", field="languages"
            )


def snapshot(agent: Agent) -> dict[str, Any]:
    return {field: getattr(agent, field) for field in (*AUDITED, "status")}


def list_agents(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, search: str = ""
) -> list[Agent]:
    authorize(principal, tenant_id)
    query = select(Agent).where(Agent.tenant_id == tenant_id)
    if search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(
            or_(col(Agent.name).ilike(pattern), col(Agent.phone_number).ilike(pattern))
        )
    return list(session.exec(query.order_by(col(Agent.created_at).desc(), col(Agent.name))))


def get_agent(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> Agent:
    """The agent, if the caller's tenant owns it; another tenant's is NotFound (RLS hides it)."""
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound("No such agent")
    authorize(principal, agent.tenant_id)
    return agent


def create_agent(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, data: AgentCreate
) -> Agent:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    values = data.model_dump()
    _check(values)
    tenant = session.get(Tenant, tenant_id)
    agent = Agent(
        tenant_id=tenant_id,
        **{k: v for k, v in values.items() if k != "voice"},
        voice=data.voice.model_dump(),
    )
    if agent.time_zone == "UTC" and tenant is not None:
        agent.time_zone = tenant.time_zone
    session.add(agent)
    session.flush()
    kb = KnowledgeBase(business_name=tenant.name if tenant else "")
    session.add(
        KnowledgeRecord(
            agent_id=agent.id,
            tenant_id=tenant_id,
            document=kb.model_dump(mode="json"),
            updated_by=principal.user_id,
        )
    )
    audit.record(
        session,
        tenant_id=tenant_id,
        action="agent.create",
        entity_type="agent",
        entity_id=agent.id,
        changes={"name": {"after": agent.name}},
        principal=principal,
    )
    return agent


def update_agent(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, changes: AgentUpdate
) -> Agent:
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    authorize(principal, agent.tenant_id, min_role=Role.ADMIN, write=True)
    values = changes.model_dump(exclude_unset=True)
    for required in ("name", "time_zone", "after_hours", "languages", "voice"):
        if required in values and values[required] is None:
            raise InvalidInput(f"{required.replace('_', ' ')} cannot be empty", field=required)
    if values.get("languages") == []:
        raise InvalidInput("choose at least one language", field="languages")
    _check(values)
    before = snapshot(agent)
    for field, value in values.items():
        setattr(agent, field, value)
    agent.updated_at = utcnow()
    session.add(agent)
    changed = audit.diff(before, snapshot(agent))
    if changed:
        audit.record(
            session,
            tenant_id=agent.tenant_id,
            action="agent.update",
            entity_type="agent",
            entity_id=agent.id,
            changes=changed,
            principal=principal,
        )
    return agent


def set_active(
    session: Session, *, principal: Principal, agent_id: uuid.UUID, active: bool
) -> Agent:
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    authorize(principal, agent.tenant_id, min_role=Role.ADMIN, write=True)
    if agent.status is AgentStatus.CREATING:
        raise Conflict("The agent is still being created; wait until it is done")
    target = AgentStatus.ACTIVE if active else AgentStatus.PAUSED
    if agent.status is not target:
        before = agent.status
        agent.status, agent.status_reason, agent.updated_at = target, None, utcnow()
        session.add(agent)
        audit.record(
            session,
            tenant_id=agent.tenant_id,
            action="agent.activate" if active else "agent.deactivate",
            entity_type="agent",
            entity_id=agent.id,
            changes={"status": {"before": before.value, "after": target.value}},
            principal=principal,
        )
    return agent


def delete_agent(session: Session, *, principal: Principal, agent_id: uuid.UUID) -> None:
    agent = get_agent(session, principal=principal, agent_id=agent_id)
    authorize(principal, agent.tenant_id, min_role=Role.ADMIN, write=True)
    session.delete(agent)
    audit.record(
        session,
        tenant_id=agent.tenant_id,
        action="agent.delete",
        entity_type="agent",
        entity_id=agent.id,
        changes={"name": {"before": agent.name}},
        principal=principal,
    )
