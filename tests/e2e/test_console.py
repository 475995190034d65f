"""The test console in a real browser, on a phone: talk to an agent as a caller would."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import fits_phone, log_in
from tests.e2e.test_agents import create_agent, open_knowledge
from voice_platform.config import PROJECT_ROOT
from voice_platform.services.seed import DEMO_OWNER_EMAIL, DEMO_PASSWORD


def test_talk_to_an_agent_and_see_what_it_did(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    log_in(phone, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(phone, base, f"Console {uuid.uuid4().hex[:6]}")
    open_knowledge(phone, base, agent_id)
    fixture = PROJECT_ROOT / "tests" / "fixtures" / "bright_smile_kb.json"
    phone.get_by_test_id("kb-paste").fill(fixture.read_text())
    phone.get_by_test_id("kb-import-paste").click()
    expect(phone.get_by_test_id("kb-notice")).to_have_text("Imported.", timeout=30_000)

    phone.goto(f"{base}/agents/{agent_id}")
    phone.get_by_test_id("open-console").click()
    expect(phone.get_by_test_id("console-agent").first).to_contain_text("Thanks for calling")
    phone.get_by_test_id("console-say").click()
    expect(phone.get_by_test_id("console-error")).to_contain_text("Say something")
    agent_turns = phone.get_by_test_id("console-agent")

    def say(words: str, count: int) -> None:
        phone.get_by_test_id("console-input").fill(words)
        phone.get_by_test_id("console-say").click()
        expect(agent_turns).to_have_count(count, timeout=30_000)

    say("do y'all take Delta Dental?", 2)
    expect(agent_turns.nth(1)).to_contain_text("Delta Dental PPO")
    expect(agent_turns.nth(1)).to_contain_text("Answered")
    expect(agent_turns.nth(1)).to_contain_text(" ms")
    expect(agent_turns.nth(1)).to_contain_text("Facts used: [payments]")
    say("Could I leave a message for the dentist?", 3)
    expect(agent_turns.nth(2)).to_contain_text("What's your name?")
    expect(agent_turns.nth(2)).to_contain_text("Takes a message")
    say("Ann Lee", 4)
    say("5125550199", 5)
    say("Please call me about my crown", 6)
    expect(agent_turns.nth(5)).to_contain_text("Please call me about my crown. Is that right?")
    say("yes", 7)
    expect(phone.get_by_test_id("console-event")).to_contain_text("Message taken from Ann Lee")
    say("no that's all, bye", 8)
    expect(phone.get_by_test_id("console-event").nth(1)).to_contain_text("said goodbye")
    expect(phone.get_by_test_id("console-caller")).to_have_count(7)
    fits_phone(phone)
    screenshot(phone, "console-phone")
    phone.get_by_test_id("console-restart").click()
    expect(agent_turns).to_have_count(1)
    expect(phone.get_by_test_id("console-caller")).to_have_count(0)
