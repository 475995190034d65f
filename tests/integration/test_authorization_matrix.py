"""Every API route, called by every kind of caller, against the expected status.

The route list comes from the app's own route table: a new route without a row here fails
`test_the_matrix_covers_every_route`. Cross-tenant access must never be 2xx."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import SQLModel

from tests.conftest import Servers
from voice_platform.api import create_api
from voice_platform.config import get_settings
from voice_platform.db import owner_engine, platform_session
from voice_platform.knowledge.schemas import KnowledgeBase
from voice_platform.models import (
    Agent,
    ApiKey,
    ApiKeyScope,
    Call,
    CreationEvent,
    CreationJob,
    Impersonation,
    Invitation,
    KnowledgeRecord,
    Membership,
    PasswordReset,
    PhoneNumber,
    ProviderCredential,
    RefreshToken,
    Role,
    Tenant,
    User,
)
from voice_platform.services.credentials import encrypt
from voice_platform.services.security import hash_password, hash_secret, issue_access_token

PRINCIPALS = (
    "anonymous",
    "member",
    "admin",
    "owner",
    "other_owner",
    "api_key_read",
    "staff",
    "staff_impersonating",
)
PASSWORD = "correct horse battery"
IDS = {
    name: uuid.uuid4()
    for name in (
        "tenant_a", "tenant_b", "owner", "admin", "member", "member2", "other_owner", "staff",
        "impersonation", "invitation", "key_read", "key_target", "agent", "number", "call",
    )
}  # fmt: skip
SECRETS = {
    "key_read": "vpk_read-only-key-of-tenant-a",
    "key_target": "vpk_key-to-revoke",
    "refresh": "vpr_seeded-refresh-token",
    "reset": "vpp_seeded-reset-token",
    "invitation": "vpi_seeded-invitation-token",
}
_HASH = hash_password(PASSWORD)


def seed() -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    with platform_session("matrix seed") as s:
        s.add(Tenant(id=IDS["tenant_a"], slug="alpha", name="Alpha"))
        s.add(Tenant(id=IDS["tenant_b"], slug="bravo", name="Bravo"))
        for name in ("owner", "admin", "member", "member2", "other_owner", "staff"):
            s.add(
                User(
                    id=IDS[name],
                    email=f"{name}@example.com",
                    password_hash=_HASH,
                    is_staff=name == "staff",
                )
            )
        s.flush()
        a, b = IDS["tenant_a"], IDS["tenant_b"]
        for name, role in (("owner", Role.OWNER), ("admin", Role.ADMIN)):
            s.add(Membership(tenant_id=a, user_id=IDS[name], role=role))
        for name in ("member", "member2"):
            s.add(Membership(tenant_id=a, user_id=IDS[name], role=Role.MEMBER))
        s.add(Membership(tenant_id=b, user_id=IDS["other_owner"], role=Role.OWNER))
        for key, scope in (("key_read", ApiKeyScope.READ), ("key_target", ApiKeyScope.FULL)):
            s.add(
                ApiKey(
                    id=IDS[key],
                    tenant_id=a,
                    name=key,
                    prefix=SECRETS[key][:12],
                    key_hash=hash_secret(SECRETS[key]),
                    scope=scope,
                )
            )
        s.add(
            Invitation(
                id=IDS["invitation"],
                tenant_id=a,
                email="newcomer@example.com",
                role=Role.MEMBER,
                token_hash=hash_secret(SECRETS["invitation"]),
                expires_at=later,
            )
        )
        s.add(
            Impersonation(
                id=IDS["impersonation"],
                staff_user_id=IDS["staff"],
                tenant_id=a,
                reason="customer asked for help with settings",
                expires_at=later,
            )
        )
        s.add(
            RefreshToken(
                user_id=IDS["owner"],
                tenant_id=a,
                family_id=uuid.uuid4(),
                token_hash=hash_secret(SECRETS["refresh"]),
                expires_at=later,
            )
        )
        s.add(
            PasswordReset(
                user_id=IDS["member"], token_hash=hash_secret(SECRETS["reset"]), expires_at=later
            )
        )
        s.add(Agent(id=IDS["agent"], tenant_id=a, name="Front desk"))
        s.flush()
        s.add(
            KnowledgeRecord(
                agent_id=IDS["agent"], tenant_id=a, document=KnowledgeBase().model_dump(mode="json")
            )
        )
        s.add(
            CreationJob(
                agent_id=IDS["agent"],
                tenant_id=a,
                url="https://alpha.example/",
                status="failed",
                steps={"crawl": {"status": "failed", "attempts": 3}},
                error="Crawl failed: the site did not answer",
            )
        )
        s.add(
            CreationEvent(
                agent_id=IDS["agent"], tenant_id=a, step="done", percent=100, message="Failed"
            )
        )
        s.add(
            PhoneNumber(
                id=IDS["number"],
                tenant_id=a,
                provider="sandbox",
                provider_sid="SB15125550100",
                number="+15125550100",
                friendly_name="(512) 555-0100",
            )
        )
        s.add(
            Call(
                id=IDS["call"],
                tenant_id=a,
                agent_id=IDS["agent"],
                call_sid="CA" + "9" * 32,
                from_number="+15125550199",
                to_number="+15125550100",
                status="completed",
                outcome="answered",
            )
        )
        s.add(
            ProviderCredential(
                tenant_id=a,
                provider="openai",
                secret=encrypt({"api_key": "sk-seeded-openai-key"}),
                hint="sk-s…-key",
            )
        )


def credentials() -> dict[str, str | None]:
    settings = get_settings()

    def access(user: str, tenant: str | None, role: Role | None, **extra: Any) -> str:
        token, _ = issue_access_token(
            settings,
            user_id=IDS[user],
            tenant_id=IDS[tenant] if tenant else None,
            role=role.value if role else None,
            is_staff=user == "staff",
            **extra,
        )
        return token

    return {
        "anonymous": None,
        "member": access("member", "tenant_a", Role.MEMBER),
        "admin": access("admin", "tenant_a", Role.ADMIN),
        "owner": access("owner", "tenant_a", Role.OWNER),
        "other_owner": access("other_owner", "tenant_b", Role.OWNER),
        "api_key_read": SECRETS["key_read"],
        "staff": access("staff", None, None),
        "staff_impersonating": access(
            "staff", "tenant_a", Role.OWNER, impersonation_id=IDS["impersonation"]
        ),
    }


def expect(default: int, **overrides: int) -> dict[str, int]:
    return {p: overrides.get(p, default) for p in PRINCIPALS}


def tenant_route(read: int, *, admin_only: bool = False, users_only: bool = False,
                 write: bool = False) -> dict[str, int]:  # fmt: skip
    """The common shape of /tenants/{A}/… routes, for one success status."""
    insiders = {"owner": read, "admin": read, "staff_impersonating": read}
    insiders["member"] = 403 if admin_only or write else read
    insiders["api_key_read"] = 403 if users_only or write or admin_only else read
    insiders["staff"] = 403 if write else read
    return expect(404, anonymous=401, **insiders)


def agent_route(status: int, *, write: bool = False) -> dict[str, int]:
    """/api/agents/{id}/…: the caller's own tenant's agent; staff must impersonate first."""
    return expect(
        status,
        anonymous=401,
        member=403 if write else status,
        api_key_read=403 if write else status,
        other_owner=404,
        staff=403,
    )


EMPTY_KB = KnowledgeBase().model_dump(mode="json")
IN_TENANT = expect(200, anonymous=401, staff=403)  # the caller's own business, any member


def in_tenant_write(status: int) -> dict[str, int]:
    """The caller's own business, its owners and admins (and staff impersonating it)."""
    return expect(status, anonymous=401, member=403, api_key_read=403, staff=403)


