"""A phone call through the running platform (`voice-platform up`): Twilio's webhook and the
ConversationRelay WebSocket served by the same process as the UI, offline, on a sandbox
number."""

from __future__ import annotations

import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import fits_phone, log_in
from tests.fakes.twilio_phone import Network
from voice_platform.config import PROJECT_ROOT, Settings
from voice_platform.services.calls import sandbox_auth_token
from voice_platform.services.seed import DEMO_OWNER_EMAIL, DEMO_PASSWORD

CALLER_NAME = f"Caller {uuid.uuid4().hex[:5]}"
KB = json.loads((PROJECT_ROOT / "tests" / "fixtures" / "bright_smile_kb.json").read_text())


def answering_agent(base: str) -> str:
    """An active agent with the fixture's knowledge and a sandbox number; the number."""
    api = httpx.Client(base_url=f"{base}/api", timeout=60)
    login = api.post("/auth/login", json={"email": DEMO_OWNER_EMAIL, "password": DEMO_PASSWORD})
    api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    agent = api.post(
        "/agents",
        json={"name": f"Phone {uuid.uuid4().hex[:6]}", "greeting": "Bright Smile, how can I help?"},
    ).json()
    assert api.post(f"/agents/{agent['id']}/knowledge/import", json=KB).status_code == 200
    assert api.post(f"/agents/{agent['id']}/activate").status_code == 200
    [choice, *_] = api.get("/numbers/available").json()
    bought = api.post("/numbers", json={"number": choice["number"], "agent_id": agent["id"]})
    assert bought.status_code == 201, bought.text
    return str(bought.json()["number"])


def test_a_call_to_the_running_platform(running_app: RunningApp, phone: Page) -> None:
    number = answering_agent(running_app.url)
    # Playwright's sync API owns this thread's event loop; the call runs on its own.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, call_and_hang_up(running_app.url, number)).result(timeout=120)
    log_in(phone, running_app.url, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    phone.get_by_test_id("menu-button").click()
    phone.get_by_test_id("drawer").get_by_role("link", name="Messages").click()
    message = phone.get_by_test_id("message").filter(has_text=CALLER_NAME)
    expect(message).to_contain_text("Please call me back about my crown")
    expect(message).to_contain_text("5125550199")
    fits_phone(phone)
    screenshot(phone, "messages-phone")

    phone.goto(f"{running_app.url}/calls")
    phone.get_by_test_id("calls-search").fill(CALLER_NAME)
    phone.get_by_test_id("calls-search-button").click()
    expect(phone.get_by_test_id("call-row")).to_have_count(1)
    expect(phone.get_by_test_id("call-row")).to_contain_text("message")
    with phone.expect_download() as download:
        phone.get_by_test_id("calls-csv").click()
    assert download.value.suggested_filename.startswith("calls-")
    rows = Path(download.value.path()).read_text().splitlines()
    assert rows[0].startswith("id,started_at,agent,from,to,status,outcome")
    assert len(rows) == 2
    assert ",message," in rows[1]
    phone.get_by_test_id("call-open").click()
    detail = phone.get_by_test_id("call-detail")
    expect(detail).to_contain_text("Message from " + CALLER_NAME)
    expect(detail.get_by_test_id("call-turn").nth(2)).to_contain_text("Delta Dental")
    expect(detail.get_by_test_id("call-turn").nth(2)).to_contain_text("Facts used: [payments]")
    fits_phone(phone)
    screenshot(phone, "calls-phone")


async def call_and_hang_up(base: str, number: str) -> None:
    # The app runs with the development SECRET_KEY, so its sandbox signs as this one does.
    network = Network(base, sandbox_auth_token(Settings()))
    try:
        call = await network.dial(number)
        assert call.greeting.startswith("Bright Smile, how can I help?")
        await call.connect()
        reply = await call.say("do y'all take Delta Dental?")
        assert "Delta Dental" in reply.text
        assert "name" in (await call.say("I'd like to leave a message")).text
        await call.say(f"my name is {CALLER_NAME}")
        await call.say("five one two, five five five, zero one nine nine")
        await call.say("Please call me back about my crown")
        assert "pass that on" in (await call.say("yes")).text
        bye = await call.say("that's all, bye")
        assert "Goodbye" in bye.text
        await call.until_end()
        assert (await call.relay_ended()).find("./Hangup") is not None
        assert (await call.hang_up(seconds=20)).status_code == 204
    finally:
        await network.aclose()
