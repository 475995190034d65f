"""The knowledge-gap loop: the text of the pages an agent was created from, and the callers'
questions the owner has answered or dismissed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("crawled_pages", "knowledge_gap_resolutions")


def _tenant() -> sa.Column:
    return sa.Column(
        "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
    )


def _agent() -> sa.Column:
    return sa.Column(
        "agent_id", sa.Uuid(), sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False
    )


def _created(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def upgrade() -> None:
    role = get_settings().database_app_role
    op.create_table(
        "crawled_pages",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        _agent(),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("title", sa.String(300), nullable=False, server_default=""),
        sa.Column("text", sa.Text(), nullable=False),
        _created("fetched_at"),
        sa.UniqueConstraint("agent_id", "url", name="uq_crawled_pages_agent_url"),
    )
    op.create_index("ix_crawled_pages_tenant_id", "crawled_pages", ["tenant_id"])
    op.create_index("ix_crawled_pages_agent_id", "crawled_pages", ["agent_id"])
    op.create_table(
        "knowledge_gap_resolutions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        _tenant(),
        _agent(),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("faq_id", sa.String(40)),
        sa.Column("created_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        _created("created_at"),
        sa.CheckConstraint(
            "status IN ('answered', 'dismissed')", name="ck_knowledge_gap_resolutions_status"
        ),
    )
    op.create_index(
        "ix_knowledge_gap_resolutions_tenant_id", "knowledge_gap_resolutions", ["tenant_id"]
    )
    op.create_index(
        "ix_knowledge_gap_resolutions_agent_id", "knowledge_gap_resolutions", ["agent_id"]
    )
    for table in TABLES:
        for statement in rls.tenant_table(table, role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    for table in reversed(TABLES):
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.drop_table(table)
