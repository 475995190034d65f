"""The app shell in a real browser: desktop, a 390-px phone, dark mode, 404, API docs."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import PHONE, RunningApp, screenshot


def test_home_on_desktop(running_app: RunningApp, desktop: Page, console_errors: list[str]) -> None:
    desktop.goto(running_app.url)
    expect(desktop.get_by_test_id("sidebar")).to_be_visible()
    expect(desktop.get_by_test_id("top-bar").get_by_role("heading", name="Home")).to_be_visible()
    expect(desktop.get_by_text("All systems running")).to_be_visible()
    expect(desktop.get_by_test_id("menu-button")).to_be_hidden()
    assert screenshot(desktop, "home-desktop").stat().st_size > 0
    assert console_errors == []


def test_home_on_a_phone(running_app: RunningApp, phone: Page, console_errors: list[str]) -> None:
    phone.goto(running_app.url)
    expect(phone.get_by_text("All systems running")).to_be_visible()
    expect(phone.get_by_test_id("sidebar")).to_be_hidden()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways ({width}px wide)"
    screenshot(phone, "home-phone")

    phone.get_by_test_id("menu-button").click()
    drawer = phone.get_by_test_id("drawer")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("link", name="API docs")).to_be_visible()
    screenshot(phone, "home-phone-menu")
    drawer.get_by_role("button", name="Close menu").click()
    expect(drawer).to_be_hidden()
    assert console_errors == []


def test_dark_mode_toggle(running_app: RunningApp, desktop: Page) -> None:
    desktop.goto(running_app.url)
    expect(desktop.get_by_text("All systems running")).to_be_visible()
    is_dark = "document.documentElement.classList.contains('dark')"
    before = desktop.evaluate(is_dark)
    desktop.get_by_role("button", name="Toggle dark mode").click()
    desktop.wait_for_function(f"{is_dark} !== {str(before).lower()}")
    screenshot(desktop, "home-desktop-toggled-theme")


def test_unknown_page_shows_the_404_page(running_app: RunningApp, phone: Page) -> None:
    phone.goto(f"{running_app.url}/no/such/page")
    expect(phone.get_by_test_id("not-found")).to_be_visible()
    phone.get_by_role("button", name="Back to home").click()
    expect(phone.get_by_text("All systems running")).to_be_visible()


def test_api_docs_open_from_the_menu_and_render_offline(
    running_app: RunningApp, desktop: Page
) -> None:
    desktop.goto(running_app.url)
    with desktop.context.expect_page() as opened:
        desktop.get_by_test_id("sidebar").get_by_role("link", name="API docs").click()
    docs = opened.value
    expect(docs.get_by_text("Voice Platform API").first).to_be_visible()
    expect(docs.get_by_text("/api/health").first).to_be_visible()
    screenshot(docs, "api-docs")
    docs.close()


def test_app_pages_carry_security_headers(running_app: RunningApp, desktop: Page) -> None:
    response = desktop.goto(running_app.url)
    assert response is not None
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
