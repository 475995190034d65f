"""Where ../shared lies: beside the checkout (CI clones next to a copy of it), or higher up."""

from __future__ import annotations

from pathlib import Path


def shared_dir() -> Path:
    for ancestor in Path(__file__).resolve().parents:
        candidate = ancestor / "shared"
        if (candidate / "contracts").is_dir() and (candidate / "sites").is_dir():
            return candidate
    raise FileNotFoundError("shared/ (contracts and sites) was not found beside the checkout")


SHARED = shared_dir()
