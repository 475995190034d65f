from pathlib import Path

import pytest
from pydantic import ValidationError

from voice_platform.config import Settings
from voice_platform.db import app_url, owner_url, sqlalchemy_url


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(_env_file=None)
    assert settings.port == 3000
    assert settings.database_url == ""
    assert settings.base_url == "http://127.0.0.1:3000"
    assert not settings.behind_tls


def test_cors_origins_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example, https://b.example,")
    assert Settings(_env_file=None).cors_origins == ["https://a.example", "https://b.example"]


def test_public_https_url_means_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://voice.example.com/")
    settings = Settings(_env_file=None)
    assert settings.base_url == "https://voice.example.com"
    assert settings.behind_tls


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "mysql://x@y/z"),
        ("REDIS_URL", "http://localhost"),
        ("PORT", "0"),
        ("DATABASE_APP_ROLE", "Robert'); DROP TABLE tenants;--"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
def test_bad_values_are_rejected_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as err:
        Settings(_env_file=None)
    assert name.lower() in str(err.value)


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("PORT=4321\n")
    monkeypatch.chdir(tmp_path)
    assert Settings().port == 4321


def test_app_url_swaps_in_the_app_role() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql://owner:secret@db.example:5432/voice",
        database_app_password="app-pw",
    )
    assert owner_url(settings) == "postgresql+psycopg://owner:secret@db.example:5432/voice"
    assert app_url(settings) == "postgresql+psycopg://voice_app:app-pw@db.example:5432/voice"


def test_explicit_app_url_wins() -> None:
    settings = Settings(
        _env_file=None,
        database_url="postgresql://owner@/voice?host=/tmp/sock",
        database_app_url="postgresql://tenant_rw:pw@db/voice",
    )
    assert app_url(settings) == "postgresql+psycopg://tenant_rw:pw@db/voice"


def test_socket_urls_keep_their_host_parameter() -> None:
    assert sqlalchemy_url("postgresql://postgres@/voice?host=/tmp/pg") == (
        "postgresql+psycopg://postgres@/voice?host=%2Ftmp%2Fpg"
    )


def test_owner_url_without_database_says_what_to_do() -> None:
    with pytest.raises(RuntimeError, match="voice-platform up"):
        owner_url(Settings(_env_file=None))
