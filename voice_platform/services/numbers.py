"""A business's phone numbers: search, buy, point at an agent, forward, release.

The provider holds the number; the platform's record (phone_numbers) says which business
owns it and which agent answers it. A number is bought with its webhooks already set, and a
purchase the platform fails to record is given back at once: nothing is paid for unseen."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from voice_platform.config import get_settings
from voice_platform.models import Agent, PhoneNumber, PhoneNumberPublic, Role
from voice_platform.providers.phone.base import (
    AvailableNumber,
    NumberQuery,
    PhoneProvider,
    Webhooks,
)
from voice_platform.services import audit
from voice_platform.services.errors import Conflict, InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize
from voice_platform.services.providers import phone_for

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def webhooks() -> Webhooks:
    base = get_settings().base_url.rstrip("/")
    return Webhooks(
        voice_url=f"{base}/api/twilio/voice", status_callback=f"{base}/api/twilio/status"
    )


def e164(number: str, *, field: str = "number") -> str:
    """A phone number as +<country><digits>; a 10-digit number is taken as North American."""
    digits = re.sub(r"[^\d+]", "", number.strip())
    if re.fullmatch(r"\d{10}", digits):
        digits = "+1" + digits
    elif re.fullmatch(r"1\d{10}", digits):
        digits = "+" + digits
    if not E164.match(digits):
        raise InvalidInput(f"{number} is not a phone number (use +15125550147)", field=field)
    return digits


def search(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    query: NumberQuery,
    provider: PhoneProvider | None = None,
) -> list[AvailableNumber]:
    authorize(principal, tenant_id, min_role=Role.ADMIN)
    if query.area_code and not re.fullmatch(r"\d{3}", query.area_code):
        raise InvalidInput("An area code is three digits", field="area_code")
    if query.contains and not re.fullmatch(r"[\d*A-Za-z]{1,10}", query.contains):
        raise InvalidInput("Up to 10 digits (letters and * also work)", field="contains")
    return (provider or phone_for(session, tenant_id)).search(query)


def _public(session: Session, row: PhoneNumber) -> PhoneNumberPublic:
    agent = session.get(Agent, row.agent_id) if row.agent_id else None
    return PhoneNumberPublic(
        **row.model_dump(exclude={"tenant_id", "provider_sid"}),
        agent_name=agent.name if agent else None,
    )


def list_numbers(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID
) -> list[PhoneNumberPublic]:
    authorize(principal, tenant_id)
    rows = session.exec(
        select(PhoneNumber)
        .where(PhoneNumber.tenant_id == tenant_id)
        .order_by(col(PhoneNumber.created_at))
    )
    return [_public(session, row) for row in rows]


def _agent(session: Session, tenant_id: uuid.UUID, agent_id: uuid.UUID) -> Agent:
    agent = session.get(Agent, agent_id)
    if agent is None or agent.tenant_id != tenant_id:
        raise NotFound("No such agent", field="agent_id")
    return agent


def _assign(session: Session, row: PhoneNumber, agent: Agent | None) -> None:
    """Point the number at an agent (or none). The agent shows its number; an agent answers
    one number, so one it had before is unassigned."""
    if row.agent_id and (old := session.get(Agent, row.agent_id)):
        old.phone_number = None
        session.add(old)
    if agent is not None:
        previous = session.exec(
            select(PhoneNumber).where(PhoneNumber.agent_id == agent.id, PhoneNumber.id != row.id)
        ).first()
        if previous is not None:
            previous.agent_id = None
            session.add(previous)
            session.flush()
        agent.phone_number = row.number
        session.add(agent)
    row.agent_id = agent.id if agent else None
    session.add(row)


def buy(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    number: str,
    agent_id: uuid.UUID | None = None,
    provider: PhoneProvider | None = None,
) -> PhoneNumberPublic:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    wanted = e164(number)
    agent = _agent(session, tenant_id, agent_id) if agent_id else None
    phone = provider or phone_for(session, tenant_id)
    owned = phone.buy(wanted, webhooks())
    try:
        with session.begin_nested():
            row = PhoneNumber(
                tenant_id=tenant_id,
                provider=phone.name,
                provider_sid=owned.sid,
                number=owned.number,
                friendly_name=owned.friendly_name[:40],
            )
            session.add(row)
            session.flush()
            _assign(session, row, agent)
            session.flush()
    except IntegrityError as exc:
        phone.release(owned.sid)
        raise Conflict(f"{owned.friendly_name} is already in use; choose another") from exc
    audit.record(
        session,
        tenant_id=tenant_id,
        action="number.buy",
        entity_type="phone_number",
        entity_id=row.id,
        changes={"number": {"after": row.number}, "agent_id": {"after": str(agent_id or "")}},
        principal=principal,
    )
    return _public(session, row)


def _row(session: Session, tenant_id: uuid.UUID, number_id: uuid.UUID) -> PhoneNumber:
    row = session.get(PhoneNumber, number_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("No such phone number")
    return row


def update(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    number_id: uuid.UUID,
    agent_id: uuid.UUID | None,
    forward_to: str | None,
) -> PhoneNumberPublic:
    """Which agent answers the number, and where calls go when none does."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    row = _row(session, tenant_id, number_id)
    forward = e164(forward_to, field="forward_to") if forward_to else None
    if forward == row.number:
        raise InvalidInput("A number cannot forward to itself", field="forward_to")
    before = {"agent_id": str(row.agent_id or ""), "forward_to": row.forward_to or ""}
    agent = _agent(session, tenant_id, agent_id) if agent_id else None
    _assign(session, row, agent)
    row.forward_to = forward
    session.add(row)
    session.flush()
    after = {"agent_id": str(row.agent_id or ""), "forward_to": row.forward_to or ""}
    audit.record(
        session,
        tenant_id=tenant_id,
        action="number.update",
        entity_type="phone_number",
        entity_id=row.id,
        changes={k: {"before": v, "after": after[k]} for k, v in before.items() if v != after[k]},
        principal=principal,
    )
    return _public(session, row)


def release(
    session: Session,
    *,
    principal: Principal,
    tenant_id: uuid.UUID,
    number_id: uuid.UUID,
    provider: PhoneProvider | None = None,
) -> None:
    """Give the number back to the provider; the agent that answered it has none after."""
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    row = _row(session, tenant_id, number_id)
    (provider or phone_for(session, tenant_id)).release(row.provider_sid)
    _assign(session, row, None)
    session.delete(row)
    audit.record(
        session,
        tenant_id=tenant_id,
        action="number.release",
        entity_type="phone_number",
        entity_id=row.id,
        changes={"number": {"before": row.number}},
        principal=principal,
    )
