"""The Twilio phone adapter, through the official SDK over HTTP, against the local fake. Every
request the adapter sends, and every answer it gets, is checked against the contract."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, contract_errors
from voice_platform.providers.errors import (
    AuthenticationFailed,
    BadRequest,
    ProviderError,
    ProviderNotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from voice_platform.providers.phone.base import NumberQuery, OwnedNumber, Webhooks
from voice_platform.providers.phone.twilio import TwilioHttpClient, TwilioPhone, verify_signature

HOOKS = Webhooks(
    voice_url="https://app.example.test/twilio/voice",
    status_callback="https://app.example.test/twilio/status",
)
UNKNOWN_SID = "PN" + "0" * 32


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()
    for exchange in server.requests:
        assert contract_errors(exchange) == [], f"{exchange.method} {exchange.path}"


def adapter(fake: FakeTwilio, **options: Any) -> TwilioPhone:
    settings: dict[str, Any] = {"api_base_url": fake.base_url, "backoff": 0.01, "timeout": 2}
    settings |= options
    token = settings.pop("auth_token", AUTH_TOKEN)
    return TwilioPhone(ACCOUNT_SID, token, **settings)


@pytest.fixture
def phone(fake: FakeTwilio) -> TwilioPhone:
    return adapter(fake)


def test_search_by_area_code(fake: FakeTwilio, phone: TwilioPhone) -> None:
    found = phone.search(NumberQuery(area_code="512"))
    assert [n.number for n in found] == ["+15125550100", "+15125550101", "+15125550142"]
    assert found[0].friendly_name == "(512) 555-0100"
    assert (found[0].locality, found[0].region, found[0].country) == ("Austin", "TX", "US")
    assert found[0].capabilities == ("voice", "sms", "mms")
    (sent,) = fake.requests
    assert sent.path.endswith("/AvailablePhoneNumbers/US/Local.json")
    assert sent.fields == {"AreaCode": "512", "VoiceEnabled": "true", "PageSize": "20"}
    assert sent.account == ACCOUNT_SID


def test_search_by_region(fake: FakeTwilio, phone: TwilioPhone) -> None:
    found = phone.search(NumberQuery(region="CO"))
    assert [(n.number, n.locality) for n in found] == [
        ("+13035550111", "Denver"),
        ("+13035550188", "Denver"),
    ]
    assert fake.requests[0].fields["InRegion"] == "CO"


def test_search_by_digits_the_number_contains(fake: FakeTwilio, phone: TwilioPhone) -> None:
    assert [n.number for n in phone.search(NumberQuery(contains="0142"))] == ["+15125550142"]
    assert fake.requests[0].fields["Contains"] == "0142"


def test_search_toll_free_with_a_limit(fake: FakeTwilio, phone: TwilioPhone) -> None:
    found = phone.search(NumberQuery(toll_free=True, limit=2))
    assert [n.number for n in found] == ["+18005550199", "+18885550102"]
    assert found[0].region is None
    assert fake.requests[0].path.endswith("/AvailablePhoneNumbers/US/TollFree.json")
    assert fake.requests[0].fields["PageSize"] == "2"


def test_a_search_with_no_match_is_empty(phone: TwilioPhone) -> None:
    assert phone.search(NumberQuery(area_code="999")) == []


def test_buy_sets_the_webhooks(fake: FakeTwilio, phone: TwilioPhone) -> None:
    owned = phone.buy("+15125550100", HOOKS)
    assert owned.number == "+15125550100"
    assert owned.sid.startswith("PN")
    assert (owned.voice_url, owned.status_callback, owned.voice_method) == (
        HOOKS.voice_url,
        HOOKS.status_callback,
        "POST",
    )
    (sent,) = fake.requests
    assert sent.method == "POST"
    assert sent.content_type.startswith("application/x-www-form-urlencoded")
    assert sent.fields == {
        "PhoneNumber": "+15125550100",
        "VoiceUrl": HOOKS.voice_url,
        "VoiceMethod": "POST",
        "StatusCallback": HOOKS.status_callback,
        "StatusCallbackMethod": "POST",
    }
    stored = fake.numbers_of()[owned.sid]
    assert (stored["voice_url"], stored["status_callback"]) == (
        HOOKS.voice_url,
        HOOKS.status_callback,
    )


def test_configure_points_the_number_elsewhere(fake: FakeTwilio, phone: TwilioPhone) -> None:
    owned = phone.buy("+15125550100", HOOKS)
    moved = Webhooks("https://new.example.test/voice", "https://new.example.test/status", "GET")
    updated = phone.configure(owned.sid, moved)
    assert updated == OwnedNumber(
        sid=owned.sid,
        number="+15125550100",
        friendly_name="(512) 555-0100",
        voice_url=moved.voice_url,
        status_callback=moved.status_callback,
        voice_method="GET",
        capabilities=("voice", "sms", "mms"),
    )
    assert fake.numbers_of()[owned.sid]["voice_method"] == "GET"
    assert fake.requests[-1].path.endswith(f"/IncomingPhoneNumbers/{owned.sid}.json")


def test_release_gives_the_number_back(fake: FakeTwilio, phone: TwilioPhone) -> None:
    owned = phone.buy("+15125550100", HOOKS)
    phone.release(owned.sid)
    assert fake.numbers_of() == {}
    assert fake.requests[-1].method == "DELETE"
    assert phone.numbers() == []


def test_numbers_lists_every_page(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.max_page_size = 2
    bought = [phone.buy(n, HOOKS) for n in ("+15125550100", "+12125550175", "+18005550199")]
    assert phone.numbers() == bought
    pages = [e for e in fake.requests if e.method == "GET"]
    # The SDK follows next_page_uri to api.twilio.com; the client sent it to the fake too.
    assert [e.fields.get("Page") for e in pages] == [None, "1"]


def test_wrong_credentials(fake: FakeTwilio) -> None:
    with pytest.raises(AuthenticationFailed, match="check them in the settings"):
        adapter(fake, auth_token="wrong").numbers()
    assert len(fake.requests) == 1


@pytest.mark.parametrize("operation", ["configure", "release"])
def test_a_number_the_account_does_not_own(phone: TwilioPhone, operation: str) -> None:
    with pytest.raises(ProviderNotFound, match="does not own that number"):
        if operation == "configure":
            phone.configure(UNKNOWN_SID, HOOKS)
        else:
            phone.release(UNKNOWN_SID)


def test_a_429_is_retried_after_the_delay_it_asks_for(fake: FakeTwilio, phone: TwilioPhone) -> None:
    # The back-off is 0.01 s here: a gap of a second shows Retry-After ruled.
    fake.fail_next = [429]
    fake.retry_after = 1
    assert [n.number for n in phone.search(NumberQuery(area_code="737"))] == ["+17375550123"]
    first, second = fake.requests
    assert second.at - first.at >= 0.95


def test_rate_limited_after_the_last_try(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [429, 429, 429]
    with pytest.raises(RateLimited) as raised:
        phone.numbers()
    assert raised.value.retry_after == 0
    assert raised.value.status == 429
    assert len(fake.requests) == 3


def test_a_long_retry_after_is_not_waited_out(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [429]
    fake.retry_after = 60
    with pytest.raises(RateLimited) as raised:
        phone.numbers()
    assert raised.value.retry_after == 60
    assert len(fake.requests) == 1


def test_a_429_on_buying_is_retried(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [429]
    assert phone.buy("+15125550100", HOOKS).number == "+15125550100"
    assert [e.status for e in fake.requests] == [429, 201]


def test_an_unavailable_number(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.unavailable = {"+15125550100"}
    with pytest.raises(BadRequest, match="no longer available; please pick another one"):
        phone.buy("+15125550100", HOOKS)
    assert len(fake.requests) == 1


def test_another_refusal_says_what_twilio_said(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [400]
    with pytest.raises(BadRequest, match=r"refused the request: Fake failure.*\(error 20400\)"):
        phone.buy("+15125550100", HOOKS)
    assert len(fake.requests) == 1


def test_server_errors_are_retried(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [500, 503]
    assert phone.numbers() == []
    assert [e.status for e in fake.requests] == [500, 503, 200]


def test_server_errors_until_the_last_try_are_unavailable(
    fake: FakeTwilio, phone: TwilioPhone
) -> None:
    fake.fail_next = [500, 500, 500]
    with pytest.raises(Unavailable, match="try again in a few minutes"):
        phone.numbers()
    assert len(fake.requests) == 3


def test_buying_is_not_repeated_after_a_server_error(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [500]
    with pytest.raises(Unavailable):
        phone.buy("+15125550100", HOOKS)
    # One purchase attempt, then a look whether it went through anyway.
    assert [(e.method, e.status) for e in fake.requests] == [("POST", 500), ("GET", 200)]
    assert fake.numbers_of() == {}


def test_a_purchase_whose_answer_was_lost_is_found(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next_after_work = [500]
    owned = phone.buy("+15125550100", HOOKS)
    assert owned.number == "+15125550100"
    assert owned.voice_url == HOOKS.voice_url
    assert [e.method for e in fake.requests] == ["POST", "GET"]


def test_a_slow_twilio_times_out_as_unavailable(fake: FakeTwilio) -> None:
    fake.latency = 0.4
    with pytest.raises(Unavailable, match="did not answer in time"):
        adapter(fake, timeout=0.1).numbers()
    assert len(fake.requests) == 3


def test_an_unreachable_twilio_is_unavailable() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    unreachable = f"http://127.0.0.1:{port}"
    phone = TwilioPhone(ACCOUNT_SID, AUTH_TOKEN, api_base_url=unreachable, backoff=0.01)
    with pytest.raises(Unavailable):
        phone.numbers()


def test_a_trial_account_cannot_buy_a_second_number(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.trial = True
    phone.buy("+15125550100", HOOKS)
    with pytest.raises(QuotaExceeded, match="trial account can own one number") as raised:
        phone.buy("+15125550101", HOOKS)
    assert raised.value.status == 402


def test_payment_required_is_quota(fake: FakeTwilio, phone: TwilioPhone) -> None:
    fake.fail_next = [402]
    with pytest.raises(QuotaExceeded, match="cannot pay"):
        phone.buy("+15125550100", HOOKS)


def test_an_answer_of_the_wrong_shape_is_a_provider_error(
    fake: FakeTwilio, phone: TwilioPhone
) -> None:
    fake.malformed = True
    with pytest.raises(ProviderError, match="could not read"):
        phone.search(NumberQuery(area_code="512"))
    fake.requests.clear()  # the fake broke the contract on purpose


def test_the_client_sends_twilios_urls_to_the_configured_host() -> None:
    url = "https://api.twilio.com/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1"
    assert TwilioHttpClient().rewritten(url) == url
    assert TwilioHttpClient("http://127.0.0.1:8099/twilio").rewritten(url) == (
        "http://127.0.0.1:8099/twilio/2010-04-01/Accounts/AC1/IncomingPhoneNumbers.json?Page=1"
    )


# Signature vectors from twilio-python's unit tests (shared/contracts/twilio_notes.md §4).
SIGNED_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
SIGNED_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_a_genuine_signature_verifies() -> None:
    assert verify_signature("12345", SIGNED_URL, SIGNED_PARAMS, SIGNATURE)
    ported = "http://mycompany.com:1234/myapp.php?foo=1&bar=2"
    assert verify_signature("12345", ported, SIGNED_PARAMS, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")


@pytest.mark.parametrize(
    ("token", "url", "params", "signature"),
    [
        ("12345", SIGNED_URL, {**SIGNED_PARAMS, "Digits": "9999"}, SIGNATURE),
        ("12345", SIGNED_URL.replace("foo=1", "foo=2"), SIGNED_PARAMS, SIGNATURE),
        ("54321", SIGNED_URL, SIGNED_PARAMS, SIGNATURE),
        ("12345", SIGNED_URL, SIGNED_PARAMS, ""),
        ("", SIGNED_URL, SIGNED_PARAMS, SIGNATURE),
    ],
    ids=["tampered-param", "tampered-url", "other-token", "no-signature", "no-token"],
)
def test_a_tampered_request_does_not_verify(
    token: str, url: str, params: dict[str, str], signature: str
) -> None:
    assert not verify_signature(token, url, params, signature)
