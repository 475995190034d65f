"""Calls, their turns and the messages callers leave; a business's message webhook.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("calls", "call_turns", "call_messages")


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _agent() -> sa.Column:
    return sa.Column("agent_id", sa.Uuid(), sa.ForeignKey("agents.id", ondelete="SET NULL"))


def _when(name: str, *, now: bool = False) -> sa.Column:
    if now:
        return sa.Column(
            name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        )
    return sa.Column(name, sa.DateTime(timezone=True))


def upgrade() -> None:
    role = get_settings().database_app_role
    op.add_column("tenants", sa.Column("message_webhook_url", sa.String(2000)))
    op.create_table(
        "calls",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        _agent(),
        sa.Column("call_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False, server_default="phone"),
        sa.Column("from_number", sa.String(40), nullable=False, server_default=""),
        sa.Column("to_number", sa.String(40), nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20)),
        sa.Column("language", sa.String(20), nullable=False, server_default="en-US"),
        _when("started_at", now=True),
        _when("connected_at"),
        _when("ended_at"),
        sa.Column("duration_seconds", sa.Integer()),
        sa.Column("relay_token_hash", sa.String(64)),
        sa.Column("transfer_to", sa.String(20)),
        sa.Column("transfer_reason", sa.String(300)),
        sa.Column("transfer_status", sa.String(20)),
        sa.Column("recording_sid", sa.String(64)),
        sa.Column("recording_url", sa.String(2000)),
        sa.Column("recording_seconds", sa.Integer()),
        sa.Column("recording_status", sa.String(20)),
    )
    op.create_index("ix_calls_tenant_id", "calls", ["tenant_id"])
    op.create_index("ix_calls_agent_id", "calls", ["agent_id"])
    op.create_index("ix_calls_tenant_started", "calls", ["tenant_id", "started_at"])
    op.create_index("ix_calls_relay_token_hash", "calls", ["relay_token_hash"])
    op.create_table(
        "call_turns",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        sa.Column(
            "call_id", sa.Uuid(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False
        ),
        _tenant(),
        sa.Column("speaker", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("action", sa.String(20)),
        sa.Column("facts", postgresql.JSONB(), nullable=False, server_default="[]"),
        sa.Column("language", sa.String(20)),
        sa.Column("latency_ms", sa.Integer()),
        sa.Column("interrupted", sa.Boolean(), nullable=False, server_default="false"),
        _when("created_at", now=True),
    )
    op.create_index("ix_call_turns_call_id", "call_turns", ["call_id", "id"])
    op.create_index("ix_call_turns_tenant_id", "call_turns", ["tenant_id"])
    op.create_table(
        "call_messages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        _agent(),
        sa.Column("call_id", sa.Uuid(), sa.ForeignKey("calls.id", ondelete="CASCADE")),
        sa.Column("caller_name", sa.String(200), nullable=False),
        sa.Column("callback_number", sa.String(40), nullable=False),
        sa.Column("body", sa.String(4000), nullable=False),
        _when("emailed_at"),
        sa.Column("webhook_status", sa.String(60)),
        _when("created_at", now=True),
    )
    op.create_index("ix_call_messages_tenant_id", "call_messages", ["tenant_id", "created_at"])
    for table in TABLES:
        for statement in rls.tenant_table(table, role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    for table in reversed(TABLES):
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.drop_table(table)
    op.drop_column("tenants", "message_webhook_url")
