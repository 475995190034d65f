"""Accounts in a real browser: sign-up, log-in and out, invitations (through the staff
outbox), business settings, API keys, the audit log, staff impersonation, and every new
page on a 390-px phone."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, RunningApp, screenshot
from voice_platform.services.seed import DEMO_OWNER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL

PASSWORD = "a-long-enough-password"
DEMO_BUSINESS = "Bright Smile Dental (demo)"


def at(base: str, path: str) -> re.Pattern[str]:
    """The page at `path` (the static build may add a trailing slash)."""
    path, _, query = path.partition("?")
    tail = path.rstrip("/") + "/?" + (re.escape("?" + query) if query else "")
    return re.compile("^" + re.escape(base) + tail + "$")


def unique_email(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex[:8]}@example.com"


def log_in(page: Page, base: str, email: str, password: str, *, lands_on: str = "/") -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(at(base, lands_on))
    expect(page.get_by_test_id("user-email").first).to_have_text(email)


def sign_up(page: Page, base: str, business: str, email: str, time_zone: str = "UTC") -> None:
    page.goto(f"{base}/signup")
    page.fill("#business_name", business)
    page.fill("#full_name", "Pat Example")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.select_option("#time_zone", time_zone)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url(at(base, "/settings"))
    expect(page.get_by_test_id("tenant-name")).to_have_text(business)


def log_out(page: Page, base: str) -> None:
    page.get_by_test_id("sidebar").get_by_test_id("log-out").click()
    page.wait_for_url(at(base, "/login"))
    expect(page.get_by_test_id("sidebar").get_by_role("link", name="Sign up")).to_be_visible()


def fits_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways ({width}px wide)"


def test_sign_up_log_out_and_log_in_again(
    running_app: RunningApp, desktop: Page, console_errors: list[str]
) -> None:
    base, email = running_app.url, unique_email("owner")
    sign_up(desktop, base, "Corner Bakery", email, time_zone="Europe/Rome")
    expect(desktop.locator("#time_zone")).to_have_value("Europe/Rome")
    sidebar = desktop.get_by_test_id("sidebar")
    for item in ("Settings", "Team", "API keys", "Audit log"):
        expect(sidebar.get_by_role("link", name=item)).to_be_visible()
    expect(sidebar.get_by_role("link", name="Staff")).to_have_count(0)
    screenshot(desktop, "accounts-signed-up-desktop")

    log_out(desktop, base)
    desktop.goto(f"{base}/team")
    desktop.wait_for_url(at(base, "/login?next=/team"))

    desktop.fill("#email", email)
    desktop.fill("#password", "not the password")
    desktop.get_by_test_id("login-submit").click()
    expect(desktop.get_by_test_id("password-error")).to_contain_text("Wrong email or password")

    desktop.fill("#password", PASSWORD)
    desktop.get_by_test_id("login-submit").click()
    desktop.wait_for_url(at(base, "/team"))
    expect(desktop.get_by_test_id("member")).to_have_count(1)
    expect(desktop.get_by_test_id("member")).to_contain_text(email)
    screenshot(desktop, "accounts-team-desktop")
    assert console_errors == []


def test_sign_up_shows_field_errors(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    desktop.goto(f"{base}/signup")
    desktop.fill("#business_name", "Short Password Ltd")
    desktop.fill("#email", unique_email("short"))
    desktop.fill("#password", "short")
    desktop.get_by_test_id("signup-submit").click()
    expect(desktop.get_by_test_id("password-error")).to_contain_text("at least 10 characters")

    desktop.fill("#password", PASSWORD)
    desktop.fill("#email", DEMO_OWNER_EMAIL)
    desktop.get_by_test_id("signup-submit").click()
    expect(desktop.get_by_test_id("email-error")).to_contain_text("exists already")
    screenshot(desktop, "accounts-signup-errors-desktop")


def test_invite_a_member_who_joins_from_the_emailed_link(
    running_app: RunningApp, desktop: Page, second_desktop: Page, third_desktop: Page
) -> None:
    base = running_app.url
    owner, invitee = unique_email("boss"), unique_email("new-hire")
    sign_up(desktop, base, "Harbour Plumbing", owner)

    desktop.goto(f"{base}/team")
    desktop.fill("#invite_email", invitee)
    desktop.select_option("#invite_role", "member")
    desktop.get_by_test_id("invite-send").click()
    expect(desktop.get_by_test_id("team-notice")).to_contain_text(f"Invitation sent to {invitee}")
    pending = desktop.get_by_test_id("invitation")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(invitee)
    screenshot(desktop, "accounts-invited-desktop")

    staff = second_desktop
    log_in(staff, base, DEMO_STAFF_EMAIL, DEMO_PASSWORD)
    staff.goto(f"{base}/staff/outbox")
    staff.fill("#to", invitee)
    staff.get_by_role("button", name="Filter").click()
    mail = staff.get_by_test_id("email")
    expect(mail).to_have_count(1)
    expect(mail.get_by_test_id("email-subject")).to_contain_text("Harbour Plumbing")
    screenshot(staff, "accounts-outbox-desktop")
    body = mail.get_by_test_id("email-body").inner_text()
    found = re.search(r"/invite\?token=(\S+)", body)
    assert found, body

    newcomer = third_desktop
    newcomer.goto(f"{base}/invite?token={found.group(1)}")
    expect(newcomer.get_by_test_id("invite-business")).to_have_text("Harbour Plumbing")
    expect(newcomer.get_by_test_id("invite-role")).to_have_text("member")
    newcomer.fill("#full_name", "Nico Newcomer")
    newcomer.fill("#password", PASSWORD)
    screenshot(newcomer, "accounts-invite-desktop")
    newcomer.get_by_test_id("invite-submit").click()
    newcomer.wait_for_url(at(base, "/settings"))
    expect(newcomer.get_by_test_id("user-email").first).to_have_text(invitee)
    expect(newcomer.get_by_test_id("tenant-name")).to_have_text("Harbour Plumbing")
    # A member reads the settings but cannot change them, and sees the team list only.
    expect(newcomer.locator("#name")).to_be_disabled()
    expect(newcomer.locator("#time_zone")).to_be_disabled()
    expect(newcomer.get_by_test_id("settings-save")).to_have_count(0)
    sidebar = newcomer.get_by_test_id("sidebar")
    expect(sidebar.get_by_role("link", name="API keys")).to_have_count(0)
    expect(sidebar.get_by_role("link", name="Audit log")).to_have_count(0)
    sidebar.get_by_role("link", name="Team").click()
    expect(newcomer.get_by_test_id("member")).to_have_count(2)
    expect(newcomer.get_by_test_id("invite-member-form")).to_have_count(0)
    expect(newcomer.get_by_test_id("member-remove")).to_have_count(0)
    newcomer.goto(f"{base}/api-keys")
    expect(newcomer.get_by_test_id("not-allowed")).to_be_visible()

    desktop.reload()
    expect(desktop.get_by_test_id("member")).to_have_count(2)
    expect(desktop.get_by_test_id("invitation")).to_have_count(0)

    joined = desktop.get_by_test_id("member").filter(has_text=invitee)
    joined.get_by_role("combobox").click()
    desktop.get_by_role("option", name="Admin").click()
    expect(desktop.get_by_test_id("team-notice")).to_contain_text("Role changed")
    expect(joined.get_by_role("combobox")).to_have_text("Admin")
    joined.get_by_test_id("member-remove").click()
    desktop.get_by_test_id("confirm-remove").click()
    expect(desktop.get_by_test_id("team-notice")).to_contain_text(f"{invitee} was removed")
    expect(desktop.get_by_test_id("member")).to_have_count(1)

    desktop.fill("#invite_email", unique_email("changed-mind"))
    desktop.get_by_test_id("invite-send").click()
    expect(desktop.get_by_test_id("invitation")).to_have_count(1)
    desktop.get_by_test_id("invitation-revoke").click()
    expect(desktop.get_by_test_id("team-notice")).to_contain_text("Invitation revoked")
    expect(desktop.get_by_test_id("invitation")).to_have_count(0)


def test_password_reset_through_the_emailed_link(
    running_app: RunningApp, desktop: Page, second_desktop: Page
) -> None:
    base, email = running_app.url, unique_email("forgetful")
    sign_up(desktop, base, "Forgetful Florist", email)
    log_out(desktop, base)
    desktop.get_by_role("link", name="Forgot your password?").click()
    desktop.wait_for_url(at(base, "/forgot-password"))
    desktop.fill("#email", email)
    desktop.get_by_test_id("forgot-submit").click()
    expect(desktop.get_by_test_id("reset-sent")).to_contain_text("If an account exists")

    staff = second_desktop
    log_in(staff, base, DEMO_STAFF_EMAIL, DEMO_PASSWORD)
    staff.goto(f"{base}/staff/outbox")
    staff.fill("#to", email)
    staff.get_by_role("button", name="Filter").click()
    body = staff.get_by_test_id("email-body")
    expect(body).to_have_count(1)
    found = re.search(r"/reset-password\?token=(\S+)", body.inner_text())
    assert found

    desktop.goto(f"{base}/reset-password?token={found.group(1)}")
    desktop.fill("#password", "a-brand-new-password")
    desktop.fill("#confirm", "a-different-password")
    desktop.get_by_test_id("reset-submit").click()
    expect(desktop.get_by_test_id("confirm-error")).to_contain_text("differ")
    desktop.fill("#confirm", "a-brand-new-password")
    desktop.get_by_test_id("reset-submit").click()
    expect(desktop.get_by_test_id("reset-done")).to_be_visible()
    screenshot(desktop, "accounts-password-reset-desktop")
    desktop.get_by_test_id("reset-password").get_by_role("button", name="Log in").click()
    desktop.wait_for_url(at(base, "/login"))
    log_in(desktop, base, email, "a-brand-new-password")


def test_time_zone_change_is_saved(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    sign_up(desktop, base, "Sunrise Yoga", unique_email("yogi"), time_zone="UTC")

    desktop.select_option("#time_zone", "Asia/Tokyo")
    desktop.fill("#business_phone", "12345")
    desktop.get_by_test_id("settings-save").click()
    expect(desktop.get_by_test_id("business_phone-error")).to_contain_text("international form")

    desktop.fill("#business_phone", "+15551234567")
    desktop.get_by_test_id("settings-save").click()
    expect(desktop.get_by_test_id("settings-saved")).to_be_visible()

    desktop.reload()
    expect(desktop.get_by_test_id("tenant-name")).to_have_text("Sunrise Yoga")
    expect(desktop.locator("#time_zone")).to_have_value("Asia/Tokyo")
    expect(desktop.locator("#business_phone")).to_have_value("+15551234567")
    screenshot(desktop, "accounts-settings-desktop")


def test_api_keys_show_the_secret_once_and_revoke(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    sign_up(desktop, base, "Keyed Business", unique_email("keys"))
    desktop.goto(f"{base}/api-keys")
    desktop.fill("#key_name", "Booking system")
    desktop.select_option("#key_scope", "full")
    desktop.get_by_test_id("create-key").click()
    secret = desktop.get_by_test_id("new-key-secret")
    expect(secret).to_contain_text("vpk_")
    key = desktop.get_by_test_id("api-key")
    expect(key).to_have_count(1)
    expect(key).to_contain_text("Full access")
    screenshot(desktop, "accounts-api-key-created-desktop")

    desktop.get_by_test_id("dismiss-key").click()
    expect(secret).to_have_count(0)
    desktop.get_by_test_id("revoke-key").click()
    expect(key).to_contain_text("Revoked")

    desktop.goto(f"{base}/audit")
    actions = desktop.get_by_test_id("audit-action")
    expect(actions.first).to_have_text("api_key.revoke")
    desktop.fill("#filter_action", "tenant.")
    desktop.get_by_test_id("audit-filter").click()
    expect(actions).to_have_count(1)
    expect(actions.first).to_have_text("tenant.create")
    screenshot(desktop, "accounts-audit-desktop")


def test_staff_impersonation_shows_a_banner_until_ended(
    running_app: RunningApp, desktop: Page, console_errors: list[str]
) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_STAFF_EMAIL, DEMO_PASSWORD)
    desktop.goto(f"{base}/staff")
    desktop.fill("#query", "Bright Smile")
    desktop.get_by_role("button", name="Search").click()
    tenant = desktop.get_by_test_id("tenant").filter(has_text=DEMO_BUSINESS)
    expect(tenant).to_have_count(1)
    tenant.get_by_test_id("impersonate").click()

    desktop.fill("#reason", "too short")
    desktop.get_by_test_id("impersonate-start").click()
    expect(desktop.get_by_test_id("reason-error")).to_contain_text("10 characters")
    desktop.fill("#reason", "Ticket 42: the owner cannot save the time zone")
    desktop.fill("#minutes", "15")
    desktop.wait_for_timeout(300)
    screenshot(desktop, "accounts-impersonate-dialog-desktop")
    desktop.get_by_test_id("impersonate-start").click()

    desktop.wait_for_url(at(base, "/settings"))
    banner = desktop.get_by_test_id("impersonation-banner")
    expect(banner).to_contain_text(f"You are acting as {DEMO_BUSINESS}")
    expect(banner).to_contain_text("Ticket 42")
    expect(desktop.get_by_test_id("tenant-name")).to_have_text(DEMO_BUSINESS)
    screenshot(desktop, "accounts-impersonating-desktop")
    desktop.get_by_test_id("sidebar").get_by_role("link", name="Team").click()
    desktop.wait_for_url(at(base, "/team"))
    expect(banner).to_be_visible()
    expect(desktop.get_by_test_id("member").filter(has_text=DEMO_OWNER_EMAIL)).to_have_count(1)

    desktop.get_by_test_id("end-impersonation").click()
    desktop.wait_for_url(at(base, "/staff"))
    expect(banner).to_have_count(0)
    expect(desktop.get_by_test_id("tenant").first).to_be_visible()
    assert console_errors == []


def test_staff_pages_refuse_business_owners(running_app: RunningApp, desktop: Page) -> None:
    base = running_app.url
    log_in(desktop, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    for path in ("/staff", "/staff/outbox"):
        desktop.goto(f"{base}{path}")
        expect(desktop.get_by_test_id("not-allowed")).to_contain_text("staff only")


PUBLIC_PAGES = ("/login", "/signup", "/forgot-password", "/reset-password?token=x", "/invite")
OWNER_PAGES = ("/settings", "/team", "/api-keys", "/audit", "/dashboard")
STAFF_PAGES = ("/staff", "/staff/outbox", "/audit")


def test_every_page_fits_a_phone(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    for path in PUBLIC_PAGES:
        phone.goto(f"{base}{path}")
        expect(phone.get_by_test_id("top-bar")).to_be_visible()
        phone.wait_for_timeout(300)
        fits_phone(phone)
        screenshot(phone, "accounts-phone" + re.sub(r"\W+", "-", path.split("?")[0]))

    phone.goto(f"{base}/forgot-password")
    phone.fill("#email", DEMO_OWNER_EMAIL)
    phone.get_by_test_id("forgot-submit").click()
    expect(phone.get_by_test_id("reset-sent")).to_contain_text("If an account exists")

    log_in(phone, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    for path, ready in zip(
        OWNER_PAGES,
        ("settings-form", "member", "api-keys-list", "audit-entry", "kpis"),
        strict=True,
    ):
        phone.goto(f"{base}{path}")
        expect(phone.get_by_test_id(ready).first).to_be_visible()
        fits_phone(phone)
        screenshot(phone, "accounts-phone" + re.sub(r"\W+", "-", path))
    phone.get_by_test_id("menu-button").click()
    drawer = phone.get_by_test_id("drawer")
    expect(drawer.get_by_test_id("user-email")).to_have_text(DEMO_OWNER_EMAIL)
    phone.wait_for_timeout(500)
    screenshot(phone, "accounts-phone-menu")
    drawer.get_by_test_id("log-out").click()
    phone.wait_for_url(at(base, "/login"))

    log_in(phone, base, DEMO_STAFF_EMAIL, DEMO_PASSWORD)
    for path, ready in zip(STAFF_PAGES, ("tenant", "email", "audit-entry"), strict=True):
        phone.goto(f"{base}{path}")
        expect(phone.get_by_test_id(ready).first).to_be_visible()
        fits_phone(phone)
        screenshot(phone, "accounts-phone-staff" + re.sub(r"\W+", "-", path))

    phone.goto(f"{base}/staff")
    phone.get_by_test_id("tenant").filter(has_text=DEMO_BUSINESS).get_by_test_id(
        "impersonate"
    ).click()
    phone.fill("#reason", "Checking how the phone layout looks")
    phone.wait_for_timeout(300)
    screenshot(phone, "accounts-phone-impersonate-dialog")
    phone.get_by_test_id("impersonate-start").click()
    phone.wait_for_url(at(base, "/settings"))
    expect(phone.get_by_test_id("impersonation-banner")).to_be_visible()
    fits_phone(phone)
    screenshot(phone, "accounts-phone-impersonating")
    phone.get_by_test_id("end-impersonation").click()
    phone.wait_for_url(at(base, "/staff"))
