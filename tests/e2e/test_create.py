"""One-URL creation in a real browser: the wizard checks the address as it is typed; a corpus
site served on loopback becomes an active agent while the page follows it live (a reload
mid-run picks up where it is); the review shows the greeting, voice, number and the gaps; a
creation that fails says why and can be tried again; the wizard fits a 390-px phone."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import PASSWORD, at, fits_phone, log_in, sign_up, unique_email
from tests.integration.test_crawler import serve

SALON = "fade-and-fringe-salon"
CREATING_URL = re.compile(r"/agents/([0-9a-f-]{36})/creating/?$")
# The worker reads the site, loads the embedding model on its first job and sorts facts.
LIVE_MS = 120_000
STEPS = ("crawl", "extract", "persona", "voice", "number", "activate")


def start_creation(page: Page, base: str, url: str, area_code: str = "") -> str:
    """Fill the wizard and submit it; the new agent's id, once its progress page is open."""
    page.goto(f"{base}/agents/new")
    expect(page.get_by_test_id("create-form")).to_be_visible()
    page.fill("#url", url)
    if area_code:
        page.fill("#area_code", area_code)
    submit = page.get_by_test_id("create-submit")
    expect(submit).to_be_enabled()
    submit.click()
    page.wait_for_url(CREATING_URL)
    match = CREATING_URL.search(page.url)
    assert match is not None
    return match.group(1)


def expect_active_review(page: Page) -> None:
    expect(page.get_by_test_id("creation-status")).to_have_text("Active", timeout=LIVE_MS)
    for step in STEPS:
        expect(
            page.get_by_test_id(f"creation-step-{step}").get_by_test_id("step-status")
        ).to_have_text("Done")
    expect(page.get_by_test_id("creation-percent")).to_have_text("100%")
    review = page.get_by_test_id("creation-review")
    expect(review.get_by_test_id("review-greeting")).to_contain_text("Fade & Fringe")
    expect(review.get_by_test_id("review-number")).to_contain_text("+1828555")
    expect(review.get_by_test_id("review-voice")).not_to_be_empty()
    expect(review.get_by_test_id("review-facts")).to_contain_text(re.compile(r"[1-9]\d* facts"))
    expect(review.get_by_test_id("review-gap").first).to_be_visible()


def test_a_website_becomes_an_active_agent_followed_live(
    running_app: RunningApp, desktop: Page, phone: Page, tmp_path: Path, console_errors: list[str]
) -> None:
    base, email = running_app.url, unique_email("salon")
    sign_up(desktop, base, "Fade Fans Ltd", email)
    desktop.goto(f"{base}/agents")
    desktop.get_by_test_id("empty-create-from-website").click()
    desktop.wait_for_url(at(base, "/agents/new"))

    desktop.fill("#url", "not a website")
    expect(desktop.get_by_test_id("url-error")).to_contain_text("Enter the business's website")
    expect(desktop.get_by_test_id("create-submit")).to_be_disabled()
    desktop.fill("#area_code", "82")
    screenshot(desktop, "create-wizard-desktop")

    # A slow host, so the page has time to show the reading as it happens.
    with contextmanager(serve)(SALON, tmp_path, "--latency-ms", "400") as (url, _):
        desktop.fill("#url", url)
        expect(desktop.get_by_test_id("url-error")).to_have_count(0)
        desktop.get_by_test_id("create-submit").click()
        expect(desktop.get_by_test_id("area_code-error")).to_contain_text("Three digits")
        agent_id = start_creation(desktop, base, url, area_code="828")

        message = desktop.get_by_test_id("creation-message")
        expect(message).to_contain_text(re.compile(r"Read \d+ page"), timeout=LIVE_MS)
        expect(desktop.get_by_test_id("creation-status")).not_to_have_text("Active")
        screenshot(desktop, "creation-running-desktop")

        desktop.reload()
        expect(desktop.get_by_test_id("creation-title")).to_be_visible()
        expect(desktop.locator("[data-testid^=creation-step-]")).to_have_count(len(STEPS))
        crawl = desktop.get_by_test_id("creation-step-crawl")
        expect(crawl.get_by_test_id("step-detail")).to_contain_text("page")
        expect(message).not_to_be_empty()

        expect_active_review(desktop)
    screenshot(desktop, "creation-review-desktop")

    desktop.get_by_test_id("review-play").click()
    expect(desktop.get_by_test_id("review-audio")).to_have_attribute(
        "src", re.compile(r"^data:audio/")
    )

    desktop.reload()
    expect_active_review(desktop)
    expect(desktop.get_by_test_id("review-knowledge")).to_have_attribute(
        "href", re.compile(f"/agents/{agent_id}/knowledge/?$")
    )

    desktop.get_by_test_id("try-it").click()
    desktop.wait_for_url(re.compile(f"/agents/{agent_id}/?$"))
    expect(desktop.get_by_test_id("agent-status")).to_have_text("Active")
    expect(desktop.get_by_test_id("agent-title")).to_contain_text("Fade & Fringe")

    log_in(phone, base, email, PASSWORD)
    phone.goto(f"{base}/agents/{agent_id}/creating")
    expect_active_review(phone)
    fits_phone(phone)
    screenshot(phone, "creation-review-phone")
    assert console_errors == []


def test_a_failed_creation_says_why_and_tries_again(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    sign_up(phone, base, "Nobody Home Ltd", unique_email("nobody-home"))
    phone.goto(f"{base}/agents/new")
    expect(phone.get_by_test_id("create-form")).to_be_visible()
    phone.fill("#url", "http:// no spaces allowed")
    expect(phone.get_by_test_id("url-error")).to_be_visible()
    phone.get_by_test_id("voice-mode-catalogue").click()
    expect(phone.get_by_test_id("wizard-voice")).to_be_visible()
    fits_phone(phone)
    screenshot(phone, "create-wizard-phone")

    # Nothing listens on the discard port: the crawl fails at once.
    start_creation(phone, base, "http://127.0.0.1:9/")
    failed = phone.get_by_test_id("creation-failed")
    expect(failed).to_contain_text("Crawl failed", timeout=LIVE_MS)
    expect(phone.get_by_test_id("creation-step-crawl").get_by_test_id("step-status")).to_have_text(
        "Failed"
    )
    fits_phone(phone)
    screenshot(phone, "creation-failed-phone")

    phone.get_by_test_id("creation-retry").click()
    crawl = phone.get_by_test_id("creation-step-crawl")
    expect(crawl.get_by_test_id("step-detail")).to_contain_text("tried 2 times", timeout=LIVE_MS)
    expect(failed).to_contain_text("Crawl failed")

    phone.reload()
    expect(failed).to_contain_text("Crawl failed")
    phone.goto(f"{base}/agents")
    card = phone.get_by_test_id("agent-card")
    expect(card.get_by_test_id("agent-status")).to_have_text("Failed")
    fits_phone(phone)
    screenshot(phone, "agents-with-create-phone")
    card.click()
    phone.wait_for_url(CREATING_URL)
    expect(failed).to_be_visible()
