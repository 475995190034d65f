"""Shared fixtures: throwaway embedded PostgreSQL and Redis, started once per test run.

Tests are marked by folder: tests/unit (no servers), tests/integration (real PostgreSQL and
Redis), tests/e2e (the running app in headless Chromium).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("LOG_LEVEL", "WARNING")
for name in ("DATABASE_URL", "DATABASE_APP_URL", "REDIS_URL", "PUBLIC_BASE_URL", "CORS_ORIGINS"):
    os.environ.pop(name, None)

from sqlalchemy import text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import voice_platform.models  # noqa: E402, F401  (registers the tables)
from voice_platform.config import get_settings  # noqa: E402
from voice_platform.db import dispose_engines, owner_engine  # noqa: E402
from voice_platform.runtime.embedded import EmbeddedPostgres, EmbeddedRedis  # noqa: E402

TESTS_DIR = Path(__file__).parent
RESULTS_DIR = TESTS_DIR.parent / "test-results"


KINDS = ("unit", "contract", "integration", "e2e")


def test_kind(item: pytest.Item) -> str:
    return Path(str(item.fspath)).relative_to(TESTS_DIR).parts[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Fast tests first; browser tests last, as Playwright's loop would disturb async tests.
    items.sort(key=lambda item: KINDS.index(test_kind(item)) if test_kind(item) in KINDS else 0)
    for item in items:
        if test_kind(item) in KINDS:
            item.add_marker(getattr(pytest.mark, test_kind(item)))


@dataclass
class Servers:
    postgres: EmbeddedPostgres
    redis: EmbeddedRedis
    database_url: str
    redis_url: str


def use_servers(database_url: str, redis_url: str) -> None:
    """Point the settings (and every cached engine) at these servers."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    get_settings.cache_clear()
    dispose_engines()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    from voice_platform.runtime.migrations import upgrade

    root = tmp_path_factory.mktemp("servers")
    postgres = EmbeddedPostgres(root / "postgres")
    redis = EmbeddedRedis(root / "redis")
    database_url = postgres.start()
    try:
        redis_url = redis.start()
        use_servers(database_url, redis_url)
        upgrade()
        yield Servers(postgres, redis, database_url, redis_url)
    finally:
        dispose_engines()
        redis.stop()
        postgres.destroy()
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
        get_settings.cache_clear()


@pytest.fixture
def db(servers: Servers) -> Iterator[Servers]:
    """A test on the shared servers, starting from empty tables and an empty Redis."""
    use_servers(servers.database_url, servers.redis_url)
    yield servers
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with owner_engine().begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    import redis as redis_lib

    redis_lib.Redis.from_url(servers.redis_url).flushdb()
