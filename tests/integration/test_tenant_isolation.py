"""Through tenant_session, a tenant sees and changes only its own rows, whatever the SQL."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlmodel import select

from voice_platform.db import platform_session, tenant_session
from voice_platform.models import AuditEntry, Membership, Role, Tenant, User
from voice_platform.models.user import UserPublic

pytestmark = pytest.mark.usefixtures("db")


@dataclass
class Pair:
    a: uuid.UUID
    b: uuid.UUID
    a_user: uuid.UUID
    b_user: uuid.UUID


@pytest.fixture
def pair() -> Pair:
    ids = Pair(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    with platform_session("test setup") as s:
        s.add(Tenant(id=ids.a, slug="alpha", name="Alpha Dental"))
        s.add(Tenant(id=ids.b, slug="bravo", name="Bravo Plumbing"))
        s.add(User(id=ids.a_user, email="ann@alpha.example", password_hash="hash-a"))
        s.add(User(id=ids.b_user, email="bob@bravo.example", password_hash="hash-b"))
        s.flush()
        s.add(Membership(tenant_id=ids.a, user_id=ids.a_user, role=Role.OWNER))
        s.add(Membership(tenant_id=ids.b, user_id=ids.b_user, role=Role.OWNER))
        s.add(AuditEntry(tenant_id=ids.a, action="create", entity_type="tenant"))
        s.add(AuditEntry(tenant_id=ids.b, action="create", entity_type="tenant"))
        s.add(AuditEntry(tenant_id=None, action="platform.boot", entity_type="platform"))
    return ids


def test_each_tenant_reads_only_its_own_rows(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        assert [t.slug for t in s.exec(select(Tenant)).all()] == ["alpha"]
        assert [m.tenant_id for m in s.exec(select(Membership)).all()] == [pair.a]
        assert [e.tenant_id for e in s.exec(select(AuditEntry)).all()] == [pair.a]
        assert s.get(Tenant, pair.b) is None


def test_raw_sql_sees_no_more_than_the_orm(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        assert s.execute(text("SELECT count(*) FROM tenants")).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM memberships")).scalar() == 1
        assert s.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1
        hidden = s.execute(text("SELECT name FROM tenants WHERE id = :b"), {"b": pair.b})
        assert hidden.first() is None


def test_updates_and_deletes_of_another_tenant_touch_nothing(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        updated = s.execute(text("UPDATE tenants SET name = 'pwned' WHERE id = :b"), {"b": pair.b})
        deleted = s.execute(text("DELETE FROM memberships WHERE tenant_id = :b"), {"b": pair.b})
        wiped = s.execute(text("DELETE FROM audit_log"))
        assert (updated.rowcount, deleted.rowcount, wiped.rowcount) == (0, 0, 1)
    with platform_session("test check") as s:
        assert s.get(Tenant, pair.b).name == "Bravo Plumbing"  # type: ignore[union-attr]
        assert len(s.exec(select(Membership)).all()) == 2
        assert len(s.exec(select(AuditEntry)).all()) == 2


def test_inserting_into_another_tenant_is_refused(pair: Pair) -> None:
    with pytest.raises(ProgrammingError, match="row-level security"), tenant_session(pair.a) as s:
        s.add(AuditEntry(tenant_id=pair.b, action="forged", entity_type="tenant"))
        s.flush()
    with pytest.raises(ProgrammingError, match="row-level security"), tenant_session(pair.a) as s:
        s.execute(
            text("INSERT INTO audit_log (id, tenant_id, action, entity_type) "
                 "VALUES (gen_random_uuid(), :b, 'forged', 'x')"),
            {"b": pair.b},
        )  # fmt: skip


def test_moving_a_row_to_another_tenant_is_refused(pair: Pair) -> None:
    with pytest.raises(ProgrammingError, match="row-level security"), tenant_session(pair.a) as s:
        s.execute(text("UPDATE memberships SET tenant_id = :b"), {"b": pair.b})


def test_inserting_into_its_own_tenant_works(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        s.add(AuditEntry(tenant_id=pair.a, action="update", entity_type="tenant"))
    with tenant_session(pair.a) as s:
        assert len(s.exec(select(AuditEntry)).all()) == 2


def test_without_a_tenant_nothing_is_visible(pair: Pair) -> None:
    from voice_platform.db import app_engine

    with app_engine().connect() as conn:
        for table in ("tenants", "memberships", "audit_log", "users"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0  # noqa: S608


def test_the_tenant_setting_does_not_outlive_its_transaction(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        assert s.execute(text("SELECT count(*) FROM tenants")).scalar() == 1
    from voice_platform.db import app_engine

    with app_engine().connect() as conn:  # likely the very same pooled connection
        assert conn.execute(text("SELECT count(*) FROM tenants")).scalar() == 0


def test_platform_events_stay_hidden_from_tenants(pair: Pair) -> None:
    with tenant_session(pair.b) as s:
        actions = [e.action for e in s.exec(select(AuditEntry)).all()]
    assert actions == ["create"]


def test_users_are_visible_only_as_members_and_without_password_hashes(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        emails = s.execute(text("SELECT email FROM users")).scalars().all()
        assert emails == ["ann@alpha.example"]
        with pytest.raises(ProgrammingError, match="permission denied"):
            s.execute(text("SELECT password_hash FROM users"))
    with tenant_session(pair.a) as s, pytest.raises(ProgrammingError, match="permission denied"):
        s.execute(text("UPDATE users SET is_staff = true"))


def test_members_read_through_the_public_schema(pair: Pair) -> None:
    with tenant_session(pair.b) as s:
        row = s.execute(
            text("SELECT id, email, full_name, is_active, is_staff, created_at FROM users")
        ).one()
    assert UserPublic.model_validate(row._mapping).email == "bob@bravo.example"


def test_the_app_role_cannot_escape_its_walls(pair: Pair) -> None:
    with tenant_session(pair.a) as s:
        role = s.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        assert tuple(role) == (False, False)
    for escape in ("ALTER TABLE tenants DISABLE ROW LEVEL SECURITY", "SET ROLE postgres"):
        with pytest.raises(DBAPIError), tenant_session(pair.a) as s:
            s.execute(text(escape))


def test_tenant_session_insists_on_a_uuid() -> None:
    with pytest.raises(TypeError), tenant_session("alpha"):  # type: ignore[arg-type]
        pass


def test_platform_session_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="reason"), platform_session("  "):
        pass


def test_an_error_rolls_the_whole_transaction_back(pair: Pair) -> None:
    with pytest.raises(RuntimeError), tenant_session(pair.a) as s:
        s.add(AuditEntry(tenant_id=pair.a, action="half", entity_type="tenant"))
        s.flush()
        raise RuntimeError("boom")
    with tenant_session(pair.a) as s:
        assert [e.action for e in s.exec(select(AuditEntry)).all()] == ["create"]
