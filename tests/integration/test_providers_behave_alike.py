"""The same service flows, once on the sandbox providers and once on the real adapters with
the vendors' local fakes standing in: the real adapters must behave as the sandbox does.
Also: which adapter a business gets (settings, then its own credentials), and that one
business's credentials never serve another."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.fakes.elevenlabs_server import API_KEY, FakeElevenLabs
from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.integration.test_knowledge import new_agent, new_tenant
from tests.integration.test_numbers import tid
from voice_platform.config import Settings, get_settings
from voice_platform.db import tenant_session
from voice_platform.providers.errors import AuthenticationFailed
from voice_platform.providers.phone.base import NumberQuery, PhoneProvider
from voice_platform.providers.voice.base import VoiceProvider, VoiceQuery, VoiceSettings
from voice_platform.services import credentials, numbers, providers, voices
from voice_platform.services.credentials import Provider
from voice_platform.services.principal import Principal

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture(scope="module")
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def elevenlabs() -> Iterator[FakeElevenLabs]:
    fake = FakeElevenLabs().start()
    yield fake
    fake.stop()


def platform_settings(twilio: FakeTwilio, elevenlabs: FakeElevenLabs) -> Settings:
    return get_settings().model_copy(
        update={
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": SecretStr(AUTH_TOKEN),
            "twilio_api_base_url": twilio.base_url,
            "elevenlabs_api_key": SecretStr(API_KEY),
            "elevenlabs_base_url": elevenlabs.base_url,
        }
    )


@pytest.fixture(params=["sandbox", "vendor"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Fakes = tuple[FakeTwilio, FakeElevenLabs]


def settings_for(kind: str, fakes: Fakes) -> Settings:
    return get_settings() if kind == "sandbox" else platform_settings(*fakes)


def phone_of(kind: str, fakes: Fakes, owner: Principal) -> PhoneProvider:
    with tenant_session(tid(owner)) as s:
        return providers.phone_for(s, tid(owner), settings_for(kind, fakes))


def voice_of(kind: str, fakes: Fakes, owner: Principal) -> VoiceProvider:
    with tenant_session(tid(owner)) as s:
        return providers.voice_for(s, tid(owner), settings_for(kind, fakes))


def test_a_number_is_found_bought_pointed_and_released(
    kind: str, twilio: FakeTwilio, elevenlabs: FakeElevenLabs
) -> None:
    owner = new_tenant()
    agent_id = new_agent(owner)
    phone = phone_of(kind, (twilio, elevenlabs), owner)
    assert phone.name == ("sandbox" if kind == "sandbox" else "twilio")
    with tenant_session(tid(owner)) as s:
        found = numbers.search(
            s,
            principal=owner,
            tenant_id=tid(owner),
            query=NumberQuery(area_code="512"),
            provider=phone,
        )
        assert found
        assert all(n.number.startswith("+1512") for n in found)
        bought = numbers.buy(
            s, principal=owner, tenant_id=tid(owner), number=found[0].number,
            agent_id=agent_id, provider=phone,
        )  # fmt: skip
        assert (bought.number, bought.agent_id, bought.provider) == (
            found[0].number, agent_id, phone.name,
        )  # fmt: skip
    with tenant_session(tid(owner)) as s:
        numbers.release(
            s, principal=owner, tenant_id=tid(owner), number_id=bought.id, provider=phone
        )
        assert numbers.list_numbers(s, principal=owner, tenant_id=tid(owner)) == []
    if kind == "vendor":
        assert twilio.numbers_of() == {}
        voice_urls = [r.fields.get("VoiceUrl") for r in twilio.requests if r.method == "POST"]
        assert any(url and url.endswith("/api/twilio/voice") for url in voice_urls)


def test_a_voice_is_found_heard_designed_and_kept(
    kind: str, twilio: FakeTwilio, elevenlabs: FakeElevenLabs
) -> None:
    owner = new_tenant()
    provider = voice_of(kind, (twilio, elevenlabs), owner)
    with tenant_session(tid(owner)) as s:
        found = voices.list_voices(
            s, principal=owner, tenant_id=tid(owner), query=VoiceQuery(), provider=provider
        )
        assert found
        audio = voices.preview(
            s, principal=owner, tenant_id=tid(owner), voice_id=found[0].voice_id,
            text="Thanks for calling, how can I help?", settings=VoiceSettings(), provider=provider,
        )  # fmt: skip
        assert audio.data
        assert audio.content_type.startswith("audio/")
        design = voices.design(
            s, principal=owner, tenant_id=tid(owner),
            description="A warm, calm voice for a family dental office, clear on the phone.",
            text="Thanks for calling Bright Smile, how can I help you today?", provider=provider,
        )  # fmt: skip
        assert design.previews
        kept = voices.create_designed(
            s, principal=owner, tenant_id=tid(owner),
            generated_voice_id=design.previews[0].generated_voice_id, name="Front desk",
            description=design.description, provider=provider,
        )  # fmt: skip
        listed = voices.list_voices(
            s, principal=owner, tenant_id=tid(owner), query=VoiceQuery(), provider=provider
        )
    assert listed[0].voice_id == kept.voice_id
    assert listed[0].category == "designed"


def test_settings_then_own_credentials_choose_the_adapter(
    twilio: FakeTwilio, elevenlabs: FakeElevenLabs
) -> None:
    alpha, bravo = new_tenant("Alpha"), new_tenant("Bravo")
    with tenant_session(tid(alpha)) as s:
        assert providers.phone_for(s, tid(alpha)).name == "sandbox"
        assert providers.voice_for(s, tid(alpha)).name == "sandbox"
        vendor = platform_settings(twilio, elevenlabs)
        assert providers.phone_for(s, tid(alpha), vendor).name == "twilio"
        assert providers.voice_for(s, tid(alpha), vendor).name == "elevenlabs"
        credentials.save(
            s, principal=alpha, tenant_id=tid(alpha), provider=Provider.TWILIO,
            values={"account_sid": "AC" + "f" * 32, "auth_token": "wrong-token-of-alpha"},
        )  # fmt: skip
        own = providers.phone_for(s, tid(alpha), vendor)
        with pytest.raises(AuthenticationFailed):  # alpha's own account is the one used
            own.search(NumberQuery(area_code="512"))
    with tenant_session(tid(bravo)) as s:
        assert providers.phone_for(s, tid(bravo)).name == "sandbox"  # alpha's are alpha's
        assert credentials.hints(s, principal=bravo, tenant_id=tid(bravo)) == {}
        assert providers.phone_for(s, tid(bravo), vendor).search(NumberQuery(area_code="512"))
