"""What a business's calls are worth: the ROI view's settings on each tenant.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tenants", sa.Column("currency", sa.String(3), nullable=False, server_default="USD")
    )
    op.add_column("tenants", sa.Column("booked_call_value", sa.Numeric(12, 2)))
    op.add_column("tenants", sa.Column("receptionist_hourly_cost", sa.Numeric(12, 2)))
    op.add_column("tenants", sa.Column("cost_per_minute", sa.Numeric(10, 4)))
    for column in ("booked_call_value", "receptionist_hourly_cost", "cost_per_minute"):
        op.create_check_constraint(f"ck_tenants_{column}", "tenants", f"{column} >= 0")


def downgrade() -> None:
    for column in ("cost_per_minute", "receptionist_hourly_cost", "booked_call_value", "currency"):
        op.drop_column("tenants", column)