OWNERS_ONLY = expect(200, anonymous=401, member=403, admin=403, api_key_read=403, staff=403)


SANDBOX_VOICE = "sandbox-ava"
PUBLIC = expect(200)
STAFF_ONLY = expect(403, anonymous=401, staff=200)

# (method, path): (request body, expected status per principal)
MATRIX: dict[tuple[str, str], tuple[dict[str, Any] | str | None, dict[str, int]]] = {
    ("GET", "/api/health"): (None, PUBLIC),
    # Twilio's webhooks answer only Twilio's signature, whoever else asks.
    ("GET", "/api/messages"): (None, IN_TENANT),
    # Knowledge gaps: any member reads them and drafts; owners and admins close them.
    ("GET", "/api/knowledge-gaps"): (None, IN_TENANT),
    ("POST", "/api/knowledge-gaps/draft"): (
        {"agent_id": str(IDS["agent"]), "question": "Do you sell gift cards?"},
        agent_route(200),
    ),
    ("POST", "/api/knowledge-gaps/answer"): (
        {"agent_id": str(IDS["agent"]), "question": "Do you sell gift cards?", "answer": "Yes."},
        agent_route(200, write=True),
    ),
    ("POST", "/api/knowledge-gaps/dismiss"): (
        {"agent_id": str(IDS["agent"]), "question": "Do you sell gift cards?"},
        agent_route(200, write=True),
    ),
    ("GET", "/api/calls"): (None, IN_TENANT),
    ("GET", "/api/calls.csv"): (None, IN_TENANT),
    ("GET", "/api/calls/{call_id}"): (None, agent_route(200)),
    ("GET", "/api/analytics/calls"): (None, IN_TENANT),
    ("GET", "/api/analytics/performance"): (None, IN_TENANT),
    ("GET", "/api/analytics/dashboard"): (None, IN_TENANT),
    ("GET", "/api/analytics/roi"): (None, IN_TENANT),
    # Calls are the business's: staff see its figures only while impersonating it.
    ("GET", "/api/analytics/{tenant_id}"): (
        None,
        expect(200, anonymous=401, staff=403, other_owner=404),
    ),
    # Re-running a call's analysis: the business's owners and admins.
    ("POST", "/api/calls/{call_id}/analyze"): (None, agent_route(200, write=True)),
    ("POST", "/api/twilio/voice"): (None, expect(403)),
    ("POST", "/api/twilio/relay-ended"): (None, expect(403)),
    ("POST", "/api/twilio/dial-ended"): (None, expect(403)),
    ("POST", "/api/twilio/status"): (None, expect(403)),
    ("POST", "/api/twilio/recording"): (None, expect(403)),
    ("POST", "/api/auth/register"): (
        {"business_name": "New Shop", "email": "new@shop.example", "password": PASSWORD},
        expect(201),
    ),
    ("POST", "/api/auth/login"): ({"email": "owner@example.com", "password": PASSWORD}, PUBLIC),
    ("POST", "/api/auth/refresh"): ({"refresh_token": SECRETS["refresh"]}, PUBLIC),
    ("POST", "/api/auth/logout"): ({"refresh_token": SECRETS["refresh"]}, expect(204)),
    ("POST", "/api/auth/logout-everywhere"): (
        None,
        expect(204, anonymous=401, api_key_read=403),
    ),
    ("GET", "/api/auth/me"): (None, expect(200, anonymous=401)),
    ("POST", "/api/auth/password-reset"): ({"email": "member@example.com"}, expect(202)),
    ("POST", "/api/auth/password-reset/confirm"): (
        {"token": SECRETS["reset"], "new_password": "a new long password"},
        expect(204),
    ),
    ("POST", "/api/invitations/accept"): (
        {"token": SECRETS["invitation"], "password": PASSWORD, "full_name": "New Comer"},
        PUBLIC,
    ),
    ("POST", "/api/tenants"): (
        {"name": "Charlie", "slug": "charlie"},
        expect(403, anonymous=401, staff=201),
    ),
    ("GET", "/api/tenants"): (None, STAFF_ONLY),
    ("GET", "/api/tenants/{tenant_id}"): (None, tenant_route(200)),
    ("PUT", "/api/tenants/{tenant_id}"): (
        {"time_zone": "Europe/Rome"},
        tenant_route(200, write=True),
    ),
    ("GET", "/api/tenants/{tenant_id}/members"): (None, tenant_route(200)),
    ("PUT", "/api/tenants/{tenant_id}/members/{user_id}"): (
        {"role": "admin"},
        tenant_route(200, write=True, users_only=True),
    ),
    ("DELETE", "/api/tenants/{tenant_id}/members/{user_id}"): (
        None,
        tenant_route(204, write=True, users_only=True),
    ),
    ("GET", "/api/tenants/{tenant_id}/invitations"): (
        None,
        tenant_route(200, admin_only=True, users_only=True),
    ),
    ("POST", "/api/tenants/{tenant_id}/invitations"): (
        {"email": "friend@example.com", "role": "member"},
        tenant_route(201, write=True, users_only=True),
    ),
    ("DELETE", "/api/tenants/{tenant_id}/invitations/{invitation_id}"): (
        None,
        tenant_route(204, write=True, users_only=True),
    ),
    ("GET", "/api/tenants/{tenant_id}/api-keys"): (
        None,
        tenant_route(200, admin_only=True, users_only=True),
    ),
    ("POST", "/api/tenants/{tenant_id}/api-keys"): (
        {"name": "crm", "scope": "full"},
        tenant_route(201, write=True, users_only=True),
    ),
    ("DELETE", "/api/tenants/{tenant_id}/api-keys/{key_id}"): (
        None,
        tenant_route(204, write=True, users_only=True),
    ),
    ("GET", "/api/tenants/{tenant_id}/audit"): (
        None,
        tenant_route(200, admin_only=True, users_only=True),
    ),
    ("POST", "/api/staff/impersonations"): (
        {"tenant_id": str(IDS["tenant_a"]), "reason": "helping with the hours page"},
        expect(403, anonymous=401, staff=201),
    ),
    ("POST", "/api/staff/impersonations/end"): (
        None,
        expect(403, anonymous=401, staff_impersonating=204),
    ),
    ("GET", "/api/staff/audit"): (None, STAFF_ONLY),
    ("GET", "/api/staff/outbox"): (None, STAFF_ONLY),
    # Lists and creation act on the caller's own tenant, so another tenant's owner succeeds
    # there (on their own data); every /agents/{id} route hides the agent from them.
    ("GET", "/api/agents"): (None, expect(200, anonymous=401, staff=403)),
    ("POST", "/api/agents"): (
        {"name": "Night desk"},
        expect(201, anonymous=401, member=403, api_key_read=403, staff=403),
    ),
    ("GET", "/api/agents/{agent_id}"): (None, agent_route(200)),
    ("PUT", "/api/agents/{agent_id}"): ({"greeting": "Hello!"}, agent_route(200, write=True)),
    ("DELETE", "/api/agents/{agent_id}"): (None, agent_route(204, write=True)),
    ("POST", "/api/agents/{agent_id}/activate"): (None, agent_route(200, write=True)),
    ("POST", "/api/agents/{agent_id}/deactivate"): (None, agent_route(200, write=True)),
    ("GET", "/api/agents/{agent_id}/knowledge"): (None, agent_route(200)),
    ("PUT", "/api/agents/{agent_id}/knowledge"): (
        {"version": 1, "document": EMPTY_KB},
        agent_route(200, write=True),
    ),
    ("GET", "/api/agents/{agent_id}/knowledge/search"): (None, agent_route(200)),
    ("GET", "/api/agents/{agent_id}/knowledge/export"): (None, agent_route(200)),
    ("POST", "/api/agents/{agent_id}/knowledge/import"): (EMPTY_KB, agent_route(200, write=True)),
    ("GET", "/api/agents/{agent_id}/knowledge/faqs.csv"): (None, agent_route(200)),
    ("POST", "/api/agents/{agent_id}/knowledge/faqs.csv"): (
        "question,answer\nDo you open on Sundays?,No.\n",
        agent_route(200, write=True),
    ),
    ("GET", "/api/agents/{agent_id}/knowledge/{category}"): (None, agent_route(200)),
    ("PUT", "/api/agents/{agent_id}/knowledge/{category}"): (
        {"version": 1, "data": {"amenities": ["Free wifi"]}},
        agent_route(200, write=True),
    ),
    ("POST", "/api/agents/from-website"): ({"url": "https://example.com"}, in_tenant_write(201)),
    ("GET", "/api/agents/{agent_id}/creation"): (None, agent_route(200)),
    ("GET", "/api/agents/{agent_id}/creation/events"): (None, agent_route(200)),
    ("POST", "/api/agents/{agent_id}/creation/retry"): (None, agent_route(202, write=True)),
    ("POST", "/api/agents/{agent_id}/creation/cancel"): (None, agent_route(409, write=True)),
    ("GET", "/api/numbers"): (None, IN_TENANT),
    ("GET", "/api/numbers/available"): (None, in_tenant_write(200)),
    ("POST", "/api/numbers"): ({"number": "+15125550150"}, in_tenant_write(201)),
    ("PATCH", "/api/numbers/{number_id}"): (
        {"forward_to": "+15125550199"},
        agent_route(200, write=True),
    ),
    ("DELETE", "/api/numbers/{number_id}"): (None, agent_route(204, write=True)),
    ("GET", "/api/voices"): (None, IN_TENANT),
    ("POST", "/api/voices/preview"): ({"voice_id": SANDBOX_VOICE, "text": "Hello!"}, IN_TENANT),
    ("POST", "/api/voices/design"): (
        {"description": "A warm, friendly receptionist voice, calm and clear."},
        in_tenant_write(200),
    ),
    ("POST", "/api/voices"): (
        {"generated_voice_id": "unknown", "name": "Ava"},
        in_tenant_write(404),
    ),
    ("GET", "/api/providers"): (None, in_tenant_write(200)),
    ("GET", "/api/providers/usage"): (None, in_tenant_write(200)),
    ("PUT", "/api/providers/{provider}/credentials"): (
        {"api_key": "sk-a-new-openai-key"},
        expect(200, anonymous=401, member=403, admin=403, api_key_read=403, staff=403),
    ),
    ("DELETE", "/api/providers/{provider}/credentials"): (
        None,
        expect(
            204, anonymous=401, member=403, admin=403, api_key_read=403, staff=403, other_owner=404
        ),
    ),
}

