"""Telling a business that a caller left a message: by email (the notification address, else
the owners) and, when the business set one, by a JSON post to its webhook.

The call only queues the notice; a worker sends it, so a slow mail server or webhook never
keeps a caller waiting. Each channel is marked once done, so a retried job sends nothing twice."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog
from sqlmodel import Session, col, select

from voice_platform.config import Settings, get_settings
from voice_platform.crawl.safety import CrawlError, check_host
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import (
    Agent,
    CallMessage,
    CallMessagePublic,
    Membership,
    Role,
    Tenant,
    User,
)
from voice_platform.models.base import utcnow
from voice_platform.services import queue
from voice_platform.services.email import Email, sender_for
from voice_platform.services.principal import Principal, authorize

log = structlog.get_logger(__name__)

JOB = "notify_message"
WEBHOOK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


MAX_LISTED = 200


def list_messages(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, limit: int = 50
) -> list[CallMessagePublic]:
    """The messages callers left for the business, newest first."""
    authorize(principal, tenant_id)
    rows = session.exec(
        select(CallMessage)
        .where(CallMessage.tenant_id == tenant_id)
        .order_by(col(CallMessage.created_at).desc())
        .limit(max(1, min(limit, MAX_LISTED)))
    )
    return [CallMessagePublic.model_validate(row, from_attributes=True) for row in rows]


def recipients(session: Session, tenant: Tenant) -> list[str]:
    if tenant.notification_email:
        return [tenant.notification_email]
    owners = session.exec(
        select(User.email)
        .join(Membership, Membership.user_id == User.id)  # type: ignore[arg-type]
        .where(Membership.tenant_id == tenant.id, Membership.role == Role.OWNER)
    )
    return sorted(set(owners))


def payload(message: CallMessage, agent: Agent | None) -> dict[str, Any]:
    return {
        "event": "message.taken",
        "message_id": str(message.id),
        "agent_id": str(message.agent_id) if message.agent_id else None,
        "agent_name": agent.name if agent else None,
        "call_id": str(message.call_id) if message.call_id else None,
        "caller_name": message.caller_name,
        "callback_number": message.callback_number,
        "message": message.body,
        "created_at": message.created_at.isoformat(),
    }


def email_of(message: CallMessage, agent: Agent | None, to: str) -> Email:
    who = agent.name if agent else "Your receptionist"
    return Email(
        to=to,
        subject=f"New message from {message.caller_name} ({message.callback_number})",
        body=(
            f"{who} took a message on {message.created_at:%A %d %B %Y at %H:%M} UTC.\n\n"
            f"From: {message.caller_name}\n"
            f"Call back on: {message.callback_number}\n\n"
            f"{message.body}\n"
        ),
        tenant_id=message.tenant_id,
    )


async def notify(
    message_id: uuid.UUID,
    tenant_id: uuid.UUID,
    *,
    http: httpx.AsyncClient | None = None,
    settings: Settings | None = None,
) -> dict[str, str]:
    """Send what has not been sent yet; what each channel did."""
    settings = settings or get_settings()
    with tenant_session(tenant_id) as session:
        message = session.get(CallMessage, message_id)
        if message is None:
            return {"email": "no such message", "webhook": "no such message"}
        tenant = session.get(Tenant, tenant_id)
        agent = session.get(Agent, message.agent_id) if message.agent_id else None
        assert tenant is not None
        done: dict[str, str] = {}
        if message.emailed_at is None:
            to = recipients(session, tenant)
            with platform_session("send a caller's message to the business") as platform:
                sender = sender_for(settings, platform=platform)
                for address in to:
                    sender.send(email_of(message, agent, address))
            message.emailed_at = utcnow()
            done["email"] = f"sent to {len(to)}"
        webhook = tenant.message_webhook_url
        retry = message.webhook_status is None or message.webhook_status.startswith("failed")
        if webhook and retry:
            message.webhook_status = await post(webhook, payload(message, agent), http, settings)
            done["webhook"] = message.webhook_status
        session.add(message)
    return done


async def post(
    url: str, body: dict[str, Any], http: httpx.AsyncClient | None, settings: Settings
) -> str:
    try:
        await check_host(url, allow_private=settings.crawl_allow_private_networks)
    except CrawlError as exc:
        return f"refused: {exc}"[:60]
    client = http or httpx.AsyncClient(timeout=WEBHOOK_TIMEOUT)
    try:
        answer = await client.post(url, json=body, timeout=WEBHOOK_TIMEOUT)
    except httpx.HTTPError as exc:
        log.warning("message_webhook_failed", url=url, error=str(exc))
        return f"failed: {type(exc).__name__}"[:60]
    finally:
        if http is None:
            await client.aclose()
    if answer.is_success:
        return f"delivered {answer.status_code}"
    return f"failed: HTTP {answer.status_code}"


async def enqueue(message_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
    """Hand the notice to the worker."""
    await queue.enqueue(JOB, str(message_id), str(tenant_id), job_id=f"notify:{message_id}")
