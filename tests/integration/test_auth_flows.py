"""Log-in sessions: expiry, refresh rotation and reuse, lockout, password resets."""

from __future__ import annotations

import email
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from tests.conftest import Servers
from tests.integration.accounts_helpers import PASSWORD, bearer, client, last_link, login, sign_up
from voice_platform.config import get_settings
from voice_platform.db import platform_session
from voice_platform.models import PasswordReset, RefreshToken
from voice_platform.services.principal import Principal
from voice_platform.services.security import issue_access_token

pytestmark = pytest.mark.usefixtures("db")


def test_sign_up_then_the_access_token_works() -> None:
    api = client()
    tokens = sign_up(api)
    me = api.get("/api/auth/me", headers=bearer(tokens["access_token"])).json()
    assert me["email"] == "ann@alpha.example"
    assert me["role"] == "owner"
    assert me["tenant_id"] == tokens["tenant_id"]


def test_sign_up_errors_name_the_field() -> None:
    api = client()
    sign_up(api)
    again = api.post(
        "/api/auth/register",
        json={"business_name": "Other", "email": "ANN@alpha.example", "password": PASSWORD},
    )
    assert again.status_code == 409
    assert again.json()["error"]["details"] == [
        {"field": "email", "problem": "An account with this email exists already; log in instead"}
    ]
    short = api.post(
        "/api/auth/register",
        json={"business_name": "Other", "email": "bob@b.example", "password": "short"},
    )
    assert short.status_code == 422
    assert short.json()["error"]["details"][0]["field"] == "password"
    bad_email = api.post(
        "/api/auth/register",
        json={"business_name": "Other", "email": "not-an-email", "password": PASSWORD},
    )
    assert bad_email.json()["error"]["details"][0]["field"] == "email"


def test_an_expired_access_token_is_refused() -> None:
    api = client()
    tokens = sign_up(api)
    expired, _ = issue_access_token(
        get_settings(),
        user_id=uuid.UUID(tokens["user_id"]),
        tenant_id=uuid.UUID(tokens["tenant_id"]),
        role="owner",
        is_staff=False,
        expires_at=datetime.now(UTC) - timedelta(seconds=1),
    )
    response = api.get("/api/auth/me", headers=bearer(expired))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_forged_token_is_refused() -> None:
    api = client()
    tokens = sign_up(api)
    forged = tokens["access_token"][:-4] + "AAAA"
    assert api.get("/api/auth/me", headers=bearer(forged)).status_code == 401


