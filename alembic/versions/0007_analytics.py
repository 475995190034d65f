"""Post-call analysis on each call, and daily per-agent rollups of calls.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CALL_COLUMNS = (
    "summary", "sentiment", "satisfaction", "satisfaction_reason", "topics", "unanswered",
    "after_hours", "analyzed_at", "counted",
)  # fmt: skip
COUNTS = (
    "calls", "seconds", "answered", "transferred", "message", "abandoned", "spam", "unrouted",
    "sentiment_count", "satisfaction_sum", "satisfaction_count", "after_hours", "unanswered",
)  # fmt: skip


def upgrade() -> None:
    role = get_settings().database_app_role
    op.add_column("calls", sa.Column("summary", sa.Text()))
    op.add_column("calls", sa.Column("sentiment", sa.Float()))
    op.add_column("calls", sa.Column("satisfaction", sa.SmallInteger()))
    op.add_column("calls", sa.Column("satisfaction_reason", sa.String(300)))
    op.add_column("calls", sa.Column("topics", postgresql.JSONB()))
    op.add_column("calls", sa.Column("unanswered", postgresql.JSONB()))
    op.add_column("calls", sa.Column("after_hours", sa.Boolean()))
    op.add_column("calls", sa.Column("analyzed_at", sa.DateTime(timezone=True)))
    # What the call added to agent_daily_stats, so that counting it again replaces it.
    op.add_column("calls", sa.Column("counted", postgresql.JSONB()))
    op.create_check_constraint(
        "ck_calls_sentiment", "calls", "sentiment IS NULL OR sentiment BETWEEN -1 AND 1"
    )
    op.create_check_constraint(
        "ck_calls_satisfaction", "calls", "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5"
    )
    op.create_table(
        "agent_daily_stats",
        sa.Column(
            "tenant_id",
            sa.Uuid(),
            sa.ForeignKey("tenants.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "agent_id",
            sa.Uuid(),
            sa.ForeignKey("agents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False, server_default="0")
            for name in COUNTS
            if name != "seconds"
        ),
        sa.Column("seconds", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("sentiment_sum", sa.Numeric(14, 4), nullable=False, server_default="0"),
    )
    op.create_index("ix_agent_daily_stats_tenant_day", "agent_daily_stats", ["tenant_id", "day"])
    for statement in rls.tenant_table("agent_daily_stats", role):
        op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    op.execute(f"REVOKE ALL ON agent_daily_stats FROM {role}")
    op.drop_table("agent_daily_stats")
    op.drop_constraint("ck_calls_satisfaction", "calls")
    op.drop_constraint("ck_calls_sentiment", "calls")
    for column in reversed(CALL_COLUMNS):
        op.drop_column("calls", column)
