"""Tenants: one business each. Reading, changing, and (for staff) creating and finding."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlmodel import Session, col, func, or_, select

from voice_platform.models import Tenant, TenantCreate, TenantUpdate
from voice_platform.models.user import Role
from voice_platform.services import audit
from voice_platform.services.errors import Conflict, InvalidInput, NotFound
from voice_platform.services.principal import Principal, authorize, require_staff
from voice_platform.services.validation import normalize_email

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
EDITABLE = (
    "name",
    "time_zone",
    "business_phone",
    "notification_email",
    "message_webhook_url",
    "currency",
    "booked_call_value",
    "receptionist_hourly_cost",
    "cost_per_minute",
)


def time_zones() -> list[str]:
    return sorted(available_timezones())


def check_tenant_fields(
    *,
    name: str | None = None,
    time_zone: str | None = None,
    business_phone: str | None = None,
    notification_email: str | None = None,
    message_webhook_url: str | None = None,
    currency: str | None = None,
    **amounts: Any,
) -> None:
    """Raise InvalidInput naming the first field that is wrong. `amounts` (the ROI settings)
    arrive already checked as numbers by TenantUpdate; only their unset state matters here."""
    if name is not None and not name.strip():
        raise InvalidInput("Enter the business's name", field="name")
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                f"Unknown time zone {time_zone!r}; use a name such as Europe/Rome",
                field="time_zone",
            ) from None
    if business_phone and not E164.match(business_phone):
        raise InvalidInput(
            "Write the phone number in international form, such as +15551234567",
            field="business_phone",
        )
    if notification_email:
        normalize_email(notification_email, field="notification_email")
    if message_webhook_url:
        parsed = urlsplit(message_webhook_url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise InvalidInput(
                "Enter the full address, such as https://example.com/hooks/messages",
                field="message_webhook_url",
            )
    if currency is not None and not CURRENCY.match(currency):
        raise InvalidInput(
            "Write the currency as its three-letter code, such as USD or EUR", field="currency"
        )


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50].strip("-")
    return slug or "business"


def unique_slug(session: Session, name: str) -> str:
    base = slugify(name)
    taken = set(session.exec(select(Tenant.slug).where(col(Tenant.slug).startswith(base))))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def snapshot(tenant: Tenant) -> dict[str, Any]:
    """The editable fields as JSON values (amounts as text, so the audit log keeps them exact)."""
    values = {field: getattr(tenant, field) for field in EDITABLE}
    return {
        field: str(value) if isinstance(value, Decimal) else value
        for field, value in values.items()
    }


def get_tenant(session: Session, *, principal: Principal, tenant_id: uuid.UUID) -> Tenant:
    authorize(principal, tenant_id)
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("No such tenant")
    return tenant


def update_tenant(
    session: Session, *, principal: Principal, tenant_id: uuid.UUID, changes: TenantUpdate
) -> Tenant:
    authorize(principal, tenant_id, min_role=Role.ADMIN, write=True)
    values = changes.model_dump(exclude_unset=True)
    for field in ("business_phone", "notification_email", "message_webhook_url"):
        if field in values and isinstance(values[field], str):
            values[field] = values[field].strip() or None
    if "name" in values and values["name"] is None:
        raise InvalidInput("Enter the business's name", field="name")
    if "time_zone" in values and values["time_zone"] is None:
        raise InvalidInput("Choose a time zone", field="time_zone")
    if "currency" in values:
        if not values["currency"]:
            raise InvalidInput("Choose a currency", field="currency")
        values["currency"] = values["currency"].strip().upper()
    check_tenant_fields(**values)
    tenant = get_tenant(session, principal=principal, tenant_id=tenant_id)
    before = snapshot(tenant)
    for field, value in values.items():
        setattr(tenant, field, value.strip() if field == "name" else value)
    session.add(tenant)
    changed = audit.diff(before, snapshot(tenant))
    if changed:
        audit.record(
            session,
            tenant_id=tenant_id,
            action="tenant.update",
            entity_type="tenant",
            entity_id=tenant_id,
            changes=changed,
            principal=principal,
        )
    return tenant


def create_tenant(platform: Session, *, principal: Principal, data: TenantCreate) -> Tenant:
    require_staff(principal)
    check_tenant_fields(
        name=data.name,
        time_zone=data.time_zone,
        business_phone=data.business_phone,
        notification_email=data.notification_email,
        message_webhook_url=data.message_webhook_url,
    )
    if platform.exec(select(Tenant).where(Tenant.slug == data.slug)).first():
        raise Conflict(f"The slug {data.slug!r} is taken", field="slug")
    tenant = Tenant.model_validate(data)
    platform.add(tenant)
    platform.flush()
    audit.record(
        platform,
        tenant_id=tenant.id,
        action="tenant.create",
        entity_type="tenant",
        entity_id=tenant.id,
        changes={"name": {"after": tenant.name}},
        principal=principal,
    )
    return tenant


def search_tenants(
    platform: Session, *, principal: Principal, query: str = "", limit: int = 50, offset: int = 0
) -> tuple[list[Tenant], int]:
    require_staff(principal)
    statement = select(Tenant)
    if query.strip():
        pattern = f"%{query.strip()}%"
        statement = statement.where(
            or_(col(Tenant.name).ilike(pattern), col(Tenant.slug).ilike(pattern))
        )
    total = platform.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = platform.exec(
        statement.order_by(col(Tenant.name), col(Tenant.slug)).limit(min(limit, 200)).offset(offset)
    ).all()
    return list(rows), total
