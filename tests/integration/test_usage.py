"""Language-model usage and cost, recorded per business."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import SecretStr

from tests.fakes.openai_server import FakeOpenAI
from tests.integration.test_knowledge import new_tenant
from tests.integration.test_numbers import tid
from voice_platform.config import get_settings
from voice_platform.db import tenant_session
from voice_platform.providers.llm import get_chat
from voice_platform.services import credentials, providers, usage
from voice_platform.services.credentials import Provider

pytestmark = pytest.mark.usefixtures("db")
QUESTION = [{"role": "user", "content": "When are you open?"}]


async def test_each_call_is_recorded_for_its_business_with_its_cost() -> None:
    alpha, bravo = new_tenant("Alpha"), new_tenant("Bravo")
    fake = FakeOpenAI().start()
    try:
        paid = get_chat(
            get_settings().model_copy(
                update={"llm_api_key": SecretStr("sk-test"), "llm_base_url": fake.base_url}
            )
        )
        answer = await paid.complete(QUESTION)
        offline = get_chat()
        local = await offline.complete(QUESTION)
    finally:
        fake.stop()
    assert answer.usage.prompt_tokens > 0
    with tenant_session(tid(alpha)) as s:
        usage.record(s, tenant_id=tid(alpha), usage=answer.usage, chat=paid, purpose="call")
        usage.record(s, tenant_id=tid(alpha), usage=local.usage, chat=offline, purpose="call")
    with tenant_session(tid(alpha)) as s:
        [total] = usage.totals(s, principal=alpha, tenant_id=tid(alpha))
    expected = Decimal(str(round(paid.cost_usd(answer.usage), 6)))
    assert (total.purpose, total.calls, total.cost_usd) == ("call", 2, expected)
    assert total.cost_usd > 0
    with tenant_session(tid(bravo)) as s:
        assert usage.totals(s, principal=bravo, tenant_id=tid(bravo)) == []


def test_a_business_account_serves_its_model() -> None:
    owner = new_tenant()
    with tenant_session(tid(owner)) as s:
        assert providers.chat_for(s, tid(owner)).name.startswith("local")
        credentials.save(
            s, principal=owner, tenant_id=tid(owner), provider=Provider.OPENAI,
            values={"api_key": "sk-own-key-of-this-business", "base_url": "http://127.0.0.1:9/v1"},
        )  # fmt: skip
        assert providers.chat_for(s, tid(owner)).name.startswith("openai")
