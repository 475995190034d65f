"""What services raise when a request cannot be met. Routes turn these into HTTP errors,
pages into form errors; each message is written for the person who will read it."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self, message: str, *, field: str | None = None, details: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # Several problems at once (an import): each a dict naming where and what.
        self.details = details


class InvalidInput(ServiceError):
    status = 422
    code = "validation_error"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class RateLimited(ServiceError):
    status = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
