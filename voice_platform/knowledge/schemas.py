"""The 18 knowledge categories: structured fields where the domain has them, plus free-text
facts. Every item carries its provenance: where it came from and how sure we are."""

from __future__ import annotations

import enum
import re
import uuid
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORMAT: Literal["voice-platform.kb/1"] = "voice-platform.kb/1"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
CURRENCY = re.compile(r"^[A-Z]{3}$")

Text = Annotated[str, Field(min_length=1, max_length=2000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]


class Strict(BaseModel):
    """Unknown fields are errors: an import with a typo must not lose data silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Method(enum.StrEnum):
    STRUCTURED_DATA = "structured_data"
    PAGE_TEXT = "page_text"
    MODEL = "model"
    OWNER = "owner"


class Provenance(Strict):
    source_url: str | None = Field(default=None, max_length=2000)
    snippet: str | None = Field(default=None, max_length=1000)
    method: Method = Method.OWNER
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    updated_at: datetime | None = None


def new_id() -> str:
    return uuid.uuid4().hex[:12]


class Item(Strict):
    """Anything the agent may say: it has an id (for editing) and a provenance."""

    id: str = Field(default_factory=new_id, min_length=1, max_length=40)
    provenance: Provenance = Field(default_factory=Provenance)


class Fact(Item):
    text: Text


class Category(Strict):
    facts: list[Fact] = Field(default_factory=list)


# --- profile, contact, locations ---------------------------------------------------------


class Profile(Category):
    name: str | None = Field(default=None, max_length=200)
    legal_name: str | None = Field(default=None, max_length=200)
    tagline: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    founded_year: int | None = Field(default=None, ge=1600, le=2100)
    website: str | None = Field(default=None, max_length=2000)


class Phone(Item):
    label: str = Field(default="main", max_length=60)
    number: ShortText


class EmailAddress(Item):
    label: str = Field(default="main", max_length=60)
    address: ShortText


class SocialLink(Item):
    network: str = Field(max_length=60)
    url: ShortText


class Contact(Category):
    phones: list[Phone] = Field(default_factory=list)
    emails: list[EmailAddress] = Field(default_factory=list)
    social: list[SocialLink] = Field(default_factory=list)


class Location(Item):
    name: str | None = Field(default=None, max_length=200)
    street: str | None = Field(default=None, max_length=300)
    unit: str | None = Field(default=None, max_length=100)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=100)
    directions: str | None = Field(default=None, max_length=2000)
    parking: str | None = Field(default=None, max_length=1000)


class Locations(Category):
    locations: list[Location] = Field(default_factory=list)
    service_area: list[ShortText] = Field(default_factory=list)


# --- hours ----------------------------------------------------------------------------------


class Interval(Strict):
    open: str = Field(description="HH:MM, 24-hour clock")
    close: str = Field(description="HH:MM, 24-hour clock; 24:00 for midnight")

    @field_validator("open", "close")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError("use the 24-hour form HH:MM, such as 08:30 or 17:00")
        return value

    @model_validator(mode="after")
    def _order(self) -> Interval:
        if self.close <= self.open:
            raise ValueError(f"closes ({self.close}) before it opens ({self.open})")
        return self


class Weekly(Strict):
    """Opening intervals per day; an empty list means closed that day."""

    monday: list[Interval] = Field(default_factory=list)
    tuesday: list[Interval] = Field(default_factory=list)
    wednesday: list[Interval] = Field(default_factory=list)
    thursday: list[Interval] = Field(default_factory=list)
    friday: list[Interval] = Field(default_factory=list)
    saturday: list[Interval] = Field(default_factory=list)
    sunday: list[Interval] = Field(default_factory=list)


class HoursException(Item):
    """A holiday or special day: closed, or open on other hours."""

    date: date
    closed: bool = True
    intervals: list[Interval] = Field(default_factory=list)
    note: str | None = Field(default=None, max_length=300)


class Hours(Category):
    time_zone: str | None = Field(default=None, max_length=64)
    weekly: Weekly | None = None
    weekly_provenance: Provenance = Field(default_factory=Provenance)
    exceptions: list[HoursException] = Field(default_factory=list)

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r}; use a name such as America/Chicago"
                ) from None
        return value


# --- services, pricing, booking, policies, payments -------------------------------------------


class Price(Strict):
    amount: float | None = Field(default=None, ge=0)
    amount_max: float | None = Field(default=None, ge=0)
    currency: str = Field(default="USD")
    text: str | None = Field(
        default=None, max_length=200, description="As written, e.g. 'from $89'"
    )

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not CURRENCY.match(value):
            raise ValueError("use a three-letter currency code such as USD")
        return value


class Service(Item):
    name: ShortText
    description: str | None = Field(default=None, max_length=2000)
    duration_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    price: Price | None = None


class Services(Category):
    services: list[Service] = Field(default_factory=list)


class PriceItem(Item):
    item: ShortText
    price: Price
    notes: str | None = Field(default=None, max_length=1000)


class Pricing(Category):
    items: list[PriceItem] = Field(default_factory=list)


class Booking(Category):
    methods: list[Literal["phone", "online", "walk_in", "email", "text"]] = Field(
        default_factory=list
    )
    booking_url: str | None = Field(default=None, max_length=2000)
    lead_time: str | None = Field(default=None, max_length=300)
    deposit: str | None = Field(default=None, max_length=300)


class Policy(Item):
    title: ShortText
    text: Text


class Policies(Category):
    policies: list[Policy] = Field(default_factory=list)


class Payments(Category):
    methods: list[ShortText] = Field(default_factory=list)
    insurance: list[ShortText] = Field(default_factory=list)
    financing: str | None = Field(default=None, max_length=1000)


# --- faqs, team, promotions, credentials, amenities, languages -------------------------------


class FAQ(Item):
    question: Text
    answer: Text


class FAQs(Category):
    faqs: list[FAQ] = Field(default_factory=list)


class StaffMember(Item):
    name: ShortText
    role: str | None = Field(default=None, max_length=200)
    specialties: list[ShortText] = Field(default_factory=list)
    bio: str | None = Field(default=None, max_length=2000)


class Team(Category):
    members: list[StaffMember] = Field(default_factory=list)


class Promotion(Item):
    title: ShortText
    details: str | None = Field(default=None, max_length=2000)
    valid_until: date | None = None


class Promotions(Category):
    promotions: list[Promotion] = Field(default_factory=list)


class Credential(Item):
    name: ShortText
    issuer: str | None = Field(default=None, max_length=200)
    year: int | None = Field(default=None, ge=1800, le=2100)


class Credentials(Category):
    credentials: list[Credential] = Field(default_factory=list)


class Amenities(Category):
    amenities: list[ShortText] = Field(default_factory=list)


class Languages(Category):
    codes: list[str] = Field(default_factory=list, description="BCP 47 codes such as en, es, pt-BR")

    @field_validator("codes")
    @classmethod
    def _codes(cls, values: list[str]) -> list[str]:
        for value in values:
            if not LANGUAGE_CODE.match(value):
                raise ValueError(f"{value!r} is not a language code such as en, es or pt-BR")
        return values


# --- emergencies, escalation, brand voice -----------------------------------------------------


class Emergencies(Category):
    instructions: str | None = Field(default=None, max_length=2000)
    emergency_phone: str | None = Field(default=None, max_length=40)
    after_hours_available: bool | None = None


class Escalation(Category):
    transfer_when: list[ShortText] = Field(default_factory=list)
    transfer_number: str | None = Field(default=None, max_length=40)
    take_messages: bool = True


class BrandVoice(Category):
    tone: str | None = Field(default=None, max_length=300)
    use_words: list[ShortText] = Field(default_factory=list)
    avoid_words: list[ShortText] = Field(default_factory=list)
    sample_phrases: list[ShortText] = Field(default_factory=list)


class Categories(Strict):
    profile: Profile = Field(default_factory=Profile)
    contact: Contact = Field(default_factory=Contact)
    locations: Locations = Field(default_factory=Locations)
    hours: Hours = Field(default_factory=Hours)
    services: Services = Field(default_factory=Services)
    pricing: Pricing = Field(default_factory=Pricing)
    booking: Booking = Field(default_factory=Booking)
    policies: Policies = Field(default_factory=Policies)
    payments: Payments = Field(default_factory=Payments)
    faqs: FAQs = Field(default_factory=FAQs)
    team: Team = Field(default_factory=Team)
    promotions: Promotions = Field(default_factory=Promotions)
    credentials: Credentials = Field(default_factory=Credentials)
    amenities: Amenities = Field(default_factory=Amenities)
    languages: Languages = Field(default_factory=Languages)
    emergencies: Emergencies = Field(default_factory=Emergencies)
    escalation: Escalation = Field(default_factory=Escalation)
    brand_voice: BrandVoice = Field(default_factory=BrandVoice)


CATEGORY_NAMES: tuple[str, ...] = tuple(Categories.model_fields)
CATEGORY_MODELS: dict[str, type[Category]] = {
    name: info.annotation  # type: ignore[misc]
    for name, info in Categories.model_fields.items()
}


class Conflict(Item):
    """Two places on the site disagree (its structured data and its page text, say): both
    versions are kept, each with its source, until the owner settles it."""

    category: str
    about: ShortText
    versions: list[Fact] = Field(min_length=2, max_length=10)

    @field_validator("category")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CATEGORY_NAMES:
            raise ValueError(f"not a category: {value}")
        return value


class KnowledgeBase(Strict):
    format: Literal["voice-platform.kb/1"] = FORMAT
    business_name: str = Field(default="", max_length=200)
    source_url: str | None = Field(default=None, max_length=2000)
    categories: Categories = Field(default_factory=Categories)
    conflicts: list[Conflict] = Field(default_factory=list, max_length=200)