PATH_VALUES = {
    "tenant_id": IDS["tenant_a"],
    "user_id": IDS["member2"],
    "invitation_id": IDS["invitation"],
    "key_id": IDS["key_target"],
    "agent_id": IDS["agent"],
    "category": "amenities",
    "number_id": IDS["number"],
    "provider": "openai",
    "call_id": IDS["call"],
}


def api_routes() -> set[tuple[str, str]]:
    spec = create_api().openapi()
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def test_the_matrix_covers_every_route() -> None:
    assert api_routes() == set(MATRIX)


def reset_world(servers: Servers) -> None:
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with owner_engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    import redis

    redis.Redis.from_url(servers.redis_url).flushdb()
    seed()


@pytest.fixture(scope="module")
def call(servers: Servers) -> Iterator[Callable[[str, str, str], int]]:
    from tests.conftest import use_servers

    use_servers(servers.database_url, servers.redis_url)
    client = TestClient(create_api(), raise_server_exceptions=False)
    tokens = credentials()

    def request(method: str, template: str, principal: str) -> int:
        reset_world(servers)
        body, _ = MATRIX[(method, template)]
        headers = {"Authorization": f"Bearer {tokens[principal]}"} if tokens[principal] else {}
        url = template.format(**PATH_VALUES)
        if url.endswith("/search"):
            url += "?q=opening+hours"
        if isinstance(body, str):
            headers["Content-Type"] = "text/csv"
            response = client.request(method, url, content=body, headers=headers)
        else:
            response = client.request(method, url, json=body, headers=headers)
        assert response.status_code != 500, response.text
        return response.status_code

    yield request
    reset_world(servers)


CASES = [
    pytest.param(method, path, principal, id=f"{method} {path} as {principal}")
    for (method, path) in MATRIX
    for principal in PRINCIPALS
]


@pytest.mark.parametrize(("method", "path", "principal"), CASES)
def test_route_answers_each_caller_as_expected(
    call: Callable[[str, str, str], int], method: str, path: str, principal: str
) -> None:
    expected = MATRIX[(method, path)][1][principal]
    assert call(method, path, principal) == expected
    if principal == "other_owner" and ("{tenant_id}" in path or "{agent_id}" in path):
        assert not 200 <= expected < 300
