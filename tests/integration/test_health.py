"""/api/health against real servers, and with each of them stopped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Servers, use_servers
from voice_platform.api import create_api
from voice_platform.runtime.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from voice_platform.runtime.migrations import upgrade


def get_health() -> tuple[int, dict]:  # type: ignore[type-arg]
    response = TestClient(create_api()).get("/api/health")
    return response.status_code, response.json()


def test_healthy_when_both_answer(db: Servers) -> None:
    status, body = get_health()
    assert status == 200
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert body["checks"]["database"]["ok"]
    assert body["checks"]["redis"]["ok"]


@pytest.fixture
def own_servers(
    tmp_path: Path, servers: Servers
) -> Iterator[tuple[EmbeddedPostgres, EmbeddedRedis]]:
    """Servers this test may stop, so the shared ones stay up."""
    postgres, redis = EmbeddedPostgres(tmp_path / "pg"), EmbeddedRedis(tmp_path / "redis")
    use_servers(postgres.start(), redis.start())
    upgrade()
    yield postgres, redis
    redis.stop()
    postgres.destroy()
    use_servers(servers.database_url, servers.redis_url)


def test_database_stopped_is_a_503_naming_it(
    own_servers: tuple[EmbeddedPostgres, EmbeddedRedis],
) -> None:
    postgres, _ = own_servers
    assert get_health()[0] == 200
    postgres.stop()
    status, body = get_health()
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["error"]
    assert body["checks"]["redis"]["ok"]


def test_redis_stopped_is_a_503_naming_it(
    own_servers: tuple[EmbeddedPostgres, EmbeddedRedis],
) -> None:
    _, redis = own_servers
    redis.stop()
    status, body = get_health()
    assert status == 503
    assert body["failing"] == ["redis"]
    assert "connecting to 127.0.0.1" in body["checks"]["redis"]["error"]


def test_redis_that_never_answers_times_out(db: Servers, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from voice_platform.services import health

    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # accepts connections, never replies
        port = free_port()
        silent.bind(("127.0.0.1", port))
        silent.listen()
        use_servers(db.database_url, f"redis://127.0.0.1:{port}/0")
        status, body = get_health()
    assert status == 503
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"]["error"] == "no answer within 0.5 s"
