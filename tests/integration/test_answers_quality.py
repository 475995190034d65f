"""The answer quality of #8: each corpus site, built offline by `voice-platform kb build`,
answered by `voice-platform ask` and scored by the shared scorer; then questions written apart
from the corpus's (tests/fixtures/heldout_questions), to check the engine is not fitted to them.

The bar is answerable 0.85, unanswerable 0.90, handoff 1.00. The offline engine meets it on
all four sites. Measured (offline KB, local embeddings): bright-smile-dental answerable 20/22,
unanswerable 5/5, handoff 3/3; fade-and-fringe-salon 21/22, 5/5, 3/3; nonna-rosa-pizzeria
22/22, 5/5, 3/3; rapid-rooter-plumbing 22/22, 5/5, 3/3. FLOORS asserts those figures, so that
a change that answers fewer is seen."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.test_crawler import serve
from tests.shared import SHARED
from voice_platform.cli import app

# site: (answerable, unanswerable, handoff) passed at least
FLOORS = {
    "bright-smile-dental": (20, 5, 3),
    "fade-and-fringe-salon": (21, 5, 3),
    "nonna-rosa-pizzeria": (22, 5, 3),
    "rapid-rooter-plumbing": (22, 5, 3),
}
# Held-out questions: (answerable, unanswerable) passed at least. Measured 9/10 6/6, 8/9 5/5,
# 9/9 6/6, 11/11 5/5.
HELD_OUT = {
    "bright-smile-dental": (9, 6),
    "fade-and-fringe-salon": (8, 5),
    "nonna-rosa-pizzeria": (9, 6),
    "rapid-rooter-plumbing": (11, 5),
}
HELD_OUT_DIR = Path(__file__).parent.parent / "fixtures" / "heldout_questions"
SUMMARY = re.compile(
    r"answerable (?P<a>\d+)/(?P<at>\d+), unanswerable (?P<u>\d+)/(?P<ut>\d+), "
    r"handoff (?P<h>\d+)/(?P<ht>\d+)"
)


@pytest.mark.parametrize("site", sorted(FLOORS))
def test_the_offline_answers_hold_the_floor(site: str, tmp_path: Path) -> None:
    kb = tmp_path / "kb.json"
    for url, _ in serve(site, tmp_path):
        result = CliRunner().invoke(
            app, ["kb", "build", url, "--out", str(kb), "--allow-private-networks", "--offline"]
        )
        assert result.exit_code == 0, result.output
    found = scored(kb, SHARED / "sites" / site, tmp_path / "answers")
    answerable, unanswerable, handoff = FLOORS[site]
    assert int(found["a"]) >= answerable, found.string
    assert int(found["u"]) >= unanswerable, found.string
    assert int(found["h"]) == int(found["ht"]) >= handoff, found.string
    # the same engine on questions written apart from the corpus's
    held = tmp_path / "held"
    held.mkdir()
    shutil.copy(HELD_OUT_DIR / f"{site}.jsonl", held / "questions.jsonl")
    (held / "answers.json").write_text("{}")
    found = scored(kb, held, tmp_path / "held_answers")
    answerable, unanswerable = HELD_OUT[site]
    assert int(found["a"]) >= answerable, found.string
    assert int(found["u"]) >= unanswerable, found.string


def scored(kb: Path, site: Path, out: Path) -> re.Match[str]:
    """The scorer's summary of `voice-platform ask` on the site folder's questions."""
    questions = site / "questions.jsonl"
    answers = out.with_suffix(".jsonl")
    result = CliRunner().invoke(
        app, ["ask", "--kb", str(kb), "--questions", str(questions), "--out", str(answers)]
    )
    assert result.exit_code == 0, result.output
    summary = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "score.py"), "answers", str(site), str(answers)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = SUMMARY.search(summary.strip().splitlines()[-1])
    assert found, summary
    return found


def test_ask_refuses_a_missing_or_invalid_kb(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ask", "--kb", str(tmp_path / "none.json"), "hello?"])
    assert result.exit_code == 1
    assert "Cannot read the knowledge base" in result.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "other"}')
    result = CliRunner().invoke(app, ["ask", "--kb", str(bad), "hello?"])
    assert result.exit_code == 1
    assert "not valid" in result.output
    assert "Traceback" not in result.output
