"""Small helpers for the account tests: an API client and the outbox."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from voice_platform.api import create_api
from voice_platform.db import platform_session
from voice_platform.services.email import outbox
from voice_platform.services.principal import Principal

PASSWORD = "correct horse battery"


def client() -> TestClient:
    return TestClient(create_api(), raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(api: TestClient, email: str = "ann@alpha.example", business: str = "Alpha") -> Any:
    response = api.post(
        "/api/auth/register",
        json={"business_name": business, "email": email, "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    return response.json()


def login(api: TestClient, email: str, password: str = PASSWORD) -> Any:
    return api.post("/api/auth/login", json={"email": email, "password": password})


def last_link(to: str, path: str) -> str:
    """The token of the newest emailed link to `path` for `to`."""
    with platform_session("test reads outbox") as session:
        emails = outbox(session, principal=Principal.operator(), to=to)
    assert emails, f"no email to {to}"
    match = re.search(rf"{re.escape(path)}\?token=(\S+)", emails[0].body)
    assert match, emails[0].body
    return match.group(1)
