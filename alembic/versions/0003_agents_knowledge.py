"""Agents, their knowledge bases (JSONB, versioned) and the hybrid retrieval index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIMENSIONS = 384
TABLES = ("agents", "knowledge_bases", "knowledge_chunks")


def upgrade() -> None:
    role = get_settings().database_app_role
    status = postgresql.ENUM("draft", "creating", "active", "paused", "failed", name="agent_status")
    after_hours = postgresql.ENUM("answer", "take_message", "transfer", name="after_hours")
    op.create_table(
        "agents",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("status", status, nullable=False, server_default="draft"),
        sa.Column("status_reason", sa.String(500)),
        sa.Column("greeting", sa.String(500), nullable=False, server_default=""),
        sa.Column("persona", sa.String(4000), nullable=False, server_default=""),
        sa.Column("languages", postgresql.JSONB(), nullable=False, server_default='["en"]'),
        sa.Column("voice", postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("phone_number", sa.String(20)),
        sa.Column("transfer_number", sa.String(20)),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("after_hours", after_hours, nullable=False, server_default="take_message"),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_agents_tenant_id", "agents", ["tenant_id"])
    op.create_index("ix_agents_phone_number", "agents", ["phone_number"], unique=True)
    op.create_table(
        "knowledge_bases",
        sa.Column(
            "agent_id", sa.Uuid(), sa.ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("document", postgresql.JSONB(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    )
    op.create_index("ix_knowledge_bases_tenant_id", "knowledge_bases", ["tenant_id"])
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "agent_id", sa.Uuid(), sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("item_id", sa.String(60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source_url", sa.String(2000)),
        sa.Column("embedding", Vector(DIMENSIONS), nullable=False),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', text)", persisted=True),
        ),
    )
    op.create_index("ix_knowledge_chunks_tenant_id", "knowledge_chunks", ["tenant_id"])
    op.create_index("ix_knowledge_chunks_agent_id", "knowledge_chunks", ["agent_id"])
    op.create_index(
        "ix_knowledge_chunks_search", "knowledge_chunks", ["search"], postgresql_using="gin"
    )
    op.execute(
        "CREATE INDEX ix_knowledge_chunks_embedding ON knowledge_chunks "
        "USING hnsw (embedding vector_cosine_ops)"
    )
    for table in TABLES:
        for statement in rls.tenant_table(table, role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    for table in reversed(TABLES):
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.drop_table(table)
    op.execute("DROP TYPE after_hours")
    op.execute("DROP TYPE agent_status")
