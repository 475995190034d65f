"""Agent creation from a URL: one job per agent with its steps, and its progress events.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("creation_jobs", "creation_events")


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _agent(primary: bool = False) -> sa.Column:
    return sa.Column(
        "agent_id",
        sa.Uuid(),
        sa.ForeignKey("agents.id", ondelete="CASCADE"),
        primary_key=primary,
        nullable=False,
    )


def _when(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    role = get_settings().database_app_role
    op.create_table(
        "creation_jobs",
        _agent(primary=True),
        _tenant(),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("options", postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("steps", postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("error", sa.String(1000)),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default="false"),
        sa.Column("started_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        _when("created_at"),
        _when("updated_at"),
    )
    op.create_index("ix_creation_jobs_tenant_id", "creation_jobs", ["tenant_id"])
    op.create_table(
        "creation_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
        _agent(),
        _tenant(),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(500), nullable=False),
        sa.Column("data", postgresql.JSONB(), nullable=False, server_default="{}"),
        _when("created_at"),
    )
    op.create_index("ix_creation_events_agent_id", "creation_events", ["agent_id", "id"])
    op.create_index("ix_creation_events_tenant_id", "creation_events", ["tenant_id"])
    for table in TABLES:
        for statement in rls.tenant_table(table, role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    for table in reversed(TABLES):
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.drop_table(table)
