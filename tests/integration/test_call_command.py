"""`voice-platform call`: a text call in the terminal, from a knowledge-base file or with an
agent in the database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.conftest import Servers
from tests.integration.test_calls import seed
from voice_platform.cli import app

FIXTURE = Path(__file__).parents[1] / "fixtures" / "bright_smile_kb.json"
runner = CliRunner()


def test_a_call_from_a_knowledge_base_file() -> None:
    typed = "do y'all take Delta Dental?\nleave a message\nBob\nyes\nplease call me\nyes\nbye\n"
    result = runner.invoke(
        app, ["call", "--kb", str(FIXTURE), "--caller", "+15125550199"], input=typed
    )
    assert result.exit_code == 0, result.output
    assert "Delta Dental PPO" in result.output
    assert "[payments]" in result.output
    assert "message taken: Bob, +15125550199: please call me" in result.output
    assert "call ended: the caller said goodbye" in result.output


def test_a_call_with_an_agent_in_the_database(db: Servers) -> None:
    seed()
    result = runner.invoke(app, ["call", "bright smile dental"], input="/keys 0\n")
    assert result.exit_code == 0, result.output
    assert "Thanks for calling Bright Smile Dental" in result.output
    assert "call ended: transferred to +15550009999" in result.output


def test_a_call_needs_an_agent_that_exists(db: Servers) -> None:
    missing = runner.invoke(app, ["call", "Nobody's Bakery"])
    assert missing.exit_code == 1
    assert 'No agent "Nobody\'s Bakery"' in missing.output
    seed()
    seed(number="+15550100002")
    twice = runner.invoke(app, ["call", "Bright Smile Dental"])
    assert twice.exit_code == 1
    assert "2 agents are called" in twice.output
    nothing = runner.invoke(app, ["call"])
    assert nothing.exit_code == 1
    assert "Name the AGENT" in nothing.output
