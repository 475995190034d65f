"""Phone numbers on the sandbox provider, on the real database: ownership per business,
the lifecycle, and a purchase the platform cannot record given back."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import select

from tests.integration.test_knowledge import new_agent, new_tenant
from voice_platform.db import platform_session, tenant_session
from voice_platform.models import Agent, AuditEntry, PhoneNumber, ProviderCredential
from voice_platform.providers.errors import BadRequest
from voice_platform.providers.phone.base import (
    AvailableNumber,
    NumberQuery,
    OwnedNumber,
    Webhooks,
)
from voice_platform.providers.phone.sandbox import SandboxPhone
from voice_platform.services import credentials, numbers, providers
from voice_platform.services.credentials import Provider
from voice_platform.services.errors import Conflict, InvalidInput, NotFound
from voice_platform.services.principal import Principal

pytestmark = pytest.mark.usefixtures("db")


def tid(p: Principal) -> uuid.UUID:
    assert p.tenant_id is not None
    return p.tenant_id


def search(owner: Principal, **query: object) -> list[AvailableNumber]:
    with tenant_session(tid(owner)) as s:
        return numbers.search(s, principal=owner, tenant_id=tid(owner), query=NumberQuery(**query))  # type: ignore[arg-type]


def buy(owner: Principal, number: str, agent_id: uuid.UUID | None = None) -> uuid.UUID:
    with tenant_session(tid(owner)) as s:
        return numbers.buy(
            s, principal=owner, tenant_id=tid(owner), number=number, agent_id=agent_id
        ).id


def test_a_bought_number_is_the_buyers_alone() -> None:
    alpha, bravo = new_tenant("Alpha"), new_tenant("Bravo")
    found = search(alpha, area_code="512")
    assert found[0].number == "+15125550100"
    assert all(n.number.startswith("+1512555") for n in found)
    number_id = buy(alpha, found[0].number)
    assert "+15125550100" not in {n.number for n in search(bravo, area_code="512")}
    with tenant_session(tid(bravo)) as s:
        assert numbers.list_numbers(s, principal=bravo, tenant_id=tid(bravo)) == []
        with pytest.raises(NotFound):
            numbers.update(
                s, principal=bravo, tenant_id=tid(bravo), number_id=number_id,
                agent_id=None, forward_to="+15125550199",
            )  # fmt: skip
        with pytest.raises(NotFound):
            numbers.release(s, principal=bravo, tenant_id=tid(bravo), number_id=number_id)
    with pytest.raises(BadRequest, match="no longer available"):
        buy(bravo, "+15125550100")
    with platform_session("test") as s:
        assert s.exec(select(PhoneNumber.tenant_id)).all() == [tid(alpha)]


def test_a_number_answers_one_agent_and_forwards_when_none_does() -> None:
    owner = new_tenant()
    front, back = new_agent(owner), new_agent(owner)
    number_id = buy(owner, "+16305550142", agent_id=front)
    with tenant_session(tid(owner)) as s:
        assert s.get(Agent, front).phone_number == "+16305550142"  # type: ignore[union-attr]
        moved = numbers.update(
            s, principal=owner, tenant_id=tid(owner), number_id=number_id,
            agent_id=back, forward_to="(630) 555-0100",
        )  # fmt: skip
        assert (moved.agent_id, moved.forward_to) == (back, "+16305550100")
        assert s.get(Agent, front).phone_number is None  # type: ignore[union-attr]
        assert s.get(Agent, back).phone_number == "+16305550142"  # type: ignore[union-attr]
        with pytest.raises(InvalidInput, match="not a phone number"):
            numbers.update(
                s, principal=owner, tenant_id=tid(owner), number_id=number_id,
                agent_id=back, forward_to="call me",
            )  # fmt: skip
    with tenant_session(tid(owner)) as s:
        numbers.release(s, principal=owner, tenant_id=tid(owner), number_id=number_id)
        assert s.get(Agent, back).phone_number is None  # type: ignore[union-attr]
        actions = [e.action for e in s.exec(select(AuditEntry)) if e.action.startswith("number.")]
    assert actions == ["number.buy", "number.update", "number.release"]
    assert "+16305550142" in {n.number for n in search(owner, area_code="630", contains="0142")}


def test_search_input_is_checked() -> None:
    owner = new_tenant()
    with pytest.raises(InvalidInput, match="three digits"):
        search(owner, area_code="51")
    with pytest.raises(BadRequest, match="search by area code"):
        search(owner, region="Atlantis")
    assert search(owner, toll_free=True)[0].number.startswith("+1800555")
    assert all("77" in n.number[2:] for n in search(owner, area_code="512", contains="77"))


class Recorder(SandboxPhone):
    """The sandbox, remembering what it was asked to give back."""

    def __init__(self) -> None:
        super().__init__(lambda numbers: set())
        self.released: list[str] = []

    def release(self, sid: str) -> None:
        self.released.append(sid)

    def buy(self, number: str, webhooks: Webhooks) -> OwnedNumber:
        return self._owned(number, webhooks)


def test_a_purchase_that_cannot_be_recorded_is_given_back() -> None:
    alpha, bravo = new_tenant("Alpha"), new_tenant("Bravo")
    buy(alpha, "+15125550111")
    phone = Recorder()  # a provider that sells a number the platform already records
    with pytest.raises(Conflict, match="already in use"), tenant_session(tid(bravo)) as s:
        numbers.buy(s, principal=bravo, tenant_id=tid(bravo), number="+15125550111", provider=phone)
    assert phone.released == ["SB15125550111"]


def test_own_credentials_are_encrypted_and_choose_the_adapter() -> None:
    owner = new_tenant()
    with tenant_session(tid(owner)) as s:
        credentials.save(
            s, principal=owner, tenant_id=tid(owner), provider=Provider.ELEVENLABS,
            values={"api_key": "sk-elevenlabs-secret-0042"},
        )  # fmt: skip
        assert providers.sources(s, principal=owner, tenant_id=tid(owner))["voice"] == {
            "provider": "elevenlabs", "source": "own", "hint": "sk-e…0042",
        }  # fmt: skip
        assert providers.phone_for(s, tid(owner)).name == "sandbox"
        with pytest.raises(InvalidInput, match="auth token"):
            credentials.save(
                s, principal=owner, tenant_id=tid(owner), provider=Provider.TWILIO,
                values={"account_sid": "AC123"},
            )  # fmt: skip
    with platform_session("test") as s:
        row = s.exec(select(ProviderCredential)).one()
        assert "sk-elevenlabs-secret" not in row.secret
        assert credentials.decrypt(row.secret) == {"api_key": "sk-elevenlabs-secret-0042"}
