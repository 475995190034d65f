"""Phone numbers without a phone company: numbers from the range North America keeps for
fiction (555-0100 to 555-0199 in every area code; 800-555-01xx toll-free), bought, pointed
and released like real ones. Calls to them are placed from the browser or the CLI.

Which numbers are taken is the platform's own record (the phone_numbers table), so the
provider asks through `taken`; ownership is kept by the numbers service, as for Twilio."""

from __future__ import annotations

import re
from collections.abc import Callable

from voice_platform.providers.errors import BadRequest
from voice_platform.providers.phone.base import (
    AvailableNumber,
    NumberQuery,
    OwnedNumber,
    Webhooks,
)

FICTIONAL = range(100, 200)  # 555-0100 … 555-0199
TOLL_FREE = "800"
DEFAULT_AREA_CODES = ("512", "415", "212", "312", "206")
# A few area codes per state or province, for searching by region.
REGIONS: dict[str, tuple[str, ...]] = {
    "AZ": ("602", "480"), "CA": ("415", "213", "619"), "CO": ("303", "720"),
    "FL": ("305", "407"), "GA": ("404", "678"), "IL": ("312", "630"), "MA": ("617", "508"),
    "MI": ("313", "616"), "MN": ("612", "651"), "NC": ("828", "919"), "NY": ("212", "718"),
    "OH": ("614", "216"), "OR": ("503", "541"), "PA": ("215", "412"), "TN": ("615", "901"),
    "TX": ("512", "214", "713"), "VA": ("703", "804"), "WA": ("206", "509"),
    "ON": ("416", "613"), "BC": ("604", "250"),
}  # fmt: skip
AREA_CODE = re.compile(r"^[2-9]\d{2}$")

Taken = Callable[[list[str]], set[str]]


def friendly(number: str) -> str:
    """+15125550147 → (512) 555-0147."""
    digits = number[-10:]
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def is_fictional(number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return (
        len(digits) == 11
        and digits[0] == "1"
        and digits[4:7] == "555"
        and int(digits[7:]) in FICTIONAL
    )


class SandboxPhone:
    name = "sandbox"

    def __init__(self, taken: Taken) -> None:
        self._taken = taken

    def _area_codes(self, query: NumberQuery) -> tuple[str, ...]:
        if query.toll_free:
            return (TOLL_FREE,)
        if query.area_code:
            if not AREA_CODE.match(query.area_code):
                raise BadRequest("An area code is three digits and does not start with 0 or 1")
            return (query.area_code,)
        if query.region:
            region = query.region.strip().upper()
            if region not in REGIONS:
                raise BadRequest(
                    f"No sandbox numbers for the region {query.region}; search by area code"
                )
            return REGIONS[region]
        return DEFAULT_AREA_CODES

    def search(self, query: NumberQuery) -> list[AvailableNumber]:
        if query.country.upper() not in ("US", "CA"):
            raise BadRequest("Sandbox numbers are North American (US or CA)")
        contains = re.sub(r"\D", "", query.contains or "")
        candidates = [
            f"+1{area}555{line:04d}" for area in self._area_codes(query) for line in FICTIONAL
        ]
        candidates = [n for n in candidates if contains in n[2:]]
        taken = self._taken(candidates)
        free = [n for n in candidates if n not in taken]
        region = next((r for r, codes in REGIONS.items() if free and free[0][2:5] in codes), None)
        return [
            AvailableNumber(number=n, friendly_name=friendly(n), region=region, country="US")
            for n in free[: max(1, min(query.limit, 50))]
        ]

    def buy(self, number: str, webhooks: Webhooks) -> OwnedNumber:
        if not is_fictional(number):
            raise BadRequest(f"{number} is not a sandbox number (they are 555-0100 to 555-0199)")
        if self._taken([number]):
            raise BadRequest(f"{friendly(number)} is no longer available; search again")
        return self._owned(number, webhooks)

    def configure(self, sid: str, webhooks: Webhooks) -> OwnedNumber:
        number = "+" + sid.removeprefix("SB")
        if not is_fictional(number):
            raise BadRequest(f"Not a sandbox number id: {sid}")
        return self._owned(number, webhooks)

    def release(self, sid: str) -> None:
        if not is_fictional("+" + sid.removeprefix("SB")):
            raise BadRequest(f"Not a sandbox number id: {sid}")

    def numbers(self) -> list[OwnedNumber]:
        """The sandbox keeps no account of its own: the platform's records are the list."""
        return []

    @staticmethod
    def _owned(number: str, webhooks: Webhooks) -> OwnedNumber:
        return OwnedNumber(
            sid="SB" + number.removeprefix("+"),
            number=number,
            friendly_name=friendly(number),
            voice_url=webhooks.voice_url,
            status_callback=webhooks.status_callback,
            voice_method=webhooks.voice_method,
        )
