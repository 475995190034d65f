"""Menus and price lists read as services and price items."""

from __future__ import annotations

from voice_platform.extract.offerings import add_offerings, offering
from voice_platform.extract.page import extract_page
from voice_platform.knowledge.schemas import KnowledgeBase, Price


def test_a_priced_line_names_its_item_price_and_duration() -> None:
    item = offering("Skin Fade: $38 · 45 min · Blended by hand.")
    assert item is not None
    assert (item.name, item.price.amount, item.minutes) == ("Skin Fade", 38.0, 45)
    tiers = offering("Long Cut: Time 1 hr, Junior $50, Senior $80, Master $95")
    assert tiers is not None
    assert tiers.price == Price(amount=50.0, amount_max=95.0, text="$50-$95")
    assert tiers.minutes == 60
    big = offering("Water heater install $1,650")
    assert big is not None
    assert big.price.amount == 1650.0
    labelled = offering("Trays: Baked ziti (half / full): $45 / $85")
    assert labelled is not None
    assert labelled.name == "Baked ziti (half / full)"


def test_prose_about_a_price_is_not_an_item() -> None:
    assert offering("We charge $79 for a diagnostic visit") is None
    assert offering("Delivery is $5 within two miles") is None
    assert offering("Who could say no? $5 glasses of wine") is None
    assert offering("no price here") is None


MENU = """<html><head><title>Menu | Corner Cafe</title></head><body>
<h2>Breakfast</h2><ul><li>Pancakes $9</li><li>Omelette $11, three eggs</li>
<li>Coffee $3</li></ul>
<h2>Fees</h2><ul><li>Delivery fee $4</li><li>Corkage fee $15</li></ul>
<p>Pancakes are $9 all day.</p></body></html>"""


def test_a_menu_becomes_services_price_items_and_one_list() -> None:
    kb = KnowledgeBase()
    add_offerings(kb, [extract_page("https://cafe.example/menu", MENU)])
    services = kb.categories.services
    assert [s.name for s in services.services] == ["Pancakes", "Omelette", "Coffee"]
    assert [f.text for f in services.facts] == ["Breakfast: Pancakes; Omelette; Coffee"]
    items = {p.item: p.price.amount for p in kb.categories.pricing.items}
    assert items == {
        "Pancakes": 9.0,
        "Omelette": 11.0,
        "Coffee": 3.0,
        "Delivery fee": 4.0,
        "Corkage fee": 15.0,
    }
    assert services.services[0].provenance.source_url == "https://cafe.example/menu"


def test_pay_on_a_jobs_page_is_not_a_price() -> None:
    jobs = MENU.replace("Menu | Corner Cafe", "Careers | Corner Cafe")
    kb = KnowledgeBase()
    add_offerings(kb, [extract_page("https://cafe.example/jobs", jobs)])
    assert kb.categories.services.services == []
    assert kb.categories.pricing.items == []
