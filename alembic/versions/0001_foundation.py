"""Foundation: tenants, users, memberships, audit log, the app role and RLS.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_VALUES = ("owner", "admin", "member")


def _timestamps() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade() -> None:
    settings = get_settings()
    role = settings.database_app_role
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")

    op.create_table(
        "tenants",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("slug", sa.String(63), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
        _timestamps(),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("is_staff", sa.Boolean(), nullable=False, server_default=sa.false()),
        _timestamps(),
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column(
            "tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("role", postgresql.ENUM(*ROLE_VALUES, name="member_role"), nullable=False),
        _timestamps(),
        sa.UniqueConstraint("tenant_id", "user_id"),
    )
    op.create_index("ix_memberships_tenant_id", "memberships", ["tenant_id"])
    op.create_index("ix_memberships_user_id", "memberships", ["user_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), sa.ForeignKey("tenants.id", ondelete="CASCADE")),
        sa.Column("actor_user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column(
            "impersonator_user_id", sa.Uuid(), sa.ForeignKey("users.id", ondelete="SET NULL")
        ),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("entity_type", sa.String(100), nullable=False),
        sa.Column("entity_id", sa.String(100)),
        sa.Column("changes", postgresql.JSONB(), nullable=False, server_default="{}"),
        sa.Column("ip", sa.String(64)),
        sa.Column("user_agent", sa.String(500)),
        _timestamps(),
    )
    op.create_index("ix_audit_log_tenant_created", "audit_log", ["tenant_id", "created_at"])

    for statement in rls.create_app_role(role):
        op.execute(statement)
    password = settings.database_app_password.get_secret_value()
    if password:
        op.execute(
            sa.text("SELECT set_config('voice_platform.app_password', :pw, true)").bindparams(
                pw=password
            )
        )
        op.execute(rls.set_role_password(role))

    # A tenant's own row is its tenant-owned row.
    for statement in rls.tenant_table("tenants", role, column="id"):
        op.execute(statement)
    for table in ("memberships", "audit_log"):
        for statement in rls.tenant_table(table, role):
            op.execute(statement)

    # Users are platform-wide: a tenant session may read (never write) its own members,
    # and never the password hashes.
    op.execute("ALTER TABLE users ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE users FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_members ON users FOR SELECT TO {role} "
        "USING (EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id))"
    )
    op.execute(
        "CREATE POLICY platform_access ON users TO CURRENT_USER USING (true) WITH CHECK (true)"
    )
    op.execute(
        f"GRANT SELECT (id, email, full_name, is_active, is_staff, created_at) ON users TO {role}"
    )


def downgrade() -> None:
    role = get_settings().database_app_role
    op.execute("DROP POLICY tenant_members ON users")
    for table in ("audit_log", "memberships", "users", "tenants"):
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
        op.drop_table(table)
    op.execute("DROP TYPE member_role")
