"""Sending email: SMTP when configured, otherwise the outbox, which staff and
`voice-platform outbox` can read."""

from __future__ import annotations

import smtplib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import structlog
from sqlmodel import Session, col, select

from voice_platform.config import Settings
from voice_platform.models import OutboxEmail
from voice_platform.services.principal import Principal, require_staff

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    tenant_id: uuid.UUID | None = None


class EmailSender(Protocol):
    def send(self, email: Email) -> None: ...


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.settings.email_from
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        with smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=20) as smtp:
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_username:
                smtp.login(
                    self.settings.smtp_username, self.settings.smtp_password.get_secret_value()
                )
            smtp.send_message(message)
        log.info("email_sent", to=email.to, subject=email.subject)


class OutboxSender:
    """Keeps the email in the outbox table, in the caller's (platform) transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def send(self, email: Email) -> None:
        self.session.add(
            OutboxEmail(
                tenant_id=email.tenant_id,
                to_address=email.to,
                subject=email.subject,
                body=email.body,
            )
        )


def sender_for(settings: Settings, *, platform: Session) -> EmailSender:
    return SmtpSender(settings) if settings.smtp_host else OutboxSender(platform)


def outbox(
    session: Session, *, principal: Principal, to: str | None = None, limit: int = 50
) -> list[OutboxEmail]:
    """The newest outbox email; it holds reset and invitation links, so staff only."""
    require_staff(principal)
    query = select(OutboxEmail)
    if to:
        query = query.where(col(OutboxEmail.to_address).ilike(f"%{to}%"))
    return list(session.exec(query.order_by(col(OutboxEmail.created_at).desc()).limit(limit)))
