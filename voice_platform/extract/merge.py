"""A re-crawl meets the KB the owner has been editing: owner items always win.

Items the owner added or changed (provenance `owner`) are kept as they are; the crawl's items
replace the rest; a crawled item saying the same as an owner item is dropped. Opening hours
the owner edited stay too."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from voice_platform.knowledge.schemas import Item, KnowledgeBase, Method


def _content(item: Item) -> dict[str, Any]:
    return item.model_dump(mode="json", exclude={"id", "provenance"})


def _merge_lists(old: BaseModel, new: BaseModel) -> None:
    for name in type(new).model_fields:
        fresh, kept = getattr(new, name), getattr(old, name)
        if not isinstance(fresh, list) or not any(isinstance(i, Item) for i in [*kept, *fresh]):
            continue
        owned = [i for i in kept if isinstance(i, Item) and i.provenance.method is Method.OWNER]
        said = [_content(item) for item in owned]
        setattr(new, name, owned + [item for item in fresh if _content(item) not in said])


def merge(existing: KnowledgeBase, crawled: KnowledgeBase) -> KnowledgeBase:
    result = crawled.model_copy(deep=True)
    result.business_name = existing.business_name or crawled.business_name
    for name in type(result.categories).model_fields:
        _merge_lists(getattr(existing.categories, name), getattr(result.categories, name))
    old_hours, new_hours = existing.categories.hours, result.categories.hours
    if old_hours.weekly is not None and old_hours.weekly_provenance.method is Method.OWNER:
        new_hours.weekly = old_hours.weekly
        new_hours.weekly_provenance = old_hours.weekly_provenance
        new_hours.time_zone = old_hours.time_zone or new_hours.time_zone
    return result
