"""Per-page extraction on real corpus pages and on small hand-made ones."""

from __future__ import annotations

from tests.shared import SHARED
from voice_platform.extract.page import extract_page, flatten, types_of

SITE = SHARED / "sites" / "bright-smile-dental" / "site"


def page(path: str) -> str:
    return (
        (SITE / path / "index.html").read_text().replace("__BASE_URL__", "https://bright.example")
    )


def test_structured_data_and_links_on_the_home_page() -> None:
    content = extract_page("https://bright.example/", page(""))
    dentist = next(node for node in content.structured if "Dentist" in types_of(node))
    assert dentist["openingHoursSpecification"]
    assert content.language == "en"
    assert ("(512) 555-0147", "+15125550147") in content.phones
    assert content.text
    assert content.headings


def test_faqs_from_details_and_faqpage_json_ld() -> None:
    content = extract_page("https://bright.example/faq/", page("faq"))
    questions = [q for q, _ in content.faqs]
    assert "Are you accepting new patients?" in questions
    assert len(questions) == len({q.lower() for q in questions})
    assert all(answer for _, answer in content.faqs)


def test_tables_and_mailto_on_the_contact_page() -> None:
    content = extract_page("https://bright.example/contact/", page("contact"))
    hours = content.tables[0]
    assert ["Friday", "8:00 AM – 1:00 PM"] in hours
    assert "frontdesk@brightsmileroundrock.com" in content.emails
    assert all(not question.startswith("Phone") for question, _ in content.faqs)


def test_definition_lists_count_as_faqs_only_when_they_ask() -> None:
    html = """<html lang="es-MX"><body>
      <dl><dt>Fax</dt><dd>555-0100</dd></dl>
      <dl><dt>¿Tienen estacionamiento?</dt><dd>Sí, atrás.</dd></dl>
      <div class="faq-list"><dl><dt>Walk-ins</dt><dd>Every morning.</dd></dl></div>
      <a href="mailto:hi%40shop.example?subject=hello">write</a>
    </body></html>"""
    content = extract_page("https://shop.example/", html)
    assert content.faqs == [
        ("¿Tienen estacionamiento?", "Sí, atrás."),
        ("Walk-ins", "Every morning."),
    ]
    assert content.emails == ["hi@shop.example"]
    assert content.language == "es"


def test_broken_html_gives_an_empty_page_not_an_error() -> None:
    assert extract_page("https://x.example/", "").text == ""


def test_flatten_opens_graphs_and_lists() -> None:
    nodes = flatten([{"@graph": [{"@type": "A"}, [{"@type": ["B", "C"]}]]}, "junk", {"no": "type"}])
    assert [sorted(types_of(n)) for n in nodes] == [["A"], ["B", "C"]]
