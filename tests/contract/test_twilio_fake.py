"""The fake Twilio API against shared/contracts/twilio_api_v2010.subset.json, checked with
openapi-core: each operation's request and answer, the adapter's requests, the error bodies,
and proof that the checker fails on an answer of the wrong shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.fakes.twilio_server import (
    ACCOUNT_SID,
    ACCOUNTS,
    AUTH_TOKEN,
    Exchange,
    FakeTwilio,
    contract_errors,
)
from voice_platform.providers.phone.base import NumberQuery, Webhooks
from voice_platform.providers.phone.twilio import TwilioPhone

ACCOUNT = f"{ACCOUNTS}/{ACCOUNT_SID}"
LOCAL = f"{ACCOUNT}/AvailablePhoneNumbers/US/Local.json"
TOLL_FREE = f"{ACCOUNT}/AvailablePhoneNumbers/US/TollFree.json"
NUMBERS = f"{ACCOUNT}/IncomingPhoneNumbers.json"
WEBHOOKS = {
    "VoiceUrl": "https://app.example.test/twilio/voice",
    "VoiceMethod": "POST",
    "StatusCallback": "https://app.example.test/twilio/status",
    "StatusCallbackMethod": "POST",
}


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


def send(
    fake: FakeTwilio,
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    auth: tuple[str, str] = (ACCOUNT_SID, AUTH_TOKEN),
) -> Exchange:
    """A request as the Twilio SDK sends it; returns what the fake recorded of it."""
    requests.request(method, fake.base_url + path, params=query, data=form, auth=auth, timeout=5)
    return fake.requests[-1]


def bought(fake: FakeTwilio, number: str = "+15125550100") -> str:
    exchange = send(fake, "POST", NUMBERS, form={"PhoneNumber": number, **WEBHOOKS})
    assert exchange.status == 201, exchange.answer
    return str(exchange.json()["sid"])


def number_path(sid: str) -> str:
    return f"{ACCOUNT}/IncomingPhoneNumbers/{sid}.json"


SEARCHES: list[tuple[str, dict[str, str]]] = [
    (LOCAL, {"AreaCode": "512", "VoiceEnabled": "true", "PageSize": "20"}),
    (LOCAL, {"InRegion": "CO"}),
    (LOCAL, {"Contains": "0142"}),
    (LOCAL, {"AreaCode": "999"}),
    (TOLL_FREE, {"PageSize": "2"}),
]


@pytest.mark.parametrize(("path", "query"), SEARCHES, ids=lambda v: str(v).rsplit("/", 1)[-1])
def test_searches_answer_in_the_contracts_shape(
    fake: FakeTwilio, path: str, query: dict[str, str]
) -> None:
    exchange = send(fake, "GET", path, query=query)
    assert exchange.status == 200
    assert contract_errors(exchange) == []


def test_search_filters_like_twilio(fake: FakeTwilio) -> None:
    def numbers(path: str, **query: str) -> list[str]:
        body = send(fake, "GET", path, query=query).json()
        return [row["phone_number"] for row in body["available_phone_numbers"]]

    assert numbers(LOCAL, AreaCode="512") == ["+15125550100", "+15125550101", "+15125550142"]
    assert numbers(LOCAL, InRegion="CO") == ["+13035550111", "+13035550188"]
    assert numbers(LOCAL, Contains="0142") == ["+15125550142"]
    assert numbers(LOCAL, Contains="+737") == ["+17375550123"]
    assert numbers(LOCAL, AreaCode="512", SmsEnabled="false") == ["+15125550142"]
    assert numbers(TOLL_FREE, PageSize="2") == ["+18005550199", "+18885550102"]


def test_every_number_operation_answers_in_the_contracts_shape(fake: FakeTwilio) -> None:
    sid = bought(fake)
    send(fake, "GET", NUMBERS)
    send(fake, "GET", NUMBERS, query={"PhoneNumber": "+15125550100"})
    send(fake, "GET", number_path(sid))
    send(fake, "POST", number_path(sid), form={"VoiceUrl": "https://app.example.test/v2"})
    send(fake, "DELETE", number_path(sid))
    assert [e.status for e in fake.requests] == [201, 200, 200, 200, 200, 204]
    for exchange in fake.requests:
        assert contract_errors(exchange) == [], exchange.path


def test_pages_link_to_each_other_in_the_contracts_shape(fake: FakeTwilio) -> None:
    fake.max_page_size = 2
    for number in ("+15125550100", "+15125550101", "+12125550175"):
        bought(fake, number)
    first = send(fake, "GET", NUMBERS).json()
    assert len(first["incoming_phone_numbers"]) == 2
    second = send(fake, "GET", first["next_page_uri"].split("?")[0], query={"Page": "1"})
    assert [row["phone_number"] for row in second.json()["incoming_phone_numbers"]] == [
        "+12125550175"
    ]
    assert second.json()["next_page_uri"] is None
    assert contract_errors(second) == []


@pytest.mark.parametrize("operation", ["search", "list", "buy", "fetch", "update"])
def test_the_malformed_knob_breaks_the_shape_and_the_checker_sees_it(
    fake: FakeTwilio, operation: str
) -> None:
    sid = bought(fake, "+12125550175")
    fake.malformed = True
    requests_for: dict[str, Any] = {
        "search": ("GET", LOCAL, {"query": {"AreaCode": "512"}}),
        "list": ("GET", NUMBERS, {}),
        "buy": ("POST", NUMBERS, {"form": {"PhoneNumber": "+15125550101"}}),
        "fetch": ("GET", number_path(sid), {}),
        "update": ("POST", number_path(sid), {"form": {"VoiceMethod": "GET"}}),
    }
    method, path, options = requests_for[operation]
    exchange = send(fake, method, path, **options)
    assert exchange.status in (200, 201)
    assert contract_errors(exchange) != []


def test_the_checker_refuses_a_request_outside_the_contract(fake: FakeTwilio) -> None:
    exchange = send(
        fake, "POST", NUMBERS, form={"PhoneNumber": "+15125550100", "VoiceMethod": "PUT"}
    )
    assert exchange.status == 400
    assert contract_errors(exchange) != []


@pytest.mark.parametrize(
    ("path", "options", "problem"),
    [
        (LOCAL, {"query": {"AreaCode": "abc"}}, "AreaCode"),
        (LOCAL, {"query": {"AreCode": "512"}}, "Unknown parameters: AreCode"),
        (NUMBERS, {"form": {"PhoneNumber": "+15125550100", "VoiceUrll": "x"}}, "VoiceUrll"),
    ],
)
def test_requests_twilio_would_refuse_are_refused(
    fake: FakeTwilio, path: str, options: dict[str, Any], problem: str
) -> None:
    method = "POST" if "form" in options else "GET"
    exchange = send(fake, method, path, **options)
    assert exchange.status == 400
    assert problem in exchange.json()["message"]


def test_wrong_credentials_get_twilios_401(fake: FakeTwilio) -> None:
    exchange = send(fake, "GET", NUMBERS, auth=(ACCOUNT_SID, "not-the-token"))
    assert exchange.status == 401
    assert exchange.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert contract_errors(exchange) == []


def test_another_accounts_numbers_are_not_found(fake: FakeTwilio) -> None:
    other = "AC" + "f" * 32
    fake.accounts[other] = "other-token"
    exchange = send(fake, "GET", NUMBERS, auth=(other, "other-token"))
    assert exchange.status == 404
    assert exchange.json()["code"] == 20404


def test_an_unknown_number_is_a_404(fake: FakeTwilio) -> None:
    exchange = send(fake, "DELETE", number_path("PN" + "0" * 32))
    assert exchange.status == 404
    assert exchange.json()["code"] == 20404
    assert contract_errors(exchange) == []


def test_an_unavailable_number_is_a_400_with_code_21422(fake: FakeTwilio) -> None:
    fake.unavailable = {"+15125550100"}
    exchange = send(fake, "POST", NUMBERS, form={"PhoneNumber": "+15125550100"})
    assert (exchange.status, exchange.json()["code"]) == (400, 21422)
    listed = send(fake, "GET", LOCAL, query={"AreaCode": "512"}).json()
    assert "+15125550100" not in [row["phone_number"] for row in listed["available_phone_numbers"]]


def test_a_bought_number_is_no_longer_for_sale(fake: FakeTwilio) -> None:
    bought(fake)
    again = send(fake, "POST", NUMBERS, form={"PhoneNumber": "+15125550100"})
    assert (again.status, again.json()["code"]) == (400, 21422)


def test_a_trial_account_owns_one_number(fake: FakeTwilio) -> None:
    fake.trial = True
    bought(fake)
    second = send(fake, "POST", NUMBERS, form={"PhoneNumber": "+15125550101"})
    assert (second.status, second.json()["code"]) == (400, 21404)


def test_fail_next_answers_429_with_retry_after_then_works(fake: FakeTwilio) -> None:
    fake.fail_next = [429, 500]
    fake.retry_after = 3
    first = send(fake, "GET", NUMBERS)
    assert first.status == 429
    assert first.answer_headers["Retry-After"] == "3"
    assert first.json()["code"] == 20429
    assert send(fake, "GET", NUMBERS).status == 500
    assert send(fake, "GET", NUMBERS).status == 200


def test_a_lost_answer_still_does_the_work(fake: FakeTwilio) -> None:
    fake.fail_next_after_work = [500]
    exchange = send(fake, "POST", NUMBERS, form={"PhoneNumber": "+15125550100"})
    assert exchange.status == 500
    assert [n["phone_number"] for n in fake.numbers_of().values()] == ["+15125550100"]


def test_latency_delays_the_answer(fake: FakeTwilio) -> None:
    fake.latency = 0.2
    started = requests.get(fake.base_url + NUMBERS, auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5)
    assert started.elapsed.total_seconds() >= 0.2


def test_the_adapters_requests_and_the_answers_they_get_meet_the_contract(
    fake: FakeTwilio,
) -> None:
    phone = TwilioPhone(ACCOUNT_SID, AUTH_TOKEN, api_base_url=fake.base_url)
    hooks = Webhooks(WEBHOOKS["VoiceUrl"], WEBHOOKS["StatusCallback"])
    phone.search(NumberQuery(area_code="512", region="TX", contains="0100"))
    phone.search(NumberQuery(toll_free=True, limit=1))
    owned = phone.buy("+15125550100", hooks)
    phone.configure(owned.sid, Webhooks("https://app.example.test/v2", hooks.status_callback))
    phone.numbers()
    phone.release(owned.sid)
    assert len(fake.requests) == 6
    for exchange in fake.requests:
        assert contract_errors(exchange) == [], exchange.path
