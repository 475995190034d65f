"""Pieces the agent pages share: the status badge, and the error of a nested schema."""

from __future__ import annotations

from typing import Any

import reflex as rx
from pydantic import ValidationError

STATUS_LABELS = {
    "draft": "Draft",
    "creating": "Being created",
    "active": "Active",
    "paused": "Paused",
    "failed": "Failed",
}


def status_badge(status: Any, *, testid: str = "agent-status") -> rx.Component:
    return rx.badge(
        rx.match(
            status,
            *[(value, label) for value, label in STATUS_LABELS.items()],
            status,
        ),
        color_scheme=rx.match(
            status,
            ("active", "green"),
            ("paused", "amber"),
            ("creating", "blue"),
            ("failed", "red"),
            "gray",
        ),
        size="2",
        data_testid=testid,
    )


def dotted_errors(exc: ValidationError) -> dict[str, str]:
    """Pydantic's complaints as {"voice.speed": message}: nested fields keep their path."""
    found: dict[str, str] = {}
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"])
        found.setdefault(field, str(error["msg"]).removeprefix("Value error, "))
    return found


def parse_languages(text: str) -> list[str]:
    return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
