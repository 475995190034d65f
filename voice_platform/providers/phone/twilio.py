"""Phone numbers from Twilio, through its official SDK (REST API 2010-04-01).

The SDK neither retries nor lets a caller see response headers, so its HTTP client is replaced
by one that retries 429s and server errors (honouring Retry-After), can talk to another host
than api.twilio.com (local fakes in tests), and turns rate limits and unreachable servers into
provider errors itself: it is the only place that sees the Retry-After header. Every other
Twilio error becomes a provider error in `_translated`, with a message a business owner can act
on."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.base.version import Version
from twilio.http.http_client import TwilioHttpClient as SdkHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from voice_platform.providers.errors import (
    AuthenticationFailed,
    BadRequest,
    ProviderError,
    ProviderNotFound,
    QuotaExceeded,
    RateLimited,
    Unavailable,
)
from voice_platform.providers.phone.base import AvailableNumber, NumberQuery, OwnedNumber, Webhooks

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
# A Retry-After longer than this is not waited out inside a request someone is waiting on:
# the caller gets RateLimited with the delay and decides.
MAX_WAIT_SECONDS = 5.0
TIMEOUT_SECONDS = 15.0
CAPABILITIES = ("voice", "sms", "mms", "fax")

# A Twilio resource path ends in the resource's SID (two capitals and 32 hex digits); a POST
# anywhere else creates something, such as buying a number, and is not repeated blindly.
RESOURCE_PATH = re.compile(r"/[A-Z]{2}[0-9a-fA-F]{32}\.json$")

# The SDK puts "Unable to create record: " and the like before what Twilio said.
SDK_PREFIX = re.compile(r"^Unable to \w+ (record|page): ")

NUMBER_UNAVAILABLE = 21422
# Codes that mean the account cannot pay or may not own more; from Twilio's error pages as
# quoted in public issue threads (10001 account not active, e.g. an empty balance; 21404 trial
# accounts may own one number only).
QUOTA_CODES = {10001, 21404}
READABLE: dict[int, str] = {
    21421: "That phone number is not valid.",
    NUMBER_UNAVAILABLE: "That number is no longer available; please pick another one.",
    10001: "The Twilio account is not active; its balance may be empty.",
    21404: "A Twilio trial account can own one number only; upgrade the account to buy more.",
}


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class TwilioHttpClient(SdkHttpClient):
    """The SDK's HTTP client, sending to `api_base_url` instead of Twilio's hosts when set,
    and retrying what is worth retrying a bounded number of times."""

    def __init__(
        self,
        api_base_url: str = "",
        *,
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
        max_wait: float = MAX_WAIT_SECONDS,
    ) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(api_base_url) if api_base_url else None
        self.attempts = attempts
        self.backoff = backoff
        self.max_wait = max_wait

    def rewritten(self, url: str) -> str:
        if self.base is None:
            return url
        parts = urlsplit(url)
        path = self.base.path.rstrip("/") + parts.path
        return urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, parts.fragment))

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        url = self.rewritten(url)
        # A server error or a lost connection may come after Twilio did the work; only a 429
        # surely means it did nothing, so only a 429 repeats a request that creates something.
        creates = method.upper() == "POST" and not RESOURCE_PATH.search(urlsplit(url).path)
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            pause = self.backoff * 2 ** (attempt - 1)
            try:
                response: Response = super().request(
                    method, url, params, data, headers, auth, timeout, allow_redirects
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last or creates:
                    raise Unavailable(
                        "Twilio could not be reached or did not answer in time; "
                        "please try again in a few minutes."
                    ) from exc
                time.sleep(pause)
                continue
            status = response.status_code
            if status != 429 and (status < 500 or creates):
                return response
            asked = retry_after_seconds((response.headers or {}).get("Retry-After"))
            wait = pause if asked is None else asked
            if last or wait > self.max_wait:
                if status == 429:
                    raise RateLimited(
                        "Twilio is receiving too many requests from this account; "
                        "please try again shortly.",
                        retry_after=asked,
                    )
                return response
            time.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")


def _capabilities(value: Any) -> tuple[str, ...]:
    if not isinstance(value, dict):
        return ()
    return tuple(name for name in CAPABILITIES if value.get(name))


def _owned(instance: Any) -> OwnedNumber:
    return OwnedNumber(
        sid=str(instance.sid),
        number=str(instance.phone_number),
        friendly_name=str(instance.friendly_name or instance.phone_number),
        voice_url=instance.voice_url or None,
        status_callback=instance.status_callback or None,
        voice_method=str(instance.voice_method or "POST"),
        capabilities=_capabilities(instance.capabilities),
    )


def _available(instance: Any, country: str) -> AvailableNumber:
    return AvailableNumber(
        number=str(instance.phone_number),
        friendly_name=str(instance.friendly_name or instance.phone_number),
        locality=instance.locality or None,
        region=instance.region or None,
        country=str(instance.iso_country or country),
        capabilities=_capabilities(instance.capabilities),
    )


def _translated(exc: TwilioException, not_found: str) -> ProviderError:
    """A Twilio error as a provider error; `not_found` is what a 404 means where it came from."""
    if len(exc.args) == 2 and isinstance(exc.args[1], Response):
        # A failed page of a list comes as a bare TwilioException holding the response; the
        # SDK's own parser reads it as it reads every other error.
        exc = Version.exception("GET", "", exc.args[1], str(exc.args[0]))
    if isinstance(exc, TwilioServiceException):
        status, code, said = exc.status, exc.code, exc.detail or exc.title
    elif isinstance(exc, TwilioRestException):
        status, code, said = exc.status, exc.code, SDK_PREFIX.sub("", str(exc.msg))
    else:
        return ProviderError(f"Twilio could not be used: {exc}")
    readable = READABLE.get(code) if isinstance(code, int) else None
    if status == 402 or code in QUOTA_CODES:
        return QuotaExceeded(readable or f"The Twilio account cannot pay for this: {said}")
    if status in (401, 403):
        return AuthenticationFailed(
            "Twilio refused the account SID and auth token; please check them in the settings."
        )
    if status == 404:
        return ProviderNotFound(not_found)
    if status == 429:
        return RateLimited("Twilio is receiving too many requests; please try again shortly.")
    if status >= 500:
        return Unavailable("Twilio is having trouble right now; please try again in a few minutes.")
    return BadRequest(readable or f"Twilio refused the request: {said} (error {code}).")


@contextmanager
def _twilio(not_found: str) -> Iterator[None]:
    try:
        yield
    except ProviderError:
        raise
    except TwilioException as exc:
        raise _translated(exc, not_found) from exc
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # The SDK reads answers without checking their shape; a wrong one fails here.
        raise ProviderError("Twilio sent an answer this platform could not read.") from exc


class TwilioPhone:
    """PhoneProvider on a Twilio account (or subaccount)."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base_url: str = "",
        timeout: float = TIMEOUT_SECONDS,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF_SECONDS,
    ) -> None:
        self.http = TwilioHttpClient(
            api_base_url, timeout=timeout, attempts=attempts, backoff=backoff
        )
        self.client = Client(account_sid, auth_token, http_client=self.http)
        self.account = self.client.api.v2010.account

    def search(self, query: NumberQuery) -> list[AvailableNumber]:
        country = self.account.available_phone_numbers(query.country)
        kind = country.toll_free if query.toll_free else country.local
        filters: dict[str, Any] = {"voice_enabled": True, "limit": query.limit}
        if query.area_code:
            filters["area_code"] = query.area_code
        if query.region:
            filters["in_region"] = query.region
        if query.contains:
            filters["contains"] = query.contains
        with _twilio(f"Twilio has no phone numbers for the country {query.country}."):
            found = kind.list(**filters)
            return [_available(instance, query.country) for instance in found]

    def buy(self, number: str, webhooks: Webhooks) -> OwnedNumber:
        try:
            with _twilio("Twilio could not find where to buy numbers for this account."):
                created = self.account.incoming_phone_numbers.create(
                    phone_number=number, **self._webhook_fields(webhooks)
                )
                return _owned(created)
        except Unavailable:
            # The purchase may have gone through before the answer was lost.
            if bought := self._owned_number(number):
                return bought
            raise

    def configure(self, sid: str, webhooks: Webhooks) -> OwnedNumber:
        with _twilio("This Twilio account does not own that number (any more)."):
            updated = self.account.incoming_phone_numbers(sid).update(
                **self._webhook_fields(webhooks)
            )
            return _owned(updated)

    def release(self, sid: str) -> None:
        with _twilio("This Twilio account does not own that number (any more)."):
            self.account.incoming_phone_numbers(sid).delete()

    def numbers(self) -> list[OwnedNumber]:
        with _twilio("Twilio does not know this account."):
            return [_owned(instance) for instance in self.account.incoming_phone_numbers.list()]

    def _owned_number(self, number: str) -> OwnedNumber | None:
        try:
            with _twilio("Twilio does not know this account."):
                found = self.account.incoming_phone_numbers.list(phone_number=number, limit=1)
                return _owned(found[0]) if found else None
        except ProviderError:
            return None

    @staticmethod
    def _webhook_fields(webhooks: Webhooks) -> dict[str, str]:
        return {
            "voice_url": webhooks.voice_url,
            "voice_method": webhooks.voice_method,
            "status_callback": webhooks.status_callback,
            "status_callback_method": "POST",
        }


def verify_signature(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    """Whether a webhook request really comes from Twilio: `url` is the full URL Twilio
    requested (with its query string), `params` the form fields it posted, `signature` the
    X-Twilio-Signature header."""
    if not auth_token or not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))
