"""Agents and their knowledge base in a real browser: create an agent from the empty state,
edit hours and FAQs, search what the agent would answer from, import and export, a stale
save, the unsaved-changes guard, another business's agent, a member's read-only view, and
every page on a 390-px phone."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Dialog, Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import (
    at,
    fits_phone,
    log_in,
    sign_up,
    unique_email,
)
from voice_platform.config import PROJECT_ROOT
from voice_platform.services.seed import DEMO_OWNER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL

AGENT_URL = re.compile(r"/agents/([0-9a-f-]{36})/?$")


# Saving re-embeds the knowledge base: seconds on a busy two-core machine.
SAVING_MS = 30_000


def create_agent(page: Page, base: str, name: str) -> str:
    """Create an agent from the dashboard (its empty state or the New agent button); its id."""
    page.goto(f"{base}/agents")
    start = page.get_by_test_id("new-agent").or_(page.get_by_test_id("empty-create-agent"))
    start.click()
    page.fill("#agent_name", name)
    page.fill("#agent_greeting", f"Thanks for calling {name}!")
    page.get_by_test_id("agent-create").click()
    page.wait_for_url(AGENT_URL)
    expect(page.get_by_test_id("agent-title")).to_have_text(name)
    match = AGENT_URL.search(page.url)
    assert match is not None
    return match.group(1)


def open_knowledge(page: Page, base: str, agent_id: str) -> None:
    page.goto(f"{base}/agents/{agent_id}/knowledge")
    expect(page.get_by_test_id("kb-section-hours")).to_be_visible()


def test_owner_creates_an_agent_and_edits_its_knowledge(
    running_app: RunningApp, desktop: Page, console_errors: list[str]
) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    desktop.get_by_test_id("sidebar").get_by_role("link", name="Agents").click()
    desktop.wait_for_url(at(base, "/agents"))
    expect(desktop.get_by_test_id("agents-empty")).to_be_visible()
    screenshot(desktop, "agents-empty-desktop")

    desktop.get_by_test_id("empty-create-agent").click()
    desktop.fill("#agent_name", "Front desk")
    expect(desktop.locator("#agent_time_zone")).to_have_value("America/New_York")
    desktop.get_by_test_id("agent-create").click()
    desktop.wait_for_url(AGENT_URL)
    expect(desktop.get_by_test_id("agent-title")).to_have_text("Front desk")
    expect(desktop.get_by_test_id("agent-status")).to_have_text("Draft")
    screenshot(desktop, "agent-desktop")

    desktop.get_by_test_id("agent-activate").click()
    expect(desktop.get_by_test_id("agent-status")).to_have_text("Active")
    desktop.fill("#transfer_number", "555")
    desktop.get_by_test_id("agent-save").click()
    expect(desktop.get_by_test_id("transfer_number-error")).to_contain_text("international")

    desktop.get_by_test_id("open-knowledge").click()
    desktop.wait_for_url(re.compile(r"/agents/[0-9a-f-]{36}/knowledge/?$"))
    expect(desktop.get_by_test_id("kb-section-hours")).to_be_visible()
    for section in ("Opening hours", "Services and prices", "Frequently asked questions"):
        expect(desktop.get_by_role("heading", name=section)).to_be_visible()
    expect(desktop.locator("[data-testid^=kb-section-]")).to_have_count(18)

    friday = desktop.get_by_test_id("hours-friday")
    friday.get_by_test_id("hours-friday-switch").click()
    friday.get_by_test_id("hours-friday-close").fill("18:30")
    desktop.get_by_test_id("kb-faqs-faqs-add").click()
    desktop.get_by_test_id("kb-faqs-faqs-question").first.fill("Do you take walk-ins?")
    desktop.get_by_test_id("kb-faqs-faqs-answer").first.fill("Yes, every morning until noon.")
    desktop.get_by_test_id("kb-hours-exceptions-add").click()
    desktop.get_by_test_id("kb-hours-exceptions-date").fill("2026-12-25")
    desktop.get_by_test_id("kb-hours-exceptions-closed").click()
    desktop.get_by_test_id("kb-hours-exceptions-note").fill("Christmas Day")
    desktop.get_by_test_id("kb-booking-methods").get_by_role("checkbox", name="Online").click()
    expect(desktop.get_by_test_id("kb-unsaved")).to_be_visible()

    # The app's own links ask first while there are unsaved changes.
    desktop.once("dialog", lambda dialog: dialog.dismiss())
    desktop.get_by_test_id("sidebar").get_by_role("link", name="Team").click()
    expect(desktop.get_by_test_id("kb-unsaved")).to_be_visible()
    assert desktop.url.rstrip("/").endswith("/knowledge")

    # A required field left empty is named where it is.
    desktop.get_by_test_id("kb-services-services-add").click()
    desktop.get_by_test_id("kb-save-all").click()
    expect(desktop.get_by_test_id("kb-services-services-name-error")).to_have_text("Required")
    desktop.get_by_test_id("kb-services-services-remove").click()

    desktop.get_by_test_id("kb-save-all").click()
    expect(desktop.get_by_test_id("kb-notice")).to_contain_text(
        "All changes saved", timeout=SAVING_MS
    )
    expect(desktop.get_by_test_id("kb-unsaved")).to_have_count(0)
    expect(desktop.get_by_test_id("kb-faqs-faqs-item").get_by_test_id("method-badge")).to_have_text(
        "owner edit"
    )

    desktop.reload()
    expect(desktop.get_by_test_id("hours-friday-close")).to_have_value("18:30")
    expect(desktop.get_by_test_id("hours-friday-open")).to_have_value("09:00")
    expect(desktop.get_by_test_id("hours-thursday-open")).to_have_count(0)
    expect(desktop.get_by_test_id("kb-faqs-faqs-question")).to_have_value("Do you take walk-ins?")
    expect(desktop.get_by_test_id("kb-hours-exceptions-date")).to_have_value("2026-12-25")
    expect(desktop.get_by_test_id("kb-hours-exceptions-closed")).to_be_checked()
    expect(desktop.get_by_test_id("kb-hours-exceptions-note")).to_have_value("Christmas Day")
    booking = desktop.get_by_test_id("kb-booking-methods")
    expect(booking.get_by_role("checkbox", name="Online")).to_be_checked()
    expect(booking.get_by_role("checkbox", name="Phone")).not_to_be_checked()

    desktop.get_by_test_id("kb-search-input").fill("what time do you close on friday")
    desktop.get_by_test_id("kb-search").click()
    first = desktop.get_by_test_id("kb-hit").first
    expect(first).to_contain_text("Opening hours")
    expect(first).to_contain_text("Friday")
    expect(first).to_contain_text("6:30 PM")
    screenshot(desktop, "knowledge-desktop")

    with desktop.expect_download() as download:
        desktop.get_by_test_id("kb-export-json").click()
    saved = download.value.path()
    document = json.loads(saved.read_text())
    assert download.value.suggested_filename.endswith(".json")
    assert document["format"] == "voice-platform.kb/1"
    assert document["categories"]["hours"]["weekly"]["friday"] == [
        {"open": "09:00", "close": "18:30"}
    ]
    assert console_errors == []


def test_a_stale_save_offers_a_reload_and_overwrites_nothing(
    running_app: RunningApp, desktop: Page, second_desktop: Page
) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(desktop, base, f"Stale {uuid.uuid4().hex[:6]}")
    log_in(second_desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    open_knowledge(desktop, base, agent_id)
    open_knowledge(second_desktop, base, agent_id)

    desktop.get_by_test_id("kb-faqs-faqs-add").click()
    desktop.get_by_test_id("kb-faqs-faqs-question").fill("Is there parking?")
    desktop.get_by_test_id("kb-faqs-faqs-answer").fill("Yes, behind the building.")
    desktop.get_by_test_id("kb-save-faqs").click()
    expect(desktop.get_by_test_id("kb-notice")).to_contain_text("saved", timeout=SAVING_MS)

    second_desktop.get_by_test_id("kb-profile-tagline").fill("Smiles for everyone")
    second_desktop.get_by_test_id("kb-save-profile").click()
    expect(second_desktop.get_by_test_id("kb-stale")).to_contain_text("Reload")
    screenshot(second_desktop, "knowledge-stale-desktop")
    second_desktop.get_by_test_id("kb-reload").click()
    expect(second_desktop.get_by_test_id("kb-stale")).to_have_count(0)
    expect(second_desktop.get_by_test_id("kb-faqs-faqs-question")).to_have_value(
        "Is there parking?"
    )
    expect(second_desktop.get_by_test_id("kb-profile-tagline")).to_have_value("")


def test_another_business_cannot_see_the_agent(
    running_app: RunningApp, desktop: Page, second_desktop: Page
) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(desktop, base, "Private line")
    sign_up(second_desktop, base, "Other Business", unique_email("other"))
    for path in (f"/agents/{agent_id}", f"/agents/{agent_id}/knowledge", "/agents/not-an-id"):
        second_desktop.goto(f"{base}{path}")
        expect(second_desktop.get_by_test_id("agent-not-found")).to_be_visible()
    second_desktop.goto(f"{base}/agents")
    expect(second_desktop.get_by_test_id("agents-empty")).to_be_visible()
    expect(second_desktop.get_by_test_id("agent-card")).to_have_count(0)


def test_agent_pages_fit_a_phone(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    log_in(phone, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(phone, base, "Phone check")
    fits_phone(phone)
    screenshot(phone, "agent-phone")

    phone.goto(f"{base}/agents")
    expect(phone.get_by_test_id("agent-card").first).to_be_visible()
    phone.get_by_test_id("agent-search").fill("Phone check")
    expect(phone.get_by_test_id("agent-card")).to_have_count(1)
    fits_phone(phone)
    screenshot(phone, "agents-phone")

    open_knowledge(phone, base, agent_id)
    phone.get_by_test_id("hours-monday-switch").click()
    phone.get_by_test_id("kb-services-services-add").click()
    phone.get_by_test_id("kb-faqs-faqs-add").click()
    fits_phone(phone)
    screenshot(phone, "knowledge-phone")


def test_import_export_csv_and_delete(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(desktop, base, f"Import {uuid.uuid4().hex[:6]}")
    open_knowledge(desktop, base, agent_id)

    upload = desktop.get_by_test_id("kb-json-upload").locator("input[type=file]")
    upload.set_input_files(str(PROJECT_ROOT / "tests" / "fixtures" / "bright_smile_kb.json"))
    desktop.get_by_test_id("kb-json-upload-submit").click()
    expect(desktop.get_by_test_id("kb-notice")).to_have_text("Imported.", timeout=SAVING_MS)
    expect(desktop.get_by_test_id("kb-profile-name")).to_have_value("Bright Smile Family Dental")
    services = desktop.get_by_test_id("kb-services-services-item")
    expect(services.first.get_by_test_id("kb-services-services-name")).to_have_value(
        "Adult cleaning and exam"
    )
    expect(services.first.get_by_test_id("method-badge")).to_have_text("from your site")
    faqs = desktop.get_by_test_id("kb-faqs-faqs-item")
    expect(faqs).to_have_count(2)
    expect(faqs.first.get_by_test_id("source-link")).to_have_attribute(
        "href", "https://brightsmile.example/faq/"
    )
    screenshot(desktop, "knowledge-imported-desktop")

    with desktop.expect_download() as download:
        desktop.get_by_test_id("kb-export-csv").click()
    csv_text = download.value.path().read_text()
    assert csv_text.startswith("question,answer,source_url")
    assert "Are you accepting new patients?" in csv_text

    desktop.select_option("[data-testid=kb-paste-kind]", "csv")
    desktop.get_by_test_id("kb-paste").fill("question,answer\nDo you whiten teeth?,Yes.\n")
    desktop.get_by_test_id("kb-import-paste").click()
    expect(desktop.get_by_test_id("kb-notice")).to_have_text("Imported.", timeout=SAVING_MS)
    expect(faqs).to_have_count(3)
    expect(faqs.nth(2).get_by_test_id("kb-faqs-faqs-question")).to_have_value(
        "Do you whiten teeth?"
    )

    desktop.select_option("[data-testid=kb-paste-kind]", "json")
    desktop.get_by_test_id("kb-paste").fill('{"format": "voice-platform.kb/1", "oops": 1}')
    desktop.get_by_test_id("kb-import-paste").click()
    expect(desktop.get_by_test_id("kb-import-error")).to_contain_text("oops")

    desktop.goto(f"{base}/agents/{agent_id}")
    desktop.get_by_test_id("agent-delete").click()
    desktop.get_by_test_id("confirm-delete").click()
    desktop.wait_for_url(at(base, "/agents"))
    expect(desktop.get_by_test_id("agent-card").first).to_be_visible()
    expect(desktop.get_by_test_id("agent-card").filter(has_text="Import ")).to_have_count(0)
    screenshot(desktop, "agents-desktop")
    desktop.goto(f"{base}/agents/{agent_id}")
    expect(desktop.get_by_test_id("agent-not-found")).to_be_visible()


def test_a_flagged_disagreement_is_reviewed_and_settled(
    running_app: RunningApp, phone: Page
) -> None:
    base = running_app.url
    log_in(phone, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(phone, base, f"Flags {uuid.uuid4().hex[:6]}")
    open_knowledge(phone, base, agent_id)
    document = json.loads(
        (PROJECT_ROOT / "tests" / "fixtures" / "bright_smile_kb.json").read_text()
    )
    document["conflicts"] = [
        {
            "category": "hours",
            "about": "Opening hours",
            "versions": [
                {"text": "Structured data: Friday 08:00-13:00",
                 "provenance": {"source_url": "https://brightsmile.example/"}},
                {"text": "Contact page: Friday 08:00-17:00",
                 "provenance": {"source_url": "https://brightsmile.example/contact/"}},
            ],
        }
    ]  # fmt: skip
    phone.get_by_test_id("kb-paste").fill(json.dumps(document))
    phone.get_by_test_id("kb-import-paste").click()
    expect(phone.get_by_test_id("kb-notice")).to_have_text("Imported.", timeout=SAVING_MS)
    flag = phone.get_by_test_id("kb-flag")
    expect(flag).to_have_count(1)
    expect(flag).to_contain_text("Contact page: Friday 08:00-17:00")
    fits_phone(phone)
    screenshot(phone, "knowledge-flag-phone")
    flag.get_by_test_id("kb-flag-settle").click()
    expect(phone.get_by_test_id("kb-notice")).to_have_text("Marked as settled.", timeout=SAVING_MS)
    expect(phone.get_by_test_id("kb-review")).to_have_count(0)
    phone.reload()
    expect(phone.get_by_test_id("kb-section-hours")).to_be_visible()
    expect(phone.get_by_test_id("kb-flag")).to_have_count(0)


def test_leaving_with_unsaved_changes_asks_first(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    agent_id = create_agent(desktop, base, f"Guard {uuid.uuid4().hex[:6]}")
    open_knowledge(desktop, base, agent_id)
    desktop.get_by_test_id("kb-profile-tagline").fill("Not saved yet")
    expect(desktop.get_by_test_id("kb-unsaved")).to_be_visible()

    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.accept()

    desktop.on("dialog", answer)
    desktop.reload()
    expect(desktop.get_by_test_id("kb-profile-tagline")).to_have_value("")
    assert asked == ["beforeunload"]

    desktop.get_by_test_id("kb-profile-tagline").fill("Still not saved")
    expect(desktop.get_by_test_id("kb-unsaved")).to_be_visible()
    desktop.get_by_test_id("kb-back").click()
    desktop.wait_for_url(AGENT_URL)
    assert asked == ["beforeunload", "confirm"]


def test_a_member_sees_agents_read_only(
    running_app: RunningApp, desktop: Page, second_desktop: Page, third_desktop: Page
) -> None:
    base = running_app.url
    invitee = unique_email("reader")
    sign_up(desktop, base, "Read Only Bakery", unique_email("baker"))
    agent_id = create_agent(desktop, base, "Bakery line")
    desktop.goto(f"{base}/team")
    desktop.fill("#invite_email", invitee)
    desktop.get_by_test_id("invite-send").click()
    expect(desktop.get_by_test_id("team-notice")).to_contain_text("Invitation sent")

    staff = second_desktop
    log_in(staff, base, DEMO_STAFF_EMAIL, DEMO_PASSWORD)
    staff.goto(f"{base}/staff/outbox")
    staff.fill("#to", invitee)
    staff.get_by_role("button", name="Filter").click()
    expect(staff.get_by_test_id("email")).to_have_count(1)
    body = staff.get_by_test_id("email").get_by_test_id("email-body").inner_text()
    token = re.search(r"/invite\?token=(\S+)", body)
    assert token, body

    member = third_desktop
    member.goto(f"{base}/invite?token={token.group(1)}")
    member.fill("#full_name", "Rita Reader")
    member.fill("#password", "a-long-enough-password")
    member.get_by_test_id("invite-submit").click()
    member.wait_for_url(at(base, "/settings"))

    member.get_by_test_id("sidebar").get_by_role("link", name="Agents").click()
    expect(member.get_by_test_id("agent-card")).to_have_count(1)
    expect(member.get_by_test_id("new-agent")).to_have_count(0)
    member.get_by_test_id("agent-card").click()
    member.wait_for_url(AGENT_URL)
    expect(member.locator("#name")).to_be_disabled()
    for control in ("agent-save", "agent-delete", "agent-activate"):
        expect(member.get_by_test_id(control)).to_have_count(0)

    open_knowledge(member, base, agent_id)
    expect(member.get_by_test_id("kb-profile-tagline")).to_be_disabled()
    expect(member.get_by_test_id("kb-save-all")).to_have_count(0)
    expect(member.get_by_test_id("kb-save-hours")).to_have_count(0)
    expect(member.get_by_test_id("kb-faqs-faqs-add")).to_have_count(0)
    expect(member.get_by_test_id("kb-export-json")).to_be_visible()
