"""The small LRU the call and knowledge-gap services keep slow-to-build things in."""

from __future__ import annotations

from voice_platform.services.lru import Recent


def test_a_kept_value_is_not_built_again_and_the_least_recent_goes_first() -> None:
    built: list[str] = []

    def build(key: str) -> str:
        built.append(key)
        return key.upper()

    cache: Recent[str, str] = Recent(2)
    assert cache.get("a", lambda: build("a")) == "A"
    assert cache.get("b", lambda: build("b")) == "B"
    assert cache.get("a", lambda: build("a")) == "A"  # kept, and now the most recent
    assert cache.get("c", lambda: build("c")) == "C"  # "b" goes
    assert len(cache) == 2
    assert cache.get("a", lambda: build("a")) == "A"
    assert cache.get("b", lambda: build("b")) == "B"
    assert built == ["a", "b", "c", "b"]
