"""The phone capability: find, buy, point and release numbers. Twilio is the real one; the
sandbox hands out numbers from a fictional range with the same lifecycle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class NumberQuery:
    """What the owner is looking for. `contains`: digits the number must have (Twilio also
    takes letters and * wildcards); `toll_free` searches the toll-free ranges instead."""

    country: str = "US"
    area_code: str | None = None
    region: str | None = None  # a state or province, e.g. "TX"
    contains: str | None = None
    toll_free: bool = False
    limit: int = 20


@dataclass(frozen=True)
class AvailableNumber:
    number: str  # E.164, e.g. +15125550147
    friendly_name: str  # as the vendor writes it, e.g. (512) 555-0147
    locality: str | None = None
    region: str | None = None
    country: str = "US"
    capabilities: tuple[str, ...] = ("voice",)


@dataclass(frozen=True)
class Webhooks:
    """Where the provider tells the platform about calls on a number."""

    voice_url: str
    status_callback: str
    voice_method: str = "POST"


@dataclass(frozen=True)
class OwnedNumber:
    sid: str  # the provider's id of the number
    number: str  # E.164
    friendly_name: str
    voice_url: str | None = None
    status_callback: str | None = None
    voice_method: str = "POST"
    capabilities: tuple[str, ...] = field(default=("voice",))


class PhoneProvider(Protocol):
    name: str

    def search(self, query: NumberQuery) -> list[AvailableNumber]:
        """Numbers that can be bought now."""
        ...

    def buy(self, number: str, webhooks: Webhooks) -> OwnedNumber:
        """Buy `number` (E.164) with its webhooks set."""
        ...

    def configure(self, sid: str, webhooks: Webhooks) -> OwnedNumber:
        """Point a number the account owns at other webhooks."""
        ...

    def release(self, sid: str) -> None:
        """Give a number back; calls to it stop reaching the platform."""
        ...

    def numbers(self) -> list[OwnedNumber]:
        """The numbers the account owns."""
        ...
