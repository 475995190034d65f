"""`voice-platform up`: the embedded stack and the app, started and stopped as one.

Starts what is not configured (PostgreSQL, Redis), applies migrations, starts the arq worker
and the Reflex app (UI and /api on one port), waits until the app answers, and on Ctrl-C or
SIGTERM stops every process it started. Data stays under DATA_DIR for the next start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import httpx
import psutil
from rich.console import Console

from voice_platform.config import PROJECT_ROOT, Settings
from voice_platform.runtime.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedServerError
from voice_platform.services.seed import DemoLogins

BUN_BIN = PROJECT_ROOT / ".tools" / "node_modules" / ".bin"
DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/"


class StartupError(RuntimeError):
    """The stack could not be started; the message says why and what to do."""


def npm_registry() -> str:
    """The registry npm is configured for, so bun installs from the same place."""
    if registry := os.environ.get("NPM_CONFIG_REGISTRY"):
        return registry
    try:
        found = subprocess.run(
            ["npm", "config", "get", "registry"],  # noqa: S607
            capture_output=True, text=True, timeout=20, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return DEFAULT_NPM_REGISTRY
    return found or DEFAULT_NPM_REGISTRY


def child_env(settings: Settings, *, database_url: str, redis_url: str) -> dict[str, str]:
    """Environment for the worker and the Reflex app: the resolved URLs and Reflex's knobs."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(settings.data_dir),
        HOST=settings.host,
        PORT=str(settings.port),
        PYTHONUNBUFFERED="1",
        REFLEX_USE_SYSTEM_BUN="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
        NPM_CONFIG_REGISTRY=npm_registry(),
        # Each data folder builds its own UI: the build bakes in the port, so two instances
        # sharing one build folder would point each other's pages at the wrong server.
        REFLEX_WEB_WORKDIR=str(settings.data_dir / "web"),
        REFLEX_STATES_WORKDIR=str(settings.data_dir / "states"),
        PATH=f"{BUN_BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def reflex_command(settings: Settings, *, dev: bool) -> list[str]:
    port = str(settings.port)
    if dev:
        return [sys.executable, "-m", "reflex", "run", "--env", "dev",
                "--frontend-port", port, "--backend-port", str(settings.port + 1),
                "--backend-host", settings.host]  # fmt: skip
    return [sys.executable, "-m", "reflex", "run", "--env", "prod",
            "--frontend-port", port, "--backend-port", port,
            "--backend-host", settings.host]  # fmt: skip


def health_url(settings: Settings, *, dev: bool) -> str:
    """Where the API answers: the one port in production, the backend's port in dev mode."""
    port = settings.port + 1 if dev else settings.port
    return f"http://{settings.host}:{port}/api/health"


def worker_command() -> list[str]:
    return [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"]


@dataclass
class ManagedProcess:
    name: str
    popen: subprocess.Popen[bytes]

    def stop(self, timeout: float = 15.0) -> None:
        """Stop the process and everything it spawned (it leads its own session)."""
        if self.popen.poll() is not None:
            return
        try:
            tree = [psutil.Process(self.popen.pid), *psutil.Process(self.popen.pid).children(True)]
        except psutil.NoSuchProcess:
            tree = []
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        _, alive = psutil.wait_procs(tree, timeout=timeout)
        for proc in alive:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=5)


