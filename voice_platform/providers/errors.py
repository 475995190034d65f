"""What any provider can answer instead of a result. Adapters turn their vendor's errors into
these, so services, pages and the API handle one set: each carries a message for the person
who reads it, and the HTTP status the REST API answers with."""

from __future__ import annotations


class ProviderError(RuntimeError):
    """The provider could not do it; the message says why, for the person who reads it."""

    status = 502

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationFailed(ProviderError):
    """The credentials were refused."""

    status = 502


class QuotaExceeded(ProviderError):
    """The account is out of credit or over its plan."""

    status = 402


class RateLimited(ProviderError):
    """Too many requests; `retry_after` seconds is when to try again, when the vendor says."""

    status = 429

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderNotFound(ProviderError):
    """What was asked for does not exist there (a number, a voice)."""

    status = 404


class Unavailable(ProviderError):
    """The provider is down, slow or unreachable; trying later may work."""

    status = 503


class BadRequest(ProviderError):
    """The provider refused the request as asked (an invalid number, a bad voice setting)."""

    status = 400
