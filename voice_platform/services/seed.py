"""The demo tenant `make run` creates on first start, so there is something to log in to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlmodel import Session, select

from voice_platform.models import Membership, Role, Tenant, User
from voice_platform.services import audit
from voice_platform.services.security import hash_password

DEMO_SLUG = "demo"
DEMO_OWNER_EMAIL = "owner@demo.example"
DEMO_STAFF_EMAIL = "staff@demo.example"
# Local demo only: `up` skips the seed when ENVIRONMENT=production.
DEMO_PASSWORD = "demo-password"  # noqa: S105


@dataclass(frozen=True)
class DemoLogins:
    owner_email: str
    staff_email: str
    password: str
    tenant_id: uuid.UUID


def seed_demo(platform: Session) -> DemoLogins | None:
    """Create the demo tenant, its owner and a staff user when there are no tenants yet."""
    if platform.exec(select(Tenant.id)).first() is not None:
        return None
    tenant = Tenant(
        slug=DEMO_SLUG,
        name="Bright Smile Dental (demo)",
        time_zone="America/New_York",
        business_phone="+15555550100",
        notification_email=DEMO_OWNER_EMAIL,
    )
    password_hash = hash_password(DEMO_PASSWORD)
    owner = User(email=DEMO_OWNER_EMAIL, full_name="Dana Owner", password_hash=password_hash)
    staff = platform.exec(select(User).where(User.email == DEMO_STAFF_EMAIL)).first() or User(
        email=DEMO_STAFF_EMAIL, full_name="Sam Support", password_hash=password_hash, is_staff=True
    )
    platform.add_all([tenant, owner, staff])
    platform.flush()
    platform.add(Membership(tenant_id=tenant.id, user_id=owner.id, role=Role.OWNER))
    audit.record(
        platform,
        tenant_id=tenant.id,
        action="tenant.create",
        entity_type="tenant",
        entity_id=tenant.id,
        changes={"name": {"after": tenant.name}, "seeded": {"after": True}},
    )
    return DemoLogins(DEMO_OWNER_EMAIL, DEMO_STAFF_EMAIL, DEMO_PASSWORD, tenant.id)
