import pytest

SERVER_VARIABLES = (
    "DATABASE_URL",
    "DATABASE_APP_URL",
    "REDIS_URL",
    "PUBLIC_BASE_URL",
    "CORS_ORIGINS",
)


@pytest.fixture(autouse=True)
def no_servers_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see the settings of a fresh machine, whatever ran before them."""
    for name in SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
