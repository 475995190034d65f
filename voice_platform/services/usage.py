"""What each business's language-model calls cost: one record per call (tokens and dollars,
at the prices in the settings or the business's own account's), and totals over a period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, col

from voice_platform.models import LlmUsage, Role
from voice_platform.providers.llm import ChatModel, Usage
from voice_platform.services.principal import Principal, authorize


@dataclass(frozen=True)
class UsageTotal:
    purpose: str
    calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: Decimal


def record(
    session: Session, *, tenant_id: uuid.UUID, usage: Usage, chat: ChatModel, purpose: str
) -> LlmUsage:
    """Write down one call's usage for the business (in the caller's transaction)."""
    row = LlmUsage(
        tenant_id=tenant_id,
        model=usage.model[:100],
        purpose=purpose[:40],
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        cost_usd=Decimal(str(round(chat.cost_usd(usage), 6))),
    )
    session.add(row)
    return row


def totals(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, days: int = 30
) -> list[UsageTotal]:
    """Calls, tokens and cost per purpose over the last `days` days."""
    authorize(principal, tenant_id, min_role=Role.ADMIN)
    since = datetime.now(UTC) - timedelta(days=days)
    rows = session.execute(
        sa.select(
            col(LlmUsage.purpose),
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(LlmUsage.prompt_tokens), 0),
            sa.func.coalesce(sa.func.sum(LlmUsage.completion_tokens), 0),
            sa.func.coalesce(sa.func.sum(LlmUsage.cost_usd), 0),
        )
        .where(col(LlmUsage.tenant_id) == tenant_id, col(LlmUsage.created_at) >= since)
        .group_by(col(LlmUsage.purpose))
        .order_by(col(LlmUsage.purpose))
    )
    return [UsageTotal(p, int(n), int(i), int(o), Decimal(c)) for p, n, i, o, c in rows]
