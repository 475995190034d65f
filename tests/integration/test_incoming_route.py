"""The incoming-call webhook's one-transaction path (services/calls.incoming): the tenant of a
number dialled before is only a hint, the signature is still checked with the token of the
number's account (new credentials at once), and Twilio asking twice keeps one record."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlmodel import select

from tests.conftest import Servers
from voice_platform.db import platform_session
from voice_platform.models import Agent, AgentStatus, Call, PhoneNumber, ProviderCredential, Tenant
from voice_platform.services import calls
from voice_platform.services.credentials import encrypt

NUMBER = "+15550100042"


def seed(
    *, provider: str = "sandbox", status: AgentStatus = AgentStatus.ACTIVE, agent: bool = True
) -> uuid.UUID:
    with platform_session("test seed") as session:
        tenant = Tenant(name="Bright Smile Dental", slug=f"bright-{uuid.uuid4().hex[:8]}")
        session.add(tenant)
        session.flush()
        agent_id = None
        if agent:
            row = Agent(tenant_id=tenant.id, name="Bright Smile Dental", status=status)
            session.add(row)
            session.flush()
            agent_id = row.id
        session.add(
            PhoneNumber(
                tenant_id=tenant.id,
                provider=provider,
                provider_sid=f"PN{uuid.uuid4().hex}",
                number=NUMBER,
                friendly_name="(555) 010-0042",
                agent_id=agent_id,
                forward_to=None if agent else "+15550009999",
            )
        )
        return tenant.id


def signed_with(expected: str, seen: list[str] | None = None) -> Callable[[str], bool]:
    def check(token: str) -> bool:
        if seen is not None:
            seen.append(token)
        return token == expected

    return check


def form(sid: str) -> dict[str, str]:
    return {"CallSid": sid, "From": "+15557654321", "To": NUMBER, "CallStatus": "ringing"}


def records() -> list[Call]:
    with platform_session("test read") as session:
        return list(session.exec(select(Call)))


def test_a_number_that_moved_tenants_is_found_again(db: Servers) -> None:
    sandbox = calls.sandbox_auth_token()
    first = seed()
    for sid in ("CA" + "1" * 32, "CA" + "2" * 32):  # the second through the hint
        route = calls.incoming(NUMBER, form(sid), signed_with(sandbox))
        assert isinstance(route, calls.Connect)
    with platform_session("test move") as session:
        number = session.exec(select(PhoneNumber).where(PhoneNumber.number == NUMBER)).one()
        session.delete(number)
    second = seed()
    route = calls.incoming(NUMBER, form("CA" + "3" * 32), signed_with(sandbox))
    assert isinstance(route, calls.Connect)
    tenants = {call.call_sid: call.tenant_id for call in records()}
    assert tenants == {"CA" + "1" * 32: first, "CA" + "2" * 32: first, "CA" + "3" * 32: second}


def test_a_known_number_still_checks_the_signature_first(db: Servers) -> None:
    sandbox = calls.sandbox_auth_token()
    seed()
    assert isinstance(
        calls.incoming(NUMBER, form("CA" + "1" * 32), signed_with(sandbox)), calls.Connect
    )
    refused = calls.incoming(NUMBER, form("CA" + "2" * 32), signed_with("not the token"))
    assert isinstance(refused, calls.Unsigned)
    assert [call.call_sid for call in records()] == ["CA" + "1" * 32]


def test_the_accounts_new_credentials_count_at_once(db: Servers) -> None:
    tenant_id = seed(provider="twilio")
    with platform_session("test credentials") as session:
        session.add(
            ProviderCredential(
                tenant_id=tenant_id,
                provider="twilio",
                secret=encrypt({"account_sid": "AC" + "0" * 32, "auth_token": "old-token"}),
                hint="AC00…0000",
            )
        )
    for sid in ("CA" + "1" * 32, "CA" + "2" * 32):
        assert isinstance(
            calls.incoming(NUMBER, form(sid), signed_with("old-token")), calls.Connect
        )
    with platform_session("test credentials") as session:
        row = session.exec(select(ProviderCredential)).one()
        row.secret = encrypt({"account_sid": "AC" + "0" * 32, "auth_token": "new-token"})
        session.add(row)
    seen: list[str] = []
    stale = calls.incoming(NUMBER, form("CA" + "3" * 32), signed_with("old-token", seen))
    assert isinstance(stale, calls.Unsigned)
    assert seen == ["new-token"]
    fresh = calls.incoming(NUMBER, form("CA" + "3" * 32), signed_with("new-token"))
    assert isinstance(fresh, calls.Connect)


def test_twilio_asking_twice_keeps_one_record_with_a_new_token(db: Servers) -> None:
    sandbox = calls.sandbox_auth_token()
    seed()
    sid = "CA" + "1" * 32
    first = calls.incoming(NUMBER, form(sid), signed_with(sandbox))
    again = calls.incoming(NUMBER, form(sid), signed_with(sandbox))
    assert isinstance(first, calls.Connect)
    assert isinstance(again, calls.Connect)
    assert first.call_id == again.call_id
    assert first.token != again.token
    [call] = records()
    assert call.relay_token_hash == calls._digest(again.token)
    assert call.outcome is None
    assert call.status == "ringing"


def test_a_paused_agent_leaves_an_unrouted_record_and_a_forward_none(db: Servers) -> None:
    sandbox = calls.sandbox_auth_token()
    seed(status=AgentStatus.PAUSED)
    for sid in ("CA" + "1" * 32, "CA" + "1" * 32, "CA" + "2" * 32):
        route = calls.incoming(NUMBER, form(sid), signed_with(sandbox))
        assert isinstance(route, calls.Decline)
        assert route.message.startswith("Thank you for calling Bright Smile Dental.")
    assert {(c.call_sid, c.outcome, c.relay_token_hash) for c in records()} == {
        ("CA" + "1" * 32, "unrouted", None),
        ("CA" + "2" * 32, "unrouted", None),
    }
    with platform_session("test reset") as session:
        session.delete(session.exec(select(PhoneNumber)).one())
    seed(agent=False)
    for _ in range(2):
        route = calls.incoming(NUMBER, form("CA" + "3" * 32), signed_with(sandbox))
        assert route == calls.Forward("+15550009999")
    assert len(records()) == 2


def test_an_unknown_number_is_not_in_service(db: Servers) -> None:
    sandbox = calls.sandbox_auth_token()
    route = calls.incoming("+15550100999", form("CA" + "1" * 32), signed_with(sandbox))
    assert route == calls.Decline(calls.NOT_IN_SERVICE)
    assert records() == []
