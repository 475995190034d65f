"""A small thread-safe least-recently-used cache for things slow to build (parsed knowledge
bases, retrieval indexes, embedded pages), shared by the threads that answer calls and pages."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """At most `size` values, the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The value kept for `key`, else `build()` kept. Building happens outside the lock, so
        one slow build never holds up the other keys; two threads may both build a missing
        value, and the later one is kept."""
        with self._lock:
            found = self._values.get(key)
        if found is None:
            found = build()
        with self._lock:
            self._values[key] = found
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return found

    def __len__(self) -> int:
        return len(self._values)
