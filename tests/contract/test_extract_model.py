"""Model-based extraction through the real chat adapter and SDK, against the fake server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.fakes.openai_server import ELSEWHERE, INVENTED, FakeOpenAI
from voice_platform.config import Settings
from voice_platform.extract.model import batches_of, comparable, model_facts
from voice_platform.extract.page import PageContent
from voice_platform.knowledge.schemas import Method
from voice_platform.providers.errors import ProviderError
from voice_platform.providers.llm.openai_compat import OpenAIChat

HOURS = PageContent(
    url="https://example.test/hours",
    title="Hours",
    text="We are open Monday to Friday from 8 a.m. to 5 p.m.\nParking is free behind the building.",
)
PRICES = PageContent(
    url="https://example.test/prices",
    title="Prices",
    text="A cleaning costs $89 for new patients. We take most insurance plans.",
)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


def chat(fake: FakeOpenAI) -> OpenAIChat:
    return OpenAIChat(
        Settings(
            _env_file=None, llm_api_key="sk-test", llm_base_url=fake.base_url, llm_timeout_seconds=5
        )
    )


async def facts_of(
    fake: FakeOpenAI, pages: list[PageContent], **options: Any
) -> list[tuple[str, Any]]:
    settings: dict[str, Any] = {"batch_chars": 12_000, "concurrency": 4, **options}
    return await model_facts(pages, chat(fake), **settings)


async def test_each_fact_is_sorted_and_cites_its_page_and_words(fake: FakeOpenAI) -> None:
    found = await facts_of(fake, [HOURS, PRICES])
    assert [(category, f.text) for category, f in found] == [
        ("hours", "We are open Monday to Friday from 8 a.m. to 5 p.m."),
        ("locations", "Parking is free behind the building."),
        ("pricing", "A cleaning costs $89 for new patients."),
        ("payments", "We take most insurance plans."),
    ]
    pages = {HOURS.url: HOURS, PRICES.url: PRICES}
    for _, fact in found:
        source = fact.provenance.source_url
        assert source in pages
        assert fact.provenance.method == Method.MODEL
        assert fact.provenance.confidence == 0.8
        assert comparable(fact.provenance.snippet or "") in comparable(pages[source].text)
    assert len(fake.chat_requests()) == 1


async def test_invented_facts_are_dropped_and_counted(fake: FakeOpenAI) -> None:
    fake.invent = True
    with capture_logs() as logs:
        found = await facts_of(fake, [HOURS, PRICES], batch_chars=120)
    assert len(fake.chat_requests()) == 2
    assert len(found) == 4
    assert all(INVENTED not in f.text for _, f in found)
    assert all(f.provenance.source_url != ELSEWHERE for _, f in found)
    (summary,) = [entry for entry in logs if entry["event"] == "model facts"]
    assert summary["dropped"] == 4  # two made-up facts in each of the two batches
    assert summary["kept"] == 4


async def test_a_long_page_is_read_in_parts_and_none_of_it_is_lost(fake: FakeOpenAI) -> None:
    lines = [f"Service number {n} is offered every weekday." for n in range(60)]
    long_page = PageContent(
        url="https://example.test/services", title="Services", text="\n".join(lines)
    )
    found = await facts_of(fake, [long_page], batch_chars=1000)
    requests = fake.chat_requests()
    assert len(requests) == len(batches_of([long_page], 1000)) > 1
    for body in requests:
        assert len(body["messages"][1]["content"]) < 1000 + 200  # the page part and its header
    assert sorted(f.text for _, f in found) == sorted(lines)


async def test_calls_run_concurrently_up_to_the_limit(fake: FakeOpenAI) -> None:
    fake.latency = 0.2
    pages = [
        PageContent(url=f"https://example.test/{n}", text=f"Page {n} says that we are friendly.")
        for n in range(8)
    ]
    await facts_of(fake, pages, batch_chars=40, concurrency=3)
    assert len(fake.chat_requests()) == 8
    assert fake.max_in_flight == 3
    fake.max_in_flight = 0
    await facts_of(fake, pages[:3], batch_chars=40, concurrency=1)
    assert fake.max_in_flight == 1


async def test_progress_counts_batches(fake: FakeOpenAI) -> None:
    calls: list[tuple[int, int]] = []
    await facts_of(fake, [HOURS, PRICES], batch_chars=120, progress=lambda *c: calls.append(c))
    assert calls == [(0, 2), (1, 2), (2, 2)]


async def test_the_same_fact_on_two_pages_is_kept_once(fake: FakeOpenAI) -> None:
    copy = PageContent(url="https://example.test/contact", text=HOURS.text)
    found = await facts_of(fake, [HOURS, copy])
    assert len(found) == 2
    assert {f.provenance.source_url for _, f in found} == {HOURS.url}


async def test_a_batch_that_cannot_be_read_fails_the_extraction_naming_its_pages(
    fake: FakeOpenAI,
) -> None:
    fake.refuse = True
    with pytest.raises(ProviderError, match=r"could not read https://example.test/hours.*refused"):
        await facts_of(fake, [HOURS])


async def test_no_text_means_no_calls(fake: FakeOpenAI) -> None:
    assert await facts_of(fake, [PageContent(url="https://example.test/blank")]) == []
    assert fake.requests == []
