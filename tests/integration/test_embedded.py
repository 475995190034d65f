"""The embedded servers keep their data across restarts and fail with clear messages."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import redis

from tests.conftest import Servers
from voice_platform.runtime.embedded import (
    EmbeddedPostgres,
    EmbeddedRedis,
    EmbeddedServerError,
    running_postgres_url,
)
from voice_platform.runtime.supervisor import data_dir_lock, stop_stale_redis


def test_postgres_keeps_data_across_restarts(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        server.stop()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2)
        url = server.start()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT note FROM kept").fetchone() == ("still here",)
    finally:
        server.destroy()
    assert not (tmp_path / "pg").exists()


def test_redis_keeps_data_across_restarts(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    client = redis.Redis.from_url(server.start())
    client.set("greeting", "hello")
    server.stop()
    restarted = EmbeddedRedis(tmp_path / "redis")
    try:
        assert redis.Redis.from_url(restarted.start()).get("greeting") == b"hello"
    finally:
        restarted.stop()


def test_redis_on_a_taken_port_fails_clearly(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = EmbeddedRedis(tmp_path / "redis", port=taken.getsockname()[1])
        with pytest.raises(EmbeddedServerError, match=r"redis\.log"):
            server.start()


def test_postgres_in_an_unusable_folder_fails_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(EmbeddedServerError, match="cannot use"):
        EmbeddedPostgres(blocker / "sub" / "pg").start()
    with pytest.raises(EmbeddedServerError, match="cannot use"):
        EmbeddedRedis(blocker / "redis").start()


def test_a_stale_redis_for_the_same_folder_is_stopped(tmp_path: Path) -> None:
    orphan = EmbeddedRedis(tmp_path / "redis")
    orphan.start()
    assert orphan.process is not None
    stop_stale_redis(tmp_path / "redis")
    assert orphan.process.wait(timeout=10) == 0


def test_one_up_per_data_folder(tmp_path: Path) -> None:
    second_up = (
        "import sys; from pathlib import Path\n"
        "from voice_platform.runtime.supervisor import StartupError, data_dir_lock\n"
        "try:\n"
        "    with data_dir_lock(Path(sys.argv[1])): print('acquired')\n"
        "except StartupError as exc: print(exc)\n"
    )
    command = [sys.executable, "-c", second_up, str(tmp_path)]
    with data_dir_lock(tmp_path):
        refused = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert "already running" in refused
    assert (
        subprocess.run(command, capture_output=True, text=True, check=True).stdout == "acquired\n"
    )


def test_the_cli_finds_the_database_of_a_running_up(servers: Servers, tmp_path: Path) -> None:
    """`voice-platform demo seed` and the other database commands beside `up`: its running
    server is found from the data folder, and a stopped or absent one is not."""
    url = running_postgres_url(servers.postgres.data_dir)
    assert url is not None
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("voice_platform",)
    assert running_postgres_url(tmp_path / "postgres") is None
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / "postmaster.pid").write_text("999999999\n/x\n0\n5432\n/tmp\n")
    assert running_postgres_url(stale) is None