def test_refresh_rotates_and_a_reused_token_ends_the_session() -> None:
    api = client()
    first = sign_up(api)
    second = api.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert api.get("/api/auth/me", headers=bearer(second["access_token"])).status_code == 200

    with platform_session("test: the first token was traded a minute ago") as s:
        s.execute(
            update(RefreshToken)
            .where(col(RefreshToken.replaced_at).is_not(None))
            .values(replaced_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    reuse = api.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert "used twice" in reuse.json()["error"]["message"]
    # The thief's replay also killed the legitimate newer token of the same session.
    after = api.post("/api/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


def test_logout_ends_one_session_and_logout_everywhere_ends_all() -> None:
    api = client()
    one = sign_up(api)
    two = login(api, "ann@alpha.example").json()
    assert (
        api.post("/api/auth/logout", json={"refresh_token": one["refresh_token"]}).status_code
        == 204
    )
    assert (
        api.post("/api/auth/refresh", json={"refresh_token": one["refresh_token"]}).status_code
        == 401
    )
    three = api.post("/api/auth/refresh", json={"refresh_token": two["refresh_token"]}).json()
    out = api.post("/api/auth/logout-everywhere", headers=bearer(three["access_token"]))
    assert out.status_code == 204
    assert (
        api.post("/api/auth/refresh", json={"refresh_token": three["refresh_token"]}).status_code
        == 401
    )


def test_repeated_failures_lock_the_account_until_the_lock_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("LOGIN_LOCKOUT_SECONDS", "2")
    get_settings.cache_clear()
    api = client()
    sign_up(api)
    for _ in range(3):
        assert login(api, "ann@alpha.example", "wrong password!").status_code == 401
    locked = login(api, "ann@alpha.example")
    assert locked.status_code == 429
    assert "locked" in locked.json()["error"]["message"]
    assert 0 < int(locked.headers["retry-after"]) <= 2
    time.sleep(2.2)
    assert login(api, "ann@alpha.example").status_code == 200
    get_settings.cache_clear()


def test_a_good_login_clears_earlier_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "3")
    get_settings.cache_clear()
    api = client()
    sign_up(api)
    for _ in range(2):
        login(api, "ann@alpha.example", "wrong password!")
    assert login(api, "ann@alpha.example").status_code == 200
    for _ in range(2):
        login(api, "ann@alpha.example", "wrong password!")
    assert login(api, "ann@alpha.example").status_code == 200
    get_settings.cache_clear()


def test_too_many_attempts_from_one_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_ATTEMPTS_PER_IP_PER_MINUTE", "3")
    get_settings.cache_clear()
    api = client()
    for n in range(3):
        assert login(api, f"nobody{n}@example.com").status_code == 401
    assert login(api, "nobody@example.com").status_code == 429
    get_settings.cache_clear()


def test_unknown_email_and_wrong_password_look_the_same() -> None:
    api = client()
    sign_up(api)
    unknown = login(api, "ghost@example.com").json()["error"]
    wrong = login(api, "ann@alpha.example", "wrong password!").json()["error"]
    assert unknown == wrong


def test_password_reset_works_once_and_unlocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGIN_MAX_FAILURES", "2")
    get_settings.cache_clear()
    api = client()
    old = sign_up(api)
    for _ in range(2):
        login(api, "ann@alpha.example", "wrong password!")
    assert login(api, "ann@alpha.example").status_code == 429

    assert (
        api.post("/api/auth/password-reset", json={"email": "ann@alpha.example"}).status_code == 202
    )
    token = last_link("ann@alpha.example", "/reset-password")
    new_password = "a brand new password"
    body = {"token": token, "new_password": new_password}
    assert api.post("/api/auth/password-reset/confirm", json=body).status_code == 204
    assert login(api, "ann@alpha.example", new_password).status_code == 200
    assert login(api, "ann@alpha.example").status_code == 401
    # Old sessions end with a reset.
    assert (
        api.post("/api/auth/refresh", json={"refresh_token": old["refresh_token"]}).status_code
        == 401
    )
    again = api.post("/api/auth/password-reset/confirm", json=body)
    assert again.status_code == 422
    assert "only once" in again.json()["error"]["message"]
    get_settings.cache_clear()


def test_an_expired_reset_link_is_refused() -> None:
    api = client()
    sign_up(api)
    api.post("/api/auth/password-reset", json={"email": "ann@alpha.example"})
    token = last_link("ann@alpha.example", "/reset-password")
    with platform_session("test expires reset") as s:
        s.execute(update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    response = api.post(
        "/api/auth/password-reset/confirm",
        json={"token": token, "new_password": "another password"},
    )
    assert response.status_code == 422
    assert "expired" in response.json()["error"]["message"]


def test_reset_for_an_unknown_email_says_nothing_and_sends_nothing() -> None:
    api = client()
    assert (
        api.post("/api/auth/password-reset", json={"email": "ghost@example.com"}).status_code == 202
    )
    with platform_session("test") as s:
        from voice_platform.services.email import outbox

        assert outbox(s, principal=Principal.operator()) == []


def test_smtp_delivers_instead_of_the_outbox(
    servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list[str] = []

    class Collect(Message):
        def handle_message(self, message) -> None:  # type: ignore[no-untyped-def]
            received.append(message.as_string())

    from voice_platform.runtime.embedded import free_port

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(port))
        monkeypatch.setenv("SMTP_STARTTLS", "false")
        get_settings.cache_clear()
        api = client()
        sign_up(api)
        api.post("/api/auth/password-reset", json={"email": "ann@alpha.example"})
    finally:
        controller.stop()
        get_settings.cache_clear()
    assert len(received) == 1
    message = email.message_from_string(received[0])
    assert message["To"] == "ann@alpha.example"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "/reset-password?token=vpp_" in body
    with platform_session("test") as s:
        from voice_platform.services.email import outbox

        assert outbox(s, principal=Principal.operator()) == []


def test_two_tabs_refreshing_at_once_keep_the_session() -> None:
    api = client()
    first = sign_up(api)
    tab_one = api.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    tab_two = api.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert tab_one.status_code == 200
    assert tab_two.status_code == 200
    for tab in (tab_one, tab_two):
        again = api.post("/api/auth/refresh", json={"refresh_token": tab.json()["refresh_token"]})
        assert again.status_code == 200


def test_logout_everywhere_also_ends_live_access_tokens() -> None:
    api = client()
    tokens = sign_up(api)
    other_device = login(api, "ann@alpha.example").json()
    time.sleep(1.1)  # tokens carry whole seconds; the cut-off falls after these
    assert (
        api.post("/api/auth/logout-everywhere", headers=bearer(tokens["access_token"])).status_code
        == 204
    )
    for token in (tokens["access_token"], other_device["access_token"]):
        response = api.get("/api/auth/me", headers=bearer(token))
        assert response.status_code == 401
        assert "ended" in response.json()["error"]["message"]
    fresh = login(api, "ann@alpha.example").json()
    assert api.get("/api/auth/me", headers=bearer(fresh["access_token"])).status_code == 200


def test_reset_emails_are_limited_per_account_and_address() -> None:
    api = client()
    sign_up(api)
    for _ in range(5):
        assert (
            api.post("/api/auth/password-reset", json={"email": "ann@alpha.example"}).status_code
            == 202
        )
    with platform_session("test") as s:
        from voice_platform.services.email import outbox

        sent = outbox(s, principal=Principal.operator(), to="ann@alpha.example")
    assert len(sent) == 3
    for n in range(5):
        api.post("/api/auth/password-reset", json={"email": f"other{n}@example.com"})
    refused = api.post("/api/auth/password-reset", json={"email": "last@example.com"})
    assert refused.status_code == 429
