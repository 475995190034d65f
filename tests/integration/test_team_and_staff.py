"""Team management, invitations, API keys, tenant settings, and staff impersonation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.accounts_helpers import PASSWORD, bearer, client, last_link, login, sign_up
from voice_platform.db import platform_session
from voice_platform.models import Impersonation, User
from voice_platform.services.security import hash_password

pytestmark = pytest.mark.usefixtures("db")


def make_staff(api: TestClient) -> str:
    with platform_session("test makes staff") as s:
        s.add(
            User(email="sam@platform.example", password_hash=hash_password(PASSWORD), is_staff=True)
        )
    response = login(api, "sam@platform.example")
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def invite_and_join(
    api: TestClient, owner: dict[str, Any], email: str, role: str = "member"
) -> dict[str, Any]:
    tenant = owner["tenant_id"]
    sent = api.post(
        f"/api/tenants/{tenant}/invitations",
        json={"email": email, "role": role},
        headers=bearer(owner["access_token"]),
    )
    assert sent.status_code == 201, sent.text
    token = last_link(email, "/invite")
    joined = api.post(
        "/api/invitations/accept", json={"token": token, "password": PASSWORD, "full_name": "Bo"}
    )
    assert joined.status_code == 200, joined.text
    return dict(joined.json())


def test_invited_people_join_with_the_invited_role() -> None:
    api = client()
    owner = sign_up(api)
    bo = invite_and_join(api, owner, "bo@alpha.example", role="admin")
    assert bo["role"] == "admin"
    assert bo["tenant_id"] == owner["tenant_id"]
    team = api.get(
        f"/api/tenants/{owner['tenant_id']}/members", headers=bearer(owner["access_token"])
    ).json()
    assert [(m["email"], m["role"]) for m in team] == [
        ("ann@alpha.example", "owner"),
        ("bo@alpha.example", "admin"),
    ]


def test_an_existing_account_joins_with_its_own_password() -> None:
    api = client()
    alpha = sign_up(api)
    sign_up(api, email="cy@bravo.example", business="Bravo")
    api.post(
        f"/api/tenants/{alpha['tenant_id']}/invitations",
        json={"email": "cy@bravo.example"},
        headers=bearer(alpha["access_token"]),
    )
    token = last_link("cy@bravo.example", "/invite")
    wrong = api.post(
        "/api/invitations/accept", json={"token": token, "password": "not my password"}
    )
    assert wrong.status_code == 401
    right = api.post("/api/invitations/accept", json={"token": token, "password": PASSWORD})
    assert right.status_code == 200
    used = api.post("/api/invitations/accept", json={"token": token, "password": PASSWORD})
    assert used.status_code == 422
    # Cy now belongs to both and chooses at log-in.
    to_alpha = api.post(
        "/api/auth/login",
        json={"email": "cy@bravo.example", "password": PASSWORD, "tenant": "alpha"},
    )
    assert to_alpha.json()["tenant_id"] == alpha["tenant_id"]


def test_a_revoked_invitation_cannot_be_used() -> None:
    api = client()
    owner = sign_up(api)
    headers = bearer(owner["access_token"])
    tenant = owner["tenant_id"]
    invitation = api.post(
        f"/api/tenants/{tenant}/invitations", json={"email": "dee@x.example"}, headers=headers
    ).json()
    token = last_link("dee@x.example", "/invite")
    assert (
        api.get(f"/api/tenants/{tenant}/invitations", headers=headers).json()[0]["id"]
        == (invitation["id"])
    )
    gone = api.delete(f"/api/tenants/{tenant}/invitations/{invitation['id']}", headers=headers)
    assert gone.status_code == 204
    assert api.get(f"/api/tenants/{tenant}/invitations", headers=headers).json() == []
    refused = api.post("/api/invitations/accept", json={"token": token, "password": PASSWORD})
    assert refused.status_code == 422


def test_role_rules_protect_the_owner() -> None:
    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    admin = invite_and_join(api, owner, "bo@alpha.example", role="admin")
    member = invite_and_join(api, owner, "cy@alpha.example")
    as_admin = bearer(admin["access_token"])
    # Admins manage members, but not owners.
    promoted = api.put(
        f"/api/tenants/{tenant}/members/{member['user_id']}",
        json={"role": "admin"},
        headers=as_admin,
    )
    assert promoted.status_code == 200
    assert promoted.json()["role"] == "admin"
    to_owner = api.put(
        f"/api/tenants/{tenant}/members/{member['user_id']}",
        json={"role": "owner"},
        headers=as_admin,
    )
    assert to_owner.status_code == 403
    demote_owner = api.put(
        f"/api/tenants/{tenant}/members/{owner['user_id']}",
        json={"role": "member"},
        headers=as_admin,
    )
    assert demote_owner.status_code == 403
    # The last owner cannot step down or leave.
    self_demote = api.put(
        f"/api/tenants/{tenant}/members/{owner['user_id']}",
        json={"role": "admin"},
        headers=bearer(owner["access_token"]),
    )
    assert self_demote.status_code == 409
    leave = api.delete(
        f"/api/tenants/{tenant}/members/{owner['user_id']}", headers=bearer(owner["access_token"])
    )
    assert leave.status_code == 409


def test_a_removed_member_loses_access_at_once() -> None:
    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    member = invite_and_join(api, owner, "cy@alpha.example")
    assert (
        api.get(f"/api/tenants/{tenant}", headers=bearer(member["access_token"])).status_code == 200
    )
    removed = api.delete(
        f"/api/tenants/{tenant}/members/{member['user_id']}", headers=bearer(owner["access_token"])
    )
    assert removed.status_code == 204
    assert (
        api.get(f"/api/tenants/{tenant}", headers=bearer(member["access_token"])).status_code == 401
    )
    refresh = api.post("/api/auth/refresh", json={"refresh_token": member["refresh_token"]})
    assert refresh.status_code == 401


def test_tenant_settings_validate_and_are_audited() -> None:
    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    headers = bearer(owner["access_token"])
    bad_zone = api.put(
        f"/api/tenants/{tenant}", json={"time_zone": "Mars/Olympus"}, headers=headers
    )
    assert bad_zone.status_code == 422
    assert bad_zone.json()["error"]["details"][0]["field"] == "time_zone"
    bad_phone = api.put(
        f"/api/tenants/{tenant}", json={"business_phone": "555-1234"}, headers=headers
    )
    assert bad_phone.json()["error"]["details"][0]["field"] == "business_phone"
    ok = api.put(
        f"/api/tenants/{tenant}",
        json={"time_zone": "Europe/Rome", "business_phone": "+390612345678"},
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.json()["time_zone"] == "Europe/Rome"
    log = api.get(f"/api/tenants/{tenant}/audit?action=tenant.update", headers=headers).json()
    assert log["total"] == 1
    entry = log["items"][0]
    assert entry["changes"]["time_zone"] == {"before": "UTC", "after": "Europe/Rome"}
    assert entry["actor_user_id"] == owner["user_id"]
    assert entry["user_agent"] == "testclient"
    assert entry["ip"]


def test_api_keys_are_shown_once_scoped_and_revocable() -> None:
    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    headers = bearer(owner["access_token"])
    read = api.post(f"/api/tenants/{tenant}/api-keys", json={"name": "reports"}, headers=headers)
    assert read.status_code == 201
    secret = read.json()["secret"]
    assert secret.startswith("vpk_")
    assert secret.startswith(read.json()["prefix"])
    listed = api.get(f"/api/tenants/{tenant}/api-keys", headers=headers).json()
    assert "secret" not in listed[0]
    assert api.get(f"/api/tenants/{tenant}", headers=bearer(secret)).status_code == 200
    write = api.put(f"/api/tenants/{tenant}", json={"name": "X"}, headers=bearer(secret))
    assert write.status_code == 403
    assert "read-only" in write.json()["error"]["message"]

    full = api.post(
        f"/api/tenants/{tenant}/api-keys", json={"name": "crm", "scope": "full"}, headers=headers
    ).json()
    renamed = api.put(
        f"/api/tenants/{tenant}", json={"name": "Alpha Co"}, headers=bearer(full["secret"])
    )
    assert renamed.status_code == 200
    audit = api.get(f"/api/tenants/{tenant}/audit?action=tenant.update", headers=headers).json()
    assert audit["items"][0]["actor_api_key_id"] == full["id"]

    assert (
        api.delete(
            f"/api/tenants/{tenant}/api-keys/{read.json()['id']}", headers=headers
        ).status_code
        == 204
    )
    assert api.get(f"/api/tenants/{tenant}", headers=bearer(secret)).status_code == 401


def test_impersonation_is_reasoned_audited_and_ends() -> None:
    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    staff = make_staff(api)
    no_reason = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": tenant, "reason": "hi"},
        headers=bearer(staff),
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["error"]["details"][0]["field"] == "reason"
    started = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": tenant, "reason": "Owner asked for help with hours", "minutes": 15},
        headers=bearer(staff),
    ).json()
    acting = bearer(started["access_token"])
    me = api.get("/api/auth/me", headers=acting).json()
    assert me["impersonating"] is True
    assert me["role"] == "owner"
    assert (
        api.put(f"/api/tenants/{tenant}", json={"name": "Fixed"}, headers=acting).status_code == 200
    )

    log = api.get(f"/api/tenants/{tenant}/audit", headers=bearer(owner["access_token"])).json()
    by_action = {e["action"]: e for e in log["items"]}
    assert by_action["impersonation.start"]["changes"]["reason"]["after"] == (
        "Owner asked for help with hours"
    )
    change = by_action["tenant.update"]
    staff_id = api.get("/api/auth/me", headers=bearer(staff)).json()["user_id"]
    assert change["impersonator_user_id"] == staff_id
    assert change["tenant_id"] == tenant

    assert api.post("/api/staff/impersonations/end", headers=acting).status_code == 204
    assert api.get("/api/auth/me", headers=acting).status_code == 401
    ended = api.get("/api/staff/audit?action=impersonation.end", headers=bearer(staff)).json()
    assert ended["total"] == 1


def test_impersonation_expires() -> None:
    api = client()
    owner = sign_up(api)
    staff = make_staff(api)
    started = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": owner["tenant_id"], "reason": "checking the settings page"},
        headers=bearer(staff),
    ).json()
    with platform_session("test expires impersonation") as s:
        s.execute(update(Impersonation).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    response = api.get("/api/auth/me", headers=bearer(started["access_token"]))
    assert response.status_code == 401
    assert "ended" in response.json()["error"]["message"]


def test_impersonation_cannot_last_longer_than_allowed() -> None:
    api = client()
    owner = sign_up(api)
    staff = make_staff(api)
    too_long = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": owner["tenant_id"], "reason": "a long investigation", "minutes": 600},
        headers=bearer(staff),
    )
    assert too_long.status_code == 422
    assert too_long.json()["error"]["details"][0]["field"] == "minutes"


def test_staff_find_tenants_and_read_the_outbox() -> None:
    api = client()
    sign_up(api, business="Nonna Rosa Pizzeria", email="rosa@nonna.example")
    sign_up(api, business="Rapid Rooter", email="rick@rooter.example")
    staff = make_staff(api)
    found = api.get("/api/tenants?q=PIZZER", headers=bearer(staff)).json()
    assert [t["name"] for t in found["items"]] == ["Nonna Rosa Pizzeria"]
    created = api.post("/api/tenants", json={"name": "Fade", "slug": "fade"}, headers=bearer(staff))
    assert created.status_code == 201
    taken = api.post("/api/tenants", json={"name": "Fade 2", "slug": "fade"}, headers=bearer(staff))
    assert taken.status_code == 409
    api.post("/api/auth/password-reset", json={"email": "rosa@nonna.example"})
    mail = api.get("/api/staff/outbox?to=rosa", headers=bearer(staff)).json()
    assert mail[0]["subject"] == "Reset your Voice Platform password"


def test_slugs_stay_unique() -> None:
    api = client()
    first = sign_up(api, business="Bright Smile", email="a@a.example")
    second = sign_up(api, business="Bright Smile", email="b@b.example")
    staff = make_staff(api)
    slugs = {
        t["id"]: t["slug"] for t in api.get("/api/tenants", headers=bearer(staff)).json()["items"]
    }
    assert slugs[first["tenant_id"]] == "bright-smile"
    assert slugs[second["tenant_id"]] == "bright-smile-2"


def test_audit_filters() -> None:
    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    headers = bearer(owner["access_token"])
    api.put(f"/api/tenants/{tenant}", json={"name": "Alpha Two"}, headers=headers)
    api.post(f"/api/tenants/{tenant}/api-keys", json={"name": "k"}, headers=headers)
    staff = make_staff(api)
    acting = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": tenant, "reason": "verifying the audit filters"},
        headers=bearer(staff),
    ).json()
    api.put(
        f"/api/tenants/{tenant}",
        json={"name": "Alpha Three"},
        headers=bearer(acting["access_token"]),
    )

    def actions(query: str, who: dict[str, str] = headers) -> list[str]:
        response = api.get(f"/api/tenants/{tenant}/audit?{query}", headers=who)
        assert response.status_code == 200, response.text
        return [e["action"] for e in response.json()["items"]]

    assert actions("entity_type=api_key") == ["api_key.create"]
    assert actions("action=tenant.") == ["tenant.update", "tenant.update", "tenant.create"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert actions(f"since={future}") == []
    assert len(actions(f"until={future}")) == 5
    assert actions("limit=2&offset=0") == ["tenant.update", "impersonation.start"]
    staff_view = api.get(
        f"/api/staff/audit?tenant_id={tenant}&impersonated_only=true", headers=bearer(staff)
    ).json()
    # Starting is the staff member's own act; what they did as the tenant is the impersonated part.
    assert [e["action"] for e in staff_view["items"]] == ["tenant.update"]


def test_an_impersonation_token_lasts_as_long_as_the_impersonation() -> None:
    from voice_platform.config import get_settings
    from voice_platform.services.security import read_access_token

    api = client()
    owner = sign_up(api)
    staff = make_staff(api)
    started = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": owner["tenant_id"], "reason": "a long data migration", "minutes": 60},
        headers=bearer(staff),
    ).json()
    claims = read_access_token(get_settings(), started["access_token"])
    assert claims.expires_at - claims.issued_at > timedelta(minutes=59)


def test_the_audit_service_checks_who_reads() -> None:
    import uuid

    from voice_platform.db import tenant_session
    from voice_platform.models import Role
    from voice_platform.services import audit
    from voice_platform.services.email import outbox
    from voice_platform.services.errors import Forbidden, NotFound
    from voice_platform.services.principal import Principal

    api = client()
    owner = sign_up(api)
    tenant = uuid.UUID(owner["tenant_id"])
    member = Principal(tenant_id=tenant, role=Role.MEMBER, user_id=uuid.uuid4())
    stranger = Principal(tenant_id=uuid.uuid4(), role=Role.OWNER, user_id=uuid.uuid4())
    with tenant_session(tenant) as session:
        with pytest.raises(Forbidden):
            audit.search(session, principal=member, filters=audit.AuditFilter(tenant_id=tenant))
        with pytest.raises(NotFound):
            audit.search(session, principal=stranger, filters=audit.AuditFilter(tenant_id=tenant))
    with platform_session("test") as platform:
        with pytest.raises(Forbidden):
            audit.search(platform, principal=member, filters=audit.AuditFilter())
        with pytest.raises(Forbidden):
            outbox(platform, principal=member)


def test_audit_entries_name_their_actors() -> None:
    from voice_platform.services import audit
    from voice_platform.services.principal import Principal

    api = client()
    owner = sign_up(api)
    tenant = owner["tenant_id"]
    headers = bearer(owner["access_token"])
    key = api.post(
        f"/api/tenants/{tenant}/api-keys", json={"name": "crm", "scope": "full"}, headers=headers
    ).json()
    api.put(f"/api/tenants/{tenant}", json={"name": "By key"}, headers=bearer(key["secret"]))
    staff = make_staff(api)
    acting = api.post(
        "/api/staff/impersonations",
        json={"tenant_id": tenant, "reason": "checking names in the log"},
        headers=bearer(staff),
    ).json()
    api.put(
        f"/api/tenants/{tenant}", json={"name": "By staff"}, headers=bearer(acting["access_token"])
    )
    with platform_session("test") as platform:
        entries, _ = audit.search(
            platform, principal=Principal.operator(), filters=audit.AuditFilter()
        )
        actors = [
            (v.entry.action, v.actor, v.tenant_name) for v in audit.describe(platform, entries)
        ]
    assert actors == [
        ("tenant.update", "sam@platform.example (staff, acting as owner)", "By staff"),
        ("impersonation.start", "sam@platform.example", "By staff"),
        ("tenant.update", "API key crm", "By staff"),
        ("api_key.create", "ann@alpha.example", "By staff"),
        ("tenant.create", "ann@alpha.example", "By staff"),
    ]
