"""Calls by agent and time: one agent's calls of a period, not its whole history.

Filtered by an agent, the call log's first page, the dashboard's busy hours, durations, topics
and ROI, and the figures summed over `calls` read one agent's calls of a period. With only
(agent_id) and (tenant_id, started_at), PostgreSQL (which cannot know that an agent implies
its tenant) ANDed the agent's and the tenant's bitmaps and fetched every call the agent ever
had: 64 ms for a page of 50 of a busy agent with a year of history (benchmarks/analytics.py,
a million calls). (agent_id, started_at) reads just the period, newest first for the log; it
replaces (agent_id), whose look-ups (the foreign key's ON DELETE SET NULL) it serves as well.
And statistics of the dependency of tenant_id on agent_id tell the planner that "this agent
and this tenant" is as many calls as "this agent", not a tiny share of them, so it does not
AND in the tenant's whole bitmap, and pages an agent's log from the index with its LIMIT.

Built CONCURRENTLY: calls keep being written while it builds.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATISTICS = "st_calls_agent_tenant"


def upgrade() -> None:
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_calls_agent_started",
            "calls",
            ["agent_id", "started_at"],
            postgresql_concurrently=True,
        )
        op.drop_index("ix_calls_agent_id", table_name="calls", postgresql_concurrently=True)
    op.execute(f"CREATE STATISTICS {STATISTICS} (dependencies) ON tenant_id, agent_id FROM calls")
    op.execute("ANALYZE calls")


def downgrade() -> None:
    op.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
    with op.get_context().autocommit_block():
        op.create_index("ix_calls_agent_id", "calls", ["agent_id"], postgresql_concurrently=True)
        op.drop_index("ix_calls_agent_started", table_name="calls", postgresql_concurrently=True)
