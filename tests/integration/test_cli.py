"""The command line: clear messages and exit codes, never a traceback."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tests.conftest import Servers
from voice_platform import __version__
from voice_platform.cli import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == __version__


def test_invalid_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "not-a-port")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 2
    assert "Invalid settings: PORT" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["migrate", "serve", "worker", "outbox", "tenants"])
def test_commands_that_need_servers_say_so(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    result = runner.invoke(app, [command])
    assert result.exit_code == 2
    assert "DATABASE_URL" in result.output


def test_migrate_applies_to_the_configured_database(db: Servers) -> None:
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "Database at revision head" in result.output


def test_migrate_to_an_unknown_revision(db: Servers) -> None:
    result = runner.invoke(app, ["migrate", "9999"])
    assert result.exit_code == 2
    assert "9999" in result.output


def test_migrate_against_an_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    from voice_platform.config import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@/none?host=/nonexistent-socket-dir")
    get_settings.cache_clear()
    result = runner.invoke(app, ["migrate"])
    get_settings.cache_clear()
    assert result.exit_code == 1
    assert "cannot reach the database" in result.output


def test_up_refuses_a_bad_port() -> None:
    result = runner.invoke(app, ["up", "--port", "70000"])
    assert result.exit_code == 2
    assert "less than or equal to 65535" in result.output


def test_outbox_prints_the_newest_email(db: Servers) -> None:
    from tests.integration.accounts_helpers import client, sign_up

    api = client()
    sign_up(api)
    api.post("/api/auth/password-reset", json={"email": "ann@alpha.example"})
    result = runner.invoke(app, ["outbox", "--to", "ann"])
    assert result.exit_code == 0, result.output
    assert "Subject: Reset your Voice Platform password" in result.stdout
    assert "/reset-password?token=vpp_" in result.stdout


def test_outbox_when_empty(db: Servers) -> None:
    result = runner.invoke(app, ["outbox"])
    assert result.exit_code == 0
    assert "The outbox is empty." in result.output


def test_tenants_lists_and_searches(db: Servers) -> None:
    from tests.integration.accounts_helpers import client, sign_up

    api = client()
    sign_up(api, business="Nonna Rosa", email="r@n.example")
    sign_up(api, business="Rapid Rooter", email="r@r.example")
    result = runner.invoke(app, ["tenants", "rooter"])
    assert result.exit_code == 0
    assert "rapid-rooter" in result.stdout
    assert "nonna" not in result.stdout


def test_staff_flag_is_granted_and_revoked(db: Servers) -> None:
    from sqlmodel import select

    from tests.integration.accounts_helpers import client, sign_up
    from voice_platform.db import platform_session
    from voice_platform.models import User

    sign_up(client())
    granted = runner.invoke(app, ["staff", "ANN@alpha.example"])
    assert granted.exit_code == 0, granted.output
    assert "is now platform staff" in granted.output
    with platform_session("test") as s:
        assert s.exec(select(User.is_staff)).one() is True
    assert runner.invoke(app, ["staff", "ann@alpha.example", "--revoke"]).exit_code == 0
    with platform_session("test") as s:
        assert s.exec(select(User.is_staff)).one() is False
    missing = runner.invoke(app, ["staff", "ghost@example.com"])
    assert missing.exit_code == 1
    assert "No account" in missing.output
