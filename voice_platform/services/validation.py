"""Checks on values people type, shared by the services."""

from __future__ import annotations

from pydantic import EmailStr, TypeAdapter, ValidationError

from voice_platform.services.errors import InvalidInput

_email_adapter: TypeAdapter[str] = TypeAdapter(EmailStr)


def normalize_email(email: str, *, field: str = "email") -> str:
    """The address in lower case, or InvalidInput naming `field`."""
    try:
        return _email_adapter.validate_python(email.strip()).lower()
    except ValidationError:
        raise InvalidInput("Enter a valid email address", field=field) from None
