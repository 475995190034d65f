"""The dashboard in a real browser, on a phone: a business with a month of calls, the period
and agent filters, a bad period, the ROI once the owner has said what calls are worth, and the
figures redrawing by themselves when new calls come in."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import fits_phone, sign_up, unique_email
from voice_platform.config import PROJECT_ROOT


def cli(app: RunningApp, *args: str) -> str:
    """A `voice-platform` command beside the running platform (same data folder)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["DATA_DIR"] = str(app.data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "voice_platform.cli", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def kpi(page: Page, name: str) -> str:
    return page.get_by_test_id(f"kpi-{name}").get_by_test_id("kpi-value").inner_text()


def count(text: str) -> int:
    return int(text.replace(",", ""))


def test_the_owner_reads_a_month_of_calls_on_a_phone(running_app: RunningApp, phone: Page) -> None:
    base = running_app.url
    name = f"Dash {uuid.uuid4().hex[:6]}"
    sign_up(phone, base, name, unique_email("dash"), time_zone="America/Chicago")
    slug = name.lower().replace(" ", "-")
    cli(
        running_app,
        "demo",
        "seed",
        "--tenant",
        slug,
        "--calls",
        "600",
        "--days",
        "60",
        "--seed",
        "3",
    )

    phone.goto(f"{base}/dashboard")
    expect(phone.get_by_test_id("kpi-calls")).to_be_visible(timeout=30_000)
    month_text = kpi(phone, "calls")
    month = count(month_text)
    assert 0 < month < 600
    for chart in ("calls", "outcomes", "sentiment", "hours", "durations", "topics"):
        expect(phone.get_by_test_id(f"chart-{chart}").locator(".js-plotly-plot")).to_be_visible()
    expect(phone.get_by_test_id("roi-unset")).to_be_visible()
    fits_phone(phone)
    screenshot(phone, "dashboard-phone")

    # A quick period, then the agent filter (the only agent: the same figures).
    phone.get_by_test_id("last-7").click()
    expect(phone.get_by_test_id("kpi-calls").get_by_test_id("kpi-value")).not_to_have_text(
        month_text, timeout=15_000
    )
    week = count(kpi(phone, "calls"))
    assert 0 < week < month
    phone.get_by_test_id("agent").select_option(index=1)
    phone.get_by_test_id("dashboard-apply").click()
    expect(phone.get_by_test_id("agent")).not_to_have_value("all")
    assert count(kpi(phone, "calls")) == week

    # A period with no calls, then one that runs backwards.
    phone.get_by_test_id("since").fill("2020-01-01")
    phone.get_by_test_id("until").fill("2020-01-31")
    phone.get_by_test_id("dashboard-apply").click()
    expect(phone.get_by_test_id("no-calls")).to_be_visible(timeout=15_000)
    expect(phone.get_by_test_id("kpi-calls").get_by_test_id("kpi-value")).to_have_text("0")
    phone.get_by_test_id("since").fill("2020-02-01")
    phone.get_by_test_id("dashboard-apply").click()
    expect(phone.get_by_test_id("since-error")).to_contain_text("after until")

    # What calls are worth, then the value on the dashboard.
    phone.goto(f"{base}/settings")
    phone.fill("#booked_call_value", "80")
    phone.fill("#receptionist_hourly_cost", "22,50")
    phone.get_by_test_id("settings-save").click()
    expect(phone.get_by_test_id("settings-saved")).to_be_visible()
    phone.fill("#booked_call_value", "-3")
    phone.get_by_test_id("settings-save").click()
    expect(phone.get_by_test_id("booked_call_value-error")).to_be_visible()
    phone.goto(f"{base}/dashboard")
    # The page keeps the period last shown (January 2020): back to the last thirty days.
    expect(phone.get_by_test_id("no-calls")).to_be_visible(timeout=30_000)
    phone.get_by_test_id("last-30").click()
    expect(phone.get_by_test_id("no-calls")).to_have_count(0, timeout=15_000)
    expect(phone.get_by_test_id("roi-value")).not_to_contain_text("USD 0.00")
    expect(phone.get_by_test_id("roi-unset")).to_have_count(0)
    expect(phone.get_by_test_id("roi-bookings")).not_to_contain_text("not set")

    # New calls arrive while the page is open: it redraws without a reload.
    before = kpi(phone, "calls")
    cli(running_app, "demo", "seed", "--tenant", slug, "--calls", "900", "--days", "60")
    expect(phone.get_by_test_id("kpi-calls").get_by_test_id("kpi-value")).not_to_have_text(
        before, timeout=30_000
    )
    assert count(kpi(phone, "calls")) > count(before)

    # The unanswered questions lead to the list that turns them into knowledge.
    phone.get_by_test_id("kpi-link-unanswered").click()
    phone.wait_for_url(f"{base}/knowledge-gaps**")
    expect(phone.get_by_test_id("gap").first).to_be_visible(timeout=30_000)
    cli(running_app, "demo", "clear", "--tenant", slug)
