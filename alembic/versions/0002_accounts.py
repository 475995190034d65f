"""Accounts: tenant contact settings, refresh tokens, password resets, invitations, API keys,
impersonations and the email outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from voice_platform import rls
from voice_platform.config import get_settings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLATFORM_TABLES = ("refresh_tokens", "password_resets", "impersonations", "outbox_emails")
TENANT_TABLES = ("invitations", "api_keys")


def _id() -> sa.Column:
    return sa.Column("id", sa.Uuid(), primary_key=True)


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(name: str, table: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:
    return sa.Column(
        name, sa.Uuid(), sa.ForeignKey(f"{table}.id", ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    role = get_settings().database_app_role
    op.add_column("tenants", sa.Column("business_phone", sa.String(20)))
    op.add_column("tenants", sa.Column("notification_email", sa.String(320)))
    op.add_column("users", sa.Column("sessions_valid_after", sa.DateTime(timezone=True)))
    op.add_column(
        "audit_log",
        sa.Column("actor_api_key_id", sa.Uuid()),
    )

    op.create_table(
        "refresh_tokens",
        _id(),
        _fk("user_id", "users"),
        _fk("tenant_id", "tenants", nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _when("expires_at", nullable=False),
        _when("replaced_at"),
        _when("revoked_at"),
        _created(),
    )
    op.create_index("ix_refresh_tokens_user_id", "refresh_tokens", ["user_id"])
    op.create_index("ix_refresh_tokens_family_id", "refresh_tokens", ["family_id"])

    op.create_table(
        "password_resets",
        _id(),
        _fk("user_id", "users"),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _when("expires_at", nullable=False),
        _when("used_at"),
        _created(),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])

    member_role = postgresql.ENUM(name="member_role", create_type=False)
    op.create_table(
        "invitations",
        _id(),
        _fk("tenant_id", "tenants"),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("role", member_role, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        _fk("invited_by", "users", nullable=True, ondelete="SET NULL"),
        _when("expires_at", nullable=False),
        _when("accepted_at"),
        _when("revoked_at"),
        _created(),
    )
    op.create_index("ix_invitations_tenant_id", "invitations", ["tenant_id"])

    scope = postgresql.ENUM("read", "full", name="api_key_scope")
    op.create_table(
        "api_keys",
        _id(),
        _fk("tenant_id", "tenants"),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scope", scope, nullable=False),
        _fk("created_by", "users", nullable=True, ondelete="SET NULL"),
        _when("last_used_at"),
        _when("revoked_at"),
        _created(),
    )
    op.create_index("ix_api_keys_tenant_id", "api_keys", ["tenant_id"])
    op.create_foreign_key(
        "fk_audit_log_actor_api_key",
        "audit_log",
        "api_keys",
        ["actor_api_key_id"],
        ["id"],
        ondelete="SET NULL",
    )

    op.create_table(
        "impersonations",
        _id(),
        _fk("staff_user_id", "users"),
        _fk("tenant_id", "tenants"),
        sa.Column("reason", sa.String(500), nullable=False),
        _when("expires_at", nullable=False),
        _when("ended_at"),
        _created(),
    )
    op.create_index("ix_impersonations_staff_user_id", "impersonations", ["staff_user_id"])
    op.create_index("ix_impersonations_tenant_id", "impersonations", ["tenant_id"])

    op.create_table(
        "outbox_emails",
        _id(),
        _fk("tenant_id", "tenants", nullable=True),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _created(),
    )
    op.create_index("ix_outbox_emails_created_at", "outbox_emails", ["created_at"])

    for table in PLATFORM_TABLES:
        for statement in rls.platform_table(table):
            op.execute(statement)
    for table in TENANT_TABLES:
        for statement in rls.tenant_table(table, role):
            op.execute(statement)


def downgrade() -> None:
    role = get_settings().database_app_role
    for table in TENANT_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {role}")
    op.drop_constraint("fk_audit_log_actor_api_key", "audit_log", type_="foreignkey")
    for table in ("outbox_emails", "impersonations", "api_keys", "invitations"):
        op.drop_table(table)
    op.drop_table("password_resets")
    op.drop_table("refresh_tokens")
    op.execute("DROP TYPE api_key_scope")
    op.drop_column("audit_log", "actor_api_key_id")
    op.drop_column("users", "sessions_valid_after")
    op.drop_column("tenants", "notification_email")
    op.drop_column("tenants", "business_phone")
