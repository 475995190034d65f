from __future__ import annotations

import pytest
from sqlalchemy import UniqueConstraint, inspect, text
from sqlmodel import SQLModel

from tests.conftest import Servers
from voice_platform.config import get_settings
from voice_platform.db import dispose_engines, owner_engine, owner_url
from voice_platform.runtime import migrations

TENANT_TABLES = {
    "tenants", "memberships", "audit_log", "phone_numbers", "provider_credentials",
    "custom_voices", "llm_usage", "creation_jobs", "creation_events", "calls", "call_turns",
    "call_messages", "agent_daily_stats", "crawled_pages", "knowledge_gap_resolutions",
}  # fmt: skip


def test_head_is_applied_and_nothing_is_pending(db: Servers) -> None:
    assert migrations.pending(owner_url(get_settings())) == []
    tables = set(inspect(owner_engine()).get_table_names())
    assert {"tenants", "users", "memberships", "audit_log", "alembic_version"} <= tables


def test_every_tenant_table_forces_row_level_security(db: Servers) -> None:
    with owner_engine().connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
                "AND relname <> 'alembic_version'"
            )
        ).all()
        policies = conn.execute(text("SELECT tablename, policyname FROM pg_policies")).all()
    assert {name for name, rls, force in rows if rls and force} == {name for name, *_ in rows}
    for table in TENANT_TABLES:
        assert (table, "tenant_isolation") in policies


def test_pgvector_is_installed(db: Servers) -> None:
    with owner_engine().connect() as conn:
        distance = conn.execute(text("SELECT '[1,0]'::vector <-> '[0,1]'::vector")).scalar()
    assert distance == pytest.approx(2**0.5)


def test_downgrade_to_base_and_back(db: Servers) -> None:
    migrations.downgrade("base")
    dispose_engines()
    assert "tenants" not in inspect(owner_engine()).get_table_names()
    assert migrations.pending(owner_url(get_settings())) == [
        "0010",
        "0009",
        "0008",
        "0007",
        "0006",
        "0005",
        "0004",
        "0003",
        "0002",
        "0001",
    ]
    migrations.upgrade()
    dispose_engines()
    assert "tenants" in inspect(owner_engine()).get_table_names()


@pytest.mark.parametrize("table", ["calls", "agent_daily_stats"])
def test_the_models_declare_the_indexes_the_migrations_build(db: Servers, table: str) -> None:
    """The analytics reads depend on these indexes: the models say what the database has."""
    model = SQLModel.metadata.tables[table]
    declared = {(i.name, tuple(c.name for c in i.columns)) for i in model.indexes}
    declared |= {
        (c.name, tuple(column.name for column in c.columns))
        for c in model.constraints
        if isinstance(c, UniqueConstraint) and c.name
    } | {
        (f"{table}_{column.name}_key", (column.name,)) for column in model.columns if column.unique
    }
    built = {
        (i["name"], tuple(i["column_names"])) for i in inspect(owner_engine()).get_indexes(table)
    }
    assert declared == built


def test_upgrade_twice_is_a_no_op(db: Servers) -> None:
    migrations.upgrade()
    migrations.upgrade()
    assert migrations.pending(owner_url(get_settings())) == []
