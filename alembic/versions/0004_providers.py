"""Providers: phone numbers each business owns, its own provider credentials (encrypted),
the voices it designed, and its language-model usage.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("phone_numbers", "provider_credentials", "custom_voices", "llm_usage")


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    role = get_settings().database_app_role
    op.create_table(
        "phone_numbers",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("provider_sid", sa.String(64), nullable=False),
        # One business per number, across all of them: the router finds the agent by it.
        sa.Column("number", sa.String(20), nullable=False, unique=True),
        sa.Column("friendly_name", sa.String(40), nullable=False),
        sa.Column(
            "agent_id", sa.Uuid(), sa.ForeignKey("agents.id", ondelete="SET NULL"), unique=True
        ),
        sa.Column("forward_to", sa.String(20)),
        _created(),
    )
    op.create_index("ix_phone_numbers_tenant_id", "phone_numbers", ["tenant_id"])
    op.create_table(
        "provider_credentials",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("hint", sa.String(40), nullable=False),
        _created(),
        sa.UniqueConstraint("tenant_id", "provider", name="uq_provider_credentials_tenant"),
    )
    op.create_index("ix_provider_credentials_tenant_id", "provider_credentials", ["tenant_id"])
    op.create_table(
        "custom_voices",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("voice_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False, server_default=""),
        _created(),
        sa.UniqueConstraint("tenant_id", "voice_id", name="uq_custom_voices_tenant"),
    )
    op.create_index("ix_custom_voices_tenant_id", "custom_voices", ["tenant_id"])
    op.create_table(
        "llm_usage",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(40), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(12, 6), nullable=False),
        _created(),
    )
    op.create_index("ix_llm_usage_tenant_id_created_at", "llm_usage", ["tenant_id", "created_at"])
    for table in TABLES:
        for statement in rls.tenant_table(table, role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    for table in reversed(TABLES):
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.drop_table(table)
