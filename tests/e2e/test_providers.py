"""Phone numbers and voices in a real browser, on the sandbox providers: search and buy a
number, let an agent answer it, forward, release after a confirmation; on a phone too."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import fits_phone, log_in, sign_up, unique_email
from tests.e2e.test_agents import create_agent
from voice_platform.services.seed import DEMO_OWNER_EMAIL, DEMO_PASSWORD


def test_search_buy_assign_and_release_a_number(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    log_in(phone, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    name = f"Numbers {uuid.uuid4().hex[:6]}"
    create_agent(phone, base, name)
    phone.goto(f"{base}/numbers")
    phone.fill("#area_code", "98")
    phone.get_by_test_id("number-search").click()
    expect(
        phone.get_by_test_id("form-error").or_(phone.locator("text=three digits"))
    ).to_be_visible()
    phone.fill("#area_code", "919")
    phone.get_by_test_id("number-search").click()
    first = phone.get_by_test_id("available-number").first
    expect(first).to_contain_text("(919) 555-01")
    label = first.get_by_test_id("available-label").inner_text()
    fits_phone(phone)
    screenshot(phone, "numbers-search-phone")
    first.get_by_test_id("number-buy").click()
    expect(phone.get_by_test_id("numbers-notice")).to_contain_text("is yours")
    card = phone.get_by_test_id("owned-number").filter(has_text=label)
    expect(card).to_contain_text("No agent")
    card.get_by_test_id("number-agent").select_option(label=name)
    card.get_by_test_id("number-forward").fill("not a number")
    card.get_by_test_id("number-save").click()
    expect(card).to_contain_text("not a phone number")
    card.get_by_test_id("number-forward").fill("+19195550199")
    card.get_by_test_id("number-save").click()
    expect(phone.get_by_test_id("numbers-notice")).to_contain_text("saved")
    expect(card).to_contain_text("Answered by " + name)
    fits_phone(phone)
    screenshot(phone, "numbers-phone")
    card.get_by_test_id("number-release").click()
    phone.get_by_test_id("confirm-release").click()
    expect(phone.get_by_test_id("numbers-notice")).to_contain_text("released")
    expect(phone.get_by_test_id("owned-number").filter(has_text=label)).to_have_count(0)


def test_pick_preview_and_design_a_voice(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    create_agent(desktop, base, f"Voices {uuid.uuid4().hex[:6]}")
    picker = desktop.get_by_test_id("voice-picker")
    expect(picker.get_by_test_id("voice-card").first).to_be_visible()
    desktop.select_option("#voice_language", "es")
    picker.get_by_test_id("voice-find").click()
    cards = picker.get_by_test_id("voice-card")
    expect(cards.first).to_contain_text("es")
    cards.first.get_by_test_id("voice-play").click()
    expect(picker.get_by_test_id("voice-audio")).to_have_attribute(
        "src", re.compile(r"^data:audio/")
    )
    name = cards.first.locator("p").first.inner_text()
    cards.first.get_by_test_id("voice-use").click()
    expect(picker.get_by_test_id("voice-notice")).to_contain_text(name)
    expect(cards.first).to_contain_text("In use")
    screenshot(desktop, "voice-picker-desktop")

    picker.get_by_test_id("voice-design-start").click()
    expect(picker.get_by_test_id("voice-description")).not_to_have_value("")
    picker.get_by_test_id("voice-design").click()
    candidates = picker.get_by_test_id("voice-candidate")
    expect(candidates).to_have_count(3)
    candidates.nth(1).locator("input[name=name]").fill("Our front desk")
    candidates.nth(1).get_by_test_id("voice-keep").click()
    expect(picker.get_by_test_id("voice-notice")).to_contain_text("Our front desk is saved")
    mine = cards.filter(has_text="Our front desk")
    expect(mine).to_contain_text("Designed")
    expect(mine).to_contain_text("In use")


def test_an_owner_uses_their_own_provider_account(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    sign_up(phone, base, "Own Accounts Ltd", unique_email("accounts"))
    phone.goto(f"{base}/settings")
    sources = phone.get_by_test_id("provider-source")
    expect(sources).to_have_count(3)
    expect(sources.nth(1)).to_contain_text("sandbox")
    twilio = phone.get_by_test_id("account-twilio")
    twilio.locator("#twilio_account_sid").fill("AC0123456789")
    twilio.get_by_test_id("save-twilio").click()
    expect(twilio).to_contain_text("Enter the auth token")
    eleven = phone.get_by_test_id("account-elevenlabs")
    eleven.locator("#elevenlabs_api_key").fill("sk-our-own-elevenlabs-key")
    eleven.get_by_test_id("save-elevenlabs").click()
    expect(phone.get_by_test_id("accounts-notice")).to_contain_text("sk-o…-key")
    expect(sources.nth(1)).to_contain_text("your own account")
    fits_phone(phone)
    screenshot(phone, "provider-accounts-phone")
    eleven.get_by_test_id("remove-elevenlabs").click()
    expect(phone.get_by_test_id("accounts-notice")).to_contain_text("no longer used")
    expect(sources.nth(1)).to_contain_text("sandbox")
