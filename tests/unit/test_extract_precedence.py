"""Different figures for the same thing on two pages: the better page wins."""

from __future__ import annotations

from datetime import date

from voice_platform.extract.build import assemble
from voice_platform.extract.page import extract_page
from voice_platform.extract.precedence import Superseded, disagree, figures
from voice_platform.providers.llm.local import LocalEmbedder


def page(url: str, title: str, body: str) -> str:
    return f"<html><head><title>{title} | Acme Plumbing</title></head><body>{body}</body></html>"


def test_figures_are_prices_times_and_percentages() -> None:
    assert figures("A cleaning is $1,129.00, 10% off before 5 p.m.") == {"$112900", "10%", "5pm"}
    assert disagree("Drain cleaning $149", "Drain cleaning $129")
    assert not disagree("Drain cleaning $149", "Drain cleaning from $149, camera $199")
    assert not disagree("Open daily", "Drain cleaning $129")


def test_the_page_about_prices_beats_a_dated_post() -> None:
    pages = {
        "https://acme.example/": page(
            "Home", "Home", "<h1>Acme</h1><p>Plumbers you can trust.</p>"
        ),
        "https://acme.example/pricing": page(
            "Pricing",
            "Pricing",
            "<h1>Our prices</h1><p>Clearing one clogged drain costs $149, camera included.</p>",
        ),
        "https://acme.example/blog/fall-tips": page(
            "Fall tips",
            "Fall tips",
            "<h1>Fall tips</h1><p>Clearing one clogged drain costs $129, camera included.</p>",
        ),
    }
    contents = [extract_page(url, html) for url, html in pages.items()]
    left_out: list[Superseded] = []
    kb = assemble(
        contents,
        LocalEmbedder(),
        start_url="https://acme.example/",
        dates={"https://acme.example/blog/fall-tips": date(2026, 10, 1)},
        superseded=left_out,
    )
    said = " ".join(f.text for f in kb.categories.pricing.facts)
    assert "$149" in said
    assert "$129" not in said
    assert [(s.url, s.by_url) for s in left_out] == [
        ("https://acme.example/blog/fall-tips", "https://acme.example/pricing")
    ]