@dataclass
class Stack:
    settings: Settings
    console: Console
    postgres: EmbeddedPostgres | None = None
    redis: EmbeddedRedis | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    database_url: str = ""
    redis_url: str = ""

    def start_services(self) -> None:
        data = self.settings.data_dir
        self.database_url = self.settings.database_url
        if not self.database_url:
            started = time.perf_counter()
            self.postgres = EmbeddedPostgres(data / "postgres")
            self.database_url = self.postgres.start()
            self._say(f"PostgreSQL (embedded) ready in {time.perf_counter() - started:.1f} s")
        self.redis_url = self.settings.redis_url
        if not self.redis_url:
            started = time.perf_counter()
            stop_stale_redis(data / "redis")
            self.redis = EmbeddedRedis(data / "redis")
            self.redis_url = self.redis.start()
            self._say(f"Redis (embedded) ready in {time.perf_counter() - started:.1f} s")

    def spawn(self, name: str, command: list[str], log: TextIO | None = None) -> None:
        env = child_env(self.settings, database_url=self.database_url, redis_url=self.redis_url)
        popen = subprocess.Popen(  # noqa: S603
            command, cwd=PROJECT_ROOT, env=env, start_new_session=True,
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT if log else None,
        )  # fmt: skip
        self.processes.append(ManagedProcess(name, popen))

    def wait_until_serving(self, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.processes:
                if proc.popen.poll() is not None:
                    raise StartupError(f"{proc.name} exited with code {proc.popen.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code in (200, 503):
                    return
            time.sleep(0.5)
        raise StartupError(f"the app did not answer on {url} within {timeout:.0f} s")

    def watch(self) -> int:
        """Block until a child dies (returning its code) or we are asked to stop."""
        while True:
            for proc in self.processes:
                code = proc.popen.poll()
                if code is not None:
                    self._say(f"[red]{proc.name} exited with code {code}; stopping[/red]")
                    return code or 1
            time.sleep(0.5)

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()
        if self.redis:
            self.redis.stop()
            self.redis = None
        if self.postgres:
            self.postgres.stop()
            self.postgres = None

    def _say(self, message: str) -> None:
        self.console.print(message)


def stop_stale_redis(redis_dir: Path) -> None:
    """A Redis left running by a killed `up` would hold the data folder: stop it."""
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if proc.info.get("name") == "redis-server" or any("redis-server" in c for c in cmdline[:1]):
            with contextlib.suppress(psutil.Error):
                if proc.cwd() == str(redis_dir) or str(redis_dir) in " ".join(cmdline):
                    proc.terminate()
                    proc.wait(10)


@contextlib.contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    import fasteners

    data_dir.mkdir(parents=True, exist_ok=True)
    lock = fasteners.InterProcessLock(str(data_dir / "up.lock"))
    if not lock.acquire(blocking=False):
        raise StartupError(
            f"another `voice-platform up` is already running with the data folder {data_dir}"
        )
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGINT, SIGTERM and SIGHUP into KeyboardInterrupt, so one path cleans up.

    SIGINT is set explicitly: a shell starts background jobs with it ignored."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {
        sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def seed(settings: Settings, database_url: str) -> DemoLogins | None:
    """The demo tenant, on a first start outside production, with a made-up call history."""
    if not settings.seed_demo or settings.environment == "production":
        return None
    from sqlmodel import Session, create_engine

    from voice_platform.db import sqlalchemy_url
    from voice_platform.services.demo_calls import seed_calls
    from voice_platform.services.seed import seed_demo

    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with Session(engine) as session, session.begin():
            logins = seed_demo(session)
            if logins is not None and settings.seed_demo_calls:
                seed_calls(session, tenant_id=logins.tenant_id, count=settings.seed_demo_calls)
            return logins
    finally:
        engine.dispose()


def run_up(settings: Settings, console: Console, *, dev: bool = False) -> int:
    from voice_platform.runtime.migrations import upgrade

    started = time.perf_counter()
    with data_dir_lock(settings.data_dir), stop_on_signals():
        stack = Stack(settings, console)
        try:
            stack.start_services()
            upgrade(url=stack.database_url)
            console.print("Database migrations applied")
            logins = seed(settings, stack.database_url)
            stack.spawn("worker", worker_command())
            stack.spawn("app", reflex_command(settings, dev=dev))
            console.print("Starting the app (the first start builds the UI; that takes a while)")
            stack.wait_until_serving(health_url(settings, dev=dev), timeout=900)
            docs = health_url(settings, dev=dev).removesuffix("/health") + "/docs"
            console.print(
                f"\n[bold green]Voice Platform is running at "
                f"http://{settings.host}:{settings.port}[/bold green]  "
                f"(API docs: {docs}; ready in {time.perf_counter() - started:.1f} s). "
                "Press Ctrl-C to stop.\n"
            )
            if logins:
                console.print(
                    f"Demo tenant created. Log in at http://{settings.host}:{settings.port}/login "
                    f"as {logins.owner_email} (owner) or {logins.staff_email} (staff), "
                    f"password {logins.password}"
                    + (
                        f"; it has {settings.seed_demo_calls} made-up calls to show on its "
                        "dashboard (`voice-platform demo clear` removes them)\n"
                        if settings.seed_demo_calls
                        else "\n"
                    )
                )
            return stack.watch()
        except KeyboardInterrupt:
            console.print("\nStopping…")
            return 0
        except (StartupError, EmbeddedServerError) as exc:
            console.print(f"[red]Could not start: {exc}[/red]")
            return 1
        finally:
            stack.stop()
            console.print("Stopped; data kept in " + str(settings.data_dir))
