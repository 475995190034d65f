"""The knowledge base as the editor's form, and back.

The editor holds plain strings (what the inputs show): one dict of simple fields keyed
"category.field", one dict of item lists keyed "category.field" (each item a dict of strings
keyed by its sub-field, plus its id and provenance for display), and the weekly hours per day.
Turning a category back into data starts from what was stored, so whatever the editor does not
show (provenance snippets, confidence, currency) is kept as it was."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from voice_platform.knowledge.schemas import CATEGORY_NAMES, DAYS, new_id

TITLES: dict[str, str] = {
    "profile": "Business profile",
    "contact": "Contact details",
    "locations": "Locations and area served",
    "hours": "Opening hours",
    "services": "Services and prices",
    "pricing": "Price list",
    "booking": "Booking appointments",
    "policies": "Policies",
    "payments": "Payment and insurance",
    "faqs": "Frequently asked questions",
    "team": "Team",
    "promotions": "Offers and promotions",
    "credentials": "Credentials and awards",
    "amenities": "Amenities",
    "languages": "Languages spoken",
    "emergencies": "Emergencies",
    "escalation": "When to transfer to a person",
    "brand_voice": "Brand voice",
}
assert tuple(TITLES) == CATEGORY_NAMES

METHOD_LABELS = {
    "page_text": "from your site",
    "structured_data": "structured data",
    "model": "read by AI",
    "owner": "owner edit",
}
DAY_LABELS = {day: day.capitalize() for day in DAYS}
BOOKING_METHODS = [
    ("phone", "Phone"),
    ("online", "Online"),
    ("walk_in", "Walk-in"),
    ("email", "Email"),
    ("text", "Text message"),
]
RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}:\d{2})\s*$")
# Blank inputs: None for optional fields, "" where a value is required (the schema says
# so at that field), or left out so the schema's default applies.
NONE, EMPTY, OMIT = "none", "empty", "omit"


@dataclass(frozen=True)
class Scalar:
    """A simple field of a category: text, a number, a list of lines, a choice."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, number, lines, choices, bool, tri, time_zone
    hint: str = ""


@dataclass(frozen=True)
class Sub:
    """One field of an item in a list (dotted for nested ones: price.amount)."""

    path: str
    label: str
    kind: str = "text"  # text, textarea, number, date, lines, check, ranges
    blank: str = NONE
    wide: bool = False


@dataclass(frozen=True)
class ItemList:
    name: str
    label: str
    item: str  # what one item is called, for "Add …"
    subs: tuple[Sub, ...]


@dataclass(frozen=True)
class CategorySpec:
    name: str
    scalars: tuple[Scalar, ...] = ()
    lists: tuple[ItemList, ...] = ()


FACTS = ItemList(
    "facts", "Other facts", "fact", (Sub("text", "Fact", "textarea", EMPTY, wide=True),)
)
PRICE = (
    Sub("price.amount", "Price (number)", "number"),
    Sub("price.text", "Price as written"),
)

