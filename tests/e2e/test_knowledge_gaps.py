"""The knowledge-gap loop in a real browser, on a phone: analysed calls left questions the
receptionist could not answer; the owner answers one from a draft of the business's own page,
approves it, and sees the agent asked again answer it (here and in the test console), then
dismisses another."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
from playwright.sync_api import Page, expect

from tests.e2e.conftest import RunningApp, screenshot
from tests.e2e.test_accounts import fits_phone, log_in
from voice_platform.config import PROJECT_ROOT
from voice_platform.services.seed import DEMO_OWNER_EMAIL, DEMO_PASSWORD

KB = json.loads((PROJECT_ROOT / "tests" / "fixtures" / "bright_smile_kb.json").read_text())
COSMETIC = "https://brightsmile.example/cosmetic-dentistry"
WHITENING = "Yes. In-office whitening is $450 and take-home trays are $250."
# Time for a knowledge base to be indexed and a question answered on a busy machine.
SLOW = 90_000


def agent_with_gaps(running_app: RunningApp, name: str) -> str:
    """An agent with the fixture's knowledge, the page it was created from, and analysed calls
    whose callers asked what it could not answer; the agent's id."""
    api = httpx.Client(base_url=f"{running_app.url}/api", timeout=120)
    login = api.post("/auth/login", json={"email": DEMO_OWNER_EMAIL, "password": DEMO_PASSWORD})
    api.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    agent = api.post("/agents", json={"name": name}).json()
    assert api.post(f"/agents/{agent['id']}/knowledge/import", json=KB).status_code == 200
    tenant_id, agent_id = agent["tenant_id"], agent["id"]
    now = datetime.now(UTC)
    calls = [
        (now - timedelta(days=2), ["Do you do teeth whitening?"]),
        (now - timedelta(days=1), ["Hi, can I get my teeth whitened there?"]),
        (now - timedelta(hours=5), ["Do you do house calls?", "Do you sell gift cards?"]),
    ]
    database = f"postgresql://postgres@/voice_platform?host={running_app.data_dir / 'postgres'}"
    with psycopg.connect(database, autocommit=True) as conn:
        for started, questions in calls:
            conn.execute(
                "INSERT INTO calls (id, tenant_id, agent_id, call_sid, status, outcome, "
                "started_at, unanswered, analyzed_at) "
                "VALUES (%s, %s, %s, %s, 'completed', 'message', %s, %s::jsonb, %s)",
                (
                    uuid.uuid4(),
                    tenant_id,
                    agent_id,
                    f"CA{uuid.uuid4().hex}",
                    started,
                    json.dumps(questions),
                    started + timedelta(minutes=3),
                ),
            )
        conn.execute(
            "INSERT INTO crawled_pages (id, tenant_id, agent_id, url, title, text) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (
                uuid.uuid4(),
                tenant_id,
                agent_id,
                COSMETIC,
                "Cosmetic dentistry",
                f"Professional Teeth Whitening\nDo you offer teeth whitening?\n{WHITENING}\n",
            ),
        )
    return str(agent_id)


def test_answer_an_unanswered_question_and_hear_it_answered(
    running_app: RunningApp, phone: Page
) -> None:
    base = running_app.url
    name = f"Gaps {uuid.uuid4().hex[:6]}"
    agent_id = agent_with_gaps(running_app, name)
    log_in(phone, base, DEMO_OWNER_EMAIL, DEMO_PASSWORD)
    phone.get_by_test_id("menu-button").click()
    phone.get_by_test_id("drawer").get_by_role("link", name="Unanswered questions").click()
    gaps = phone.get_by_test_id("gap").filter(has_text=name)
    expect(gaps).to_have_count(3, timeout=SLOW)
    whitening = gaps.filter(has_text="Do you do teeth whitening?")
    expect(whitening).to_contain_text("Asked 2 times")
    expect(whitening).to_contain_text("Also asked as “Can I get my teeth whitened there?”")
    fits_phone(phone)
    screenshot(phone, "knowledge-gaps-phone")

    # The gift-card question: nothing on the site answers it, so the owner would write it.
    gifts = gaps.filter(has_text="Do you sell gift cards?")
    gifts.get_by_test_id("gap-answer").click()
    expect(gifts.get_by_test_id("gap-no-draft")).to_contain_text(
        "No draft found — write the answer", timeout=SLOW
    )
    expect(gifts.get_by_test_id("gap-answer-text")).to_have_value("")
    gifts.get_by_test_id("gap-cancel").click()
    expect(gifts.get_by_test_id("gap-answer")).to_be_visible()

    gaps.filter(has_text="Do you do house calls?").get_by_test_id("gap-dismiss").click()
    expect(phone.get_by_test_id("gaps-notice")).to_contain_text("Dismissed")
    expect(gaps).to_have_count(2)
    fits_phone(phone)

    whitening.get_by_test_id("gap-answer").click()
    expect(whitening.get_by_test_id("gap-drafted")).to_contain_text(
        "Drafted from Cosmetic dentistry", timeout=SLOW
    )
    expect(whitening.get_by_test_id("gap-source")).to_have_attribute("href", COSMETIC)
    expect(whitening.get_by_test_id("gap-answer-text")).to_have_value(WHITENING)
    expect(whitening.get_by_test_id("gap-source-url")).to_have_value(COSMETIC)
    fits_phone(phone)
    screenshot(phone, "knowledge-gaps-phone-draft")
    whitening.get_by_test_id("gap-approve").click()

    reasked = phone.get_by_test_id("reasked")
    expect(reasked.get_by_test_id("reask-question")).to_have_text(
        "Do you do teeth whitening?", timeout=SLOW
    )
    expect(reasked.get_by_test_id("reask-answer")).to_contain_text("$450")
    expect(reasked.get_by_test_id("reask-outcome")).to_have_text("Answered")
    expect(gaps).to_have_count(1)
    fits_phone(phone)
    screenshot(phone, "knowledge-gaps-phone-reasked")

    # The console asks the approved question again by itself, and the agent answers it.
    reasked.get_by_test_id("reask-console").click()
    phone.wait_for_url(f"{base}/agents/{agent_id}/console**")
    expect(phone.get_by_test_id("console-caller")).to_have_text(
        "Do you do teeth whitening?", timeout=SLOW
    )
    agent_turns = phone.get_by_test_id("console-agent")
    expect(agent_turns).to_have_count(2, timeout=SLOW)
    expect(agent_turns.nth(1)).to_contain_text("$450")
    expect(agent_turns.nth(1)).to_contain_text("Answered")
    fits_phone(phone)
    screenshot(phone, "knowledge-gaps-phone-console")
