"""`voice-platform kb build` on corpus sites served on loopback: what it writes, offline and
with a model. The quality bar itself is test_kb_quality."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from tests.fakes.openai_server import FakeOpenAI
from tests.integration.test_crawler import serve
from tests.shared import SHARED
from voice_platform.cli import app
from voice_platform.config import get_settings
from voice_platform.knowledge.document import parse_document
from voice_platform.knowledge.schemas import CATEGORY_NAMES, Interval, Method
from voice_platform.providers.llm import get_embedder

runner = CliRunner()


def test_kb_build_writes_a_cited_kb_without_decoys(tmp_path: Path) -> None:
    out = tmp_path / "kb.json"
    for url, _ in serve("bright-smile-dental", tmp_path):
        result = runner.invoke(
            app, ["kb", "build", url, "--out", str(out), "--allow-private-networks"]
        )
        assert result.exit_code == 0, result.output
    assert "Read 17 pages" in result.output
    kb = parse_document(out.read_text())
    assert kb.categories.hours.weekly is not None
    assert kb.categories.hours.weekly.friday == [Interval(open="08:00", close="13:00")]
    assert all(fact.provenance.source_url for fact in kb.categories.services.facts)
    assert "555-0186" not in out.read_text()  # a robots-disallowed page's number


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["kb", "build", "ftp://nowhere"], "not a web address"),
        (["kb", "build", "http://127.0.0.1:9/"], "private or local address"),
    ],
)
def test_kb_build_errors_are_messages_not_tracebacks(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def model_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """LLM_API_KEY set, pointing at the local stand-in for an OpenAI-compatible API."""
    fake = FakeOpenAI().start()
    monkeypatch.setenv("LLM_API_KEY", "sk-test")
    monkeypatch.setenv("LLM_BASE_URL", fake.base_url)
    get_settings.cache_clear()
    get_embedder.cache_clear()
    yield fake
    fake.stop()
    monkeypatch.undo()
    get_settings.cache_clear()
    get_embedder.cache_clear()


def test_with_a_key_the_model_reads_the_pages_and_every_fact_quotes_one(
    tmp_path: Path, model_key: FakeOpenAI
) -> None:
    model_key.invent = True
    out = tmp_path / "kb.json"
    for url, _ in serve("fade-and-fringe-salon", tmp_path):
        result = runner.invoke(
            app, ["kb", "build", url, "--out", str(out), "--allow-private-networks"]
        )
        assert result.exit_code == 0, result.output
    assert model_key.chat_requests()
    kb = parse_document(out.read_text())
    facts = [f for name in CATEGORY_NAMES for f in getattr(kb.categories, name).facts]
    by_model = [f for f in facts if f.provenance.method == Method.MODEL]
    assert len(by_model) > 20
    assert not [f for f in by_model if "invented" in f.text.lower()]
    folder = SHARED / "sites" / "fade-and-fringe-salon" / "site"
    for fact in by_model:  # every word of each quote is on the page it cites
        path = urlsplit(fact.provenance.source_url or "").path
        file = folder / path.lstrip("/") / ("index.html" if path.endswith("/") else "")
        page = html.unescape(re.sub(r"<[^>]+>", " ", file.read_text())).lower()
        words = set(re.findall(r"[a-z0-9$]+", page))
        assert set(re.findall(r"[a-z0-9$]+", (fact.provenance.snippet or "").lower())) <= words
    assert kb.categories.hours.weekly is not None  # the rules run in both paths


def test_offline_sorts_locally_even_with_a_key(tmp_path: Path, model_key: FakeOpenAI) -> None:
    out = tmp_path / "kb.json"
    for url, _ in serve("fade-and-fringe-salon", tmp_path):
        result = runner.invoke(
            app, ["kb", "build", url, "--out", str(out), "--allow-private-networks", "--offline"]
        )
        assert result.exit_code == 0, result.output
    assert not model_key.chat_requests()
    assert '"method": "model"' not in out.read_text()


def test_a_model_that_fails_is_a_message(tmp_path: Path, model_key: FakeOpenAI) -> None:
    model_key.refuse = True
    for url, _ in serve("fade-and-fringe-salon", tmp_path):
        result = runner.invoke(app, ["kb", "build", url, "--allow-private-networks"])
    assert result.exit_code == 1
    assert "The model could not read the site" in result.output
    assert "Traceback" not in result.output
