"""A page read as a reader sees it: sections under headings, then statements."""

from __future__ import annotations

from lxml import html

from voice_platform.extract.page import extract_page
from voice_platform.extract.sections import sections_of
from voice_platform.extract.statements import statements_of, topics, units_of

PAGE = """<html><head><title>About | Acme Plumbing</title></head><body>
<header><a href="/">Acme</a><nav><ul><li><a href="/a">About</a></li></ul></nav></header>
<main>
  <h1>About us</h1>
  <p>We have fixed pipes in Springfield since 1990, and we still answer the phone ourselves.</p>
  <h2>Our prices</h2>
  <p>What a visit costs:</p>
  <ul><li>Drain clearing from $149</li><li>Camera inspection $199</li></ul>
  <table><tr><th>Service</th><th>Weekday</th><th>Weekend</th></tr>
    <tr><td>Call-out</td><td>$79</td><td>$129</td></tr></table>
  <h2>Meet the team</h2>
  <h3>Ann Lee</h3><p>Owner and master plumber.</p>
  <h3>Bo Diaz</h3><p>Service manager; speaks Spanish.</p>
</main>
<aside><h2>Licensed &amp; insured</h2>
  <ul><li>License PL-1234</li><li>$2M liability</li></ul></aside>
<footer><h5>Links</h5><ul><li><a href="/p">Privacy</a></li><li><a href="/t">Terms</a></li></ul>
  <p>Open Mon-Fri 8 AM to 5 PM<br>Closed weekends</p></footer>
<div class="cookie-banner"><p>We use cookies to improve your experience on this site.</p></div>
</body></html>"""


def statements() -> list:
    tree = html.fromstring(PAGE)
    return statements_of(sections_of(tree), url="https://acme.example/about", title="About")


def texts() -> list[str]:
    return [s.text for s in statements()]


def test_lists_stay_with_the_line_that_introduces_them() -> None:
    assert any(
        "What a visit costs: Drain clearing from $149; Camera inspection $199" in text
        for text in texts()
    )


def test_short_sections_are_read_whole_with_their_heading() -> None:
    assert "Ann Lee: Owner and master plumber." in texts()
    ann, bo = (s for s in statements() if s.text.startswith(("Ann", "Bo")))
    assert ann.group == bo.group  # sibling cards: placed together, read as one list
    assert "Meet the team" in ann.context


def test_table_rows_are_said_with_their_column_headings() -> None:
    assert any("Call-out: Weekday $79, Weekend $129" in text for text in texts())


def test_sidebars_and_footers_are_read_but_menus_and_banners_are_not() -> None:
    found = " | ".join(texts())
    assert "Licensed & insured: License PL-1234; $2M liability" in found
    assert "Open Mon-Fri 8 AM to 5 PM Closed weekends" in found
    assert "Privacy" not in found
    assert "cookies" not in found
    footer = next(s for s in statements() if "Open Mon-Fri" in s.text)
    assert "Meet the team" not in footer.context  # the main text's headings do not cover it


def test_long_paragraphs_are_split_into_sentences() -> None:
    long = "<p>" + "This sentence is one of many. " * 40 + "</p>"
    found = statements_of(sections_of(html.fromstring(long)), url="u", title="")
    assert len(found) > 1
    assert all(15 <= len(s.text) <= 600 for s in found)


def test_accordions_are_faqs_and_menu_toggles_are_not() -> None:
    page = extract_page(
        "https://acme.example/faq",
        """<html><head><meta name="description" content="Plumbers since 1990."></head>
        <body class="page-faq">
        <button aria-controls="menu">Open menu</button><nav id="menu"><a href="/">Home</a></nav>
        <h2><button aria-controls="q1" aria-expanded="false">Do you work weekends?</button></h2>
        <div id="q1" hidden><p>Yes, for emergencies.</p></div>
        <div class="accordion"><button data-target="#q2">Warranty</button>
        <div id="q2" class="collapse">One year on all repairs.</div></div>
        </body></html>""",
    )
    assert page.faqs == [
        ("Do you work weekends?", "Yes, for emergencies."),
        ("Warranty", "One year on all repairs."),
    ]
    assert page.description == "Plumbers since 1990."


def test_a_details_summary_heads_what_it_hides() -> None:
    page = """<body><h1>FAQ</h1>
    <details><summary>Do you have Wi-Fi?</summary><p>Yes, free for every guest.</p></details>
    <details><summary>Can I park here?</summary><p>Behind the building, free.</p></details>
    <p>Still wondering? Call us any time today.</p></body>"""
    found = statements_of(sections_of(html.fromstring(page)), url="u", title="")
    assert [s.text for s in found] == [
        "Do you have Wi-Fi?: Yes, free for every guest.",
        "Can I park here?: Behind the building, free.",
        "FAQ: Still wondering? Call us any time today.",
    ]
    assert found[0].group == found[1].group != found[2].group


def test_page_topics_leave_out_the_site_name() -> None:
    titles = ["Acme Plumbing | Home", "Prices | Acme Plumbing", "Team - Acme Plumbing"]
    assert topics(titles) == ["Home", "Prices", "Team"]


def test_a_statement_splits_into_its_lead_and_parts() -> None:
    assert units_of("Our prices: Drain $149; Camera $199") == (
        "Our prices",
        ["Drain $149", "Camera $199"],
    )
    assert units_of("We fix pipes. We also fix heaters.") == (
        "",
        ["We fix pipes.", "We also fix heaters."],
    )