SPECS: dict[str, CategorySpec] = {
    spec.name: spec
    for spec in (
        CategorySpec(
            "profile",
            scalars=(
                Scalar("name", "Business name"),
                Scalar("legal_name", "Legal name"),
                Scalar("tagline", "Tagline"),
                Scalar("description", "Description", "textarea"),
                Scalar("founded_year", "Year founded", "number"),
                Scalar("website", "Website"),
            ),
        ),
        CategorySpec(
            "contact",
            lists=(
                ItemList(
                    "phones",
                    "Phone numbers",
                    "phone number",
                    (Sub("label", "Label", blank=OMIT), Sub("number", "Number", blank=EMPTY)),
                ),
                ItemList(
                    "emails",
                    "Email addresses",
                    "email address",
                    (Sub("label", "Label", blank=OMIT), Sub("address", "Address", blank=EMPTY)),
                ),
                ItemList(
                    "social",
                    "Social media",
                    "link",
                    (Sub("network", "Network", blank=EMPTY), Sub("url", "Address", blank=EMPTY)),
                ),
            ),
        ),
        CategorySpec(
            "locations",
            scalars=(Scalar("service_area", "Area served", "lines", "One place per line."),),
            lists=(
                ItemList(
                    "locations",
                    "Locations",
                    "location",
                    (
                        Sub("name", "Name"),
                        Sub("street", "Street"),
                        Sub("unit", "Unit"),
                        Sub("city", "City"),
                        Sub("region", "State or region"),
                        Sub("postal_code", "Postal code"),
                        Sub("country", "Country"),
                        Sub("directions", "Directions", "textarea", wide=True),
                        Sub("parking", "Parking", "textarea", wide=True),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "hours",
            lists=(
                ItemList(
                    "exceptions",
                    "Holidays and special days",
                    "special day",
                    (
                        Sub("date", "Date", "date", EMPTY),
                        Sub("closed", "Closed all day", "check"),
                        Sub("intervals", "Open (if not closed)", "ranges"),
                        Sub("note", "Note"),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "services",
            lists=(
                ItemList(
                    "services",
                    "Services",
                    "service",
                    (
                        Sub("name", "Service", blank=EMPTY),
                        Sub("duration_minutes", "Minutes", "number"),
                        *PRICE,
                        Sub("description", "Description", "textarea", wide=True),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "pricing",
            lists=(
                ItemList(
                    "items",
                    "Prices",
                    "price",
                    (
                        Sub("item", "What", blank=EMPTY),
                        *PRICE,
                        Sub("notes", "Notes"),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "booking",
            scalars=(
                Scalar("methods", "How people book", "choices"),
                Scalar("booking_url", "Online booking address"),
                Scalar("lead_time", "Notice needed"),
                Scalar("deposit", "Deposit"),
            ),
        ),
        CategorySpec(
            "policies",
            lists=(
                ItemList(
                    "policies",
                    "Policies",
                    "policy",
                    (
                        Sub("title", "Title", blank=EMPTY),
                        Sub("text", "Policy", "textarea", EMPTY, wide=True),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "payments",
            scalars=(
                Scalar("methods", "Payment methods", "lines", "One per line."),
                Scalar("insurance", "Insurance accepted", "lines", "One per line."),
                Scalar("financing", "Financing", "textarea"),
            ),
        ),
        CategorySpec(
            "faqs",
            lists=(
                ItemList(
                    "faqs",
                    "Questions and answers",
                    "question",
                    (
                        Sub("question", "Question", blank=EMPTY, wide=True),
                        Sub("answer", "Answer", "textarea", EMPTY, wide=True),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "team",
            lists=(
                ItemList(
                    "members",
                    "People",
                    "person",
                    (
                        Sub("name", "Name", blank=EMPTY),
                        Sub("role", "Role"),
                        Sub("specialties", "Specialties (one per line)", "lines"),
                        Sub("bio", "Biography", "textarea", wide=True),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "promotions",
            lists=(
                ItemList(
                    "promotions",
                    "Offers",
                    "offer",
                    (
                        Sub("title", "Offer", blank=EMPTY),
                        Sub("valid_until", "Valid until", "date"),
                        Sub("details", "Details", "textarea", wide=True),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "credentials",
            lists=(
                ItemList(
                    "credentials",
                    "Credentials",
                    "credential",
                    (
                        Sub("name", "Name", blank=EMPTY),
                        Sub("issuer", "Issued by"),
                        Sub("year", "Year", "number"),
                    ),
                ),
            ),
        ),
        CategorySpec(
            "amenities",
            scalars=(Scalar("amenities", "Amenities", "lines", "One per line."),),
        ),
        CategorySpec(
            "languages",
            scalars=(
                Scalar("codes", "Language codes", "lines", "One per line, such as en, es, pt-BR."),
            ),
        ),
        CategorySpec(
            "emergencies",
            scalars=(
                Scalar("instructions", "What to do in an emergency", "textarea"),
                Scalar("emergency_phone", "Emergency phone"),
                Scalar("after_hours_available", "Available after hours", "tri"),
            ),
        ),
        CategorySpec(
            "escalation",
            scalars=(
                Scalar("transfer_when", "Transfer when", "lines", "One situation per line."),
                Scalar("transfer_number", "Transfer to number"),
                Scalar("take_messages", "Take messages", "bool"),
            ),
        ),
        CategorySpec(
            "brand_voice",
            scalars=(
                Scalar("tone", "Tone"),
                Scalar("use_words", "Words to use", "lines", "One per line."),
                Scalar("avoid_words", "Words to avoid", "lines", "One per line."),
                Scalar("sample_phrases", "Sample phrases", "lines", "One per line."),
            ),
        ),
    )
}
assert set(SPECS) == set(CATEGORY_NAMES)


def lists_of(category: str) -> tuple[ItemList, ...]:
    return (*SPECS[category].lists, FACTS)


class FormInvalid(Exception):
    """Inputs the editor could not turn into data (an unreadable time range)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


# --- data -> form -------------------------------------------------------------------------


def _get(data: dict[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _number(value: float | int) -> str:
    return str(value).removesuffix(".0")


def show(kind: str, value: Any) -> str:
    """A stored value as the text its input shows."""
    if value is None:
        return ""
    if kind in ("lines",):
        return "\n".join(str(v) for v in value)
    if kind == "choices":
        return ",".join(str(v) for v in value)
    if kind in ("bool", "check"):
        return "true" if value else ""
    if kind == "tri":
        return "yes" if value else "no"
    if kind == "ranges":
        return ", ".join(f"{i['open']}-{i['close']}" for i in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    return str(value)


def item_row(item_list: ItemList, item: dict[str, Any]) -> dict[str, str]:
    provenance = item.get("provenance") or {}
    method = str(provenance.get("method") or "owner")
    row = {
        "id": str(item.get("id") or new_id()),
        "source_url": str(provenance.get("source_url") or ""),
        "method": method,
        "method_label": METHOD_LABELS.get(method, method),
    }
    for sub in item_list.subs:
        row[sub.path] = show(sub.kind, _get(item, sub.path))
    return row


def blank_row(item_list: ItemList) -> dict[str, str]:
    return item_row(item_list, {"id": new_id()})


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    week: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def to_form(categories: dict[str, Any]) -> Form:
    """The stored categories (JSON form) as the editor's strings."""
    form = Form()
    for name in CATEGORY_NAMES:
        data = categories.get(name) or {}
        for scalar in SPECS[name].scalars:
            form.fields[f"{name}.{scalar.name}"] = show(scalar.kind, data.get(scalar.name))
        for item_list in lists_of(name):
            form.rows[f"{name}.{item_list.name}"] = [
                item_row(item_list, item) for item in data.get(item_list.name) or []
            ]
    hours = categories.get("hours") or {}
    form.fields["hours.time_zone"] = str(hours.get("time_zone") or "")
    form.fields["hours.source_url"] = str(
        (hours.get("weekly_provenance") or {}).get("source_url") or ""
    )
    weekly = hours.get("weekly") or {}
    for day in DAYS:
        form.week[day] = [
            {"open": str(i["open"]), "close": str(i["close"])} for i in weekly.get(day) or []
        ]
    return form


# --- form -> data -------------------------------------------------------------------------


def _ranges(text: str, key: str, errors: dict[str, str]) -> list[dict[str, str]]:
    found = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = RANGE.match(part)
        if match is None:
            errors[key] = (
                f"Write times as 09:00-17:00 (several separated by commas), not {part.strip()!r}"
            )
            return []
        opens, closes = (value.zfill(5) for value in match.groups())
        found.append({"open": opens, "close": closes})
    return found


def read(kind: str, text: str, *, blank: str = NONE, key: str, errors: dict[str, str]) -> Any:
    """The input's text as the value the schema takes; OMIT (the object) leaves it out."""
    text = text.strip()
    if kind in ("lines",):
        return [line.strip() for line in text.splitlines() if line.strip()]
    if kind == "choices":
        return [part for part in text.split(",") if part]
    if kind in ("bool", "check"):
        return text == "true"
    if kind == "tri":
        return {"yes": True, "no": False}.get(text)
    if kind == "ranges":
        return _ranges(text, key, errors)
    if text:
        return text
    return {NONE: None, EMPTY: "", OMIT: OMIT}[blank]


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    target = data
    for part in parents:
        child = target.get(part)
        if not isinstance(child, dict):
            child = {}
            target[part] = child
        target = child
    if value == OMIT:
        target.pop(last, None)
    else:
        target[last] = value


def _tidy_price(item: dict[str, Any]) -> None:
    price = item.get("price")
    if isinstance(price, dict) and all(
        price.get(part) in (None, "") for part in ("amount", "amount_max", "text")
    ):
        item["price"] = None


def category_data(name: str, stored: dict[str, Any], form: Form) -> dict[str, Any]:
    """The category as data for the schema: what was stored, with the editor's values over it.
    Raises FormInvalid for inputs that cannot become data at all."""
    data = copy.deepcopy(stored)
    errors: dict[str, str] = {}
    for scalar in SPECS[name].scalars:
        key = f"{name}.{scalar.name}"
        _put(data, scalar.name, read(scalar.kind, form.fields.get(key, ""), key=key, errors=errors))
    for item_list in lists_of(name):
        key = f"{name}.{item_list.name}"
        before = {str(item.get("id")): item for item in stored.get(item_list.name) or []}
        items = []
        for index, row in enumerate(form.rows.get(key, [])):
            item = copy.deepcopy(before.get(row["id"], {"id": row["id"]}))
            for sub in item_list.subs:
                sub_key = f"{key}.{index}.{sub.path}"
                value = read(
                    sub.kind, row.get(sub.path, ""), blank=sub.blank, key=sub_key, errors=errors
                )
                _put(item, sub.path, value)
            _tidy_price(item)
            items.append(item)
        data[item_list.name] = items
    if name == "hours":
        data["time_zone"] = form.fields.get("hours.time_zone") or None
        days = {day: [dict(i) for i in form.week.get(day, [])] for day in DAYS}
        if stored.get("weekly") is None and not any(days.values()):
            data["weekly"] = None
        else:
            data["weekly"] = days
    if errors:
        raise FormInvalid(errors)
    return data


# --- problems -> the fields they belong to ------------------------------------------------


def error_keys(form: Form) -> set[str]:
    """Every key the editor shows an error at."""
    keys = set(CATEGORY_NAMES)
    for name in CATEGORY_NAMES:
        keys.update(f"{name}.{scalar.name}" for scalar in SPECS[name].scalars)
        for item_list in lists_of(name):
            key = f"{name}.{item_list.name}"
            for index in range(len(form.rows.get(key, []))):
                keys.add(f"{key}.{index}")
                keys.update(f"{key}.{index}.{sub.path}" for sub in item_list.subs)
    keys.add("hours.time_zone")
    for day, intervals in form.week.items():
        keys.add(f"hours.weekly.{day}")
        for index in range(len(intervals)):
            keys.update(f"hours.weekly.{day}.{index}{part}" for part in ("", ".open", ".close"))
    return keys


FRIENDLIER = {
    "String should have at least 1 character": "Required",
    "Input should be a valid number, unable to parse string as a number": "Enter a number",
    "Input should be a valid integer, unable to parse string as an integer": "Enter a whole number",
}


def place_problems(problems: list[dict[str, str]], form: Form) -> dict[str, str]:
    """Problems ({"category", "field", "problem"}) keyed by the field that shows them: the
    nearest shown field up the path, else the category as a whole."""
    known = error_keys(form)
    placed: dict[str, str] = {}
    for problem in problems:
        message = FRIENDLIER.get(problem["problem"], problem["problem"])
        category = problem.get("category") or ""
        parts = [category, *str(problem.get("field") or "").split(".")]
        target = ""
        while parts:
            candidate = ".".join(part for part in parts if part)
            if candidate in known and candidate not in CATEGORY_NAMES:
                target = candidate
                break
            parts.pop()
        if not target:
            target = category or ""
            if problem.get("field") and problem["field"] != "(document)":
                message = f"{problem['field']}: {message}"
        if target in placed and target in (*CATEGORY_NAMES, ""):
            placed[target] += f"; {message}"
        else:
            placed.setdefault(target, message)
    return placed
