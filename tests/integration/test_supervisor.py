"""The parts of `voice-platform up`, in-process (the whole command runs in tests/e2e)."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from rich.console import Console

from voice_platform.config import Settings
from voice_platform.runtime import supervisor
from voice_platform.runtime.supervisor import (
    ManagedProcess,
    Stack,
    StartupError,
    child_env,
    health_url,
    reflex_command,
    run_up,
)


def quiet_console() -> Console:
    return Console(file=open("/dev/null", "w"))


def test_child_env_carries_urls_and_reflex_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NPM_CONFIG_REGISTRY", "https://registry.example/")
    env = child_env(
        Settings(_env_file=None, port=4100), database_url="postgresql://d", redis_url="redis://r"
    )
    assert env["DATABASE_URL"] == "postgresql://d"
    assert env["REDIS_URL"] == "redis://r"
    assert env["PORT"] == "4100"
    assert env["REFLEX_USE_SYSTEM_BUN"] == "1"
    assert env["REFLEX_TELEMETRY_ENABLED"] == "false"
    assert env["NPM_CONFIG_REGISTRY"] == "https://registry.example/"
    assert env["PATH"].startswith(str(supervisor.BUN_BIN))
    assert env["REFLEX_WEB_WORKDIR"] == str(Settings(_env_file=None).data_dir / "web")


def test_npm_registry_falls_back_when_npm_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NPM_CONFIG_REGISTRY", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert supervisor.npm_registry() == supervisor.DEFAULT_NPM_REGISTRY


def test_prod_serves_ui_and_api_on_one_port_dev_on_two() -> None:
    settings = Settings(_env_file=None, port=4100)
    prod = reflex_command(settings, dev=False)
    assert (
        prod[prod.index("--frontend-port") + 1] == prod[prod.index("--backend-port") + 1] == "4100"
    )
    dev = reflex_command(settings, dev=True)
    assert dev[dev.index("--backend-port") + 1] == "4101"
    assert health_url(settings, dev=False) == "http://127.0.0.1:4100/api/health"
    assert health_url(settings, dev=True) == "http://127.0.0.1:4101/api/health"


def spawn_tree(stack: Stack, name: str, script: str) -> ManagedProcess:
    stack.spawn(name, [sys.executable, "-c", script])
    return stack.processes[-1]


def test_stopping_a_process_stops_its_children_too(tmp_path: Path) -> None:
    stack = Stack(Settings(_env_file=None, data_dir=tmp_path), quiet_console())
    parent = spawn_tree(
        stack,
        "tree",
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "time.sleep(600)\n",
    )
    deadline = time.monotonic() + 10
    while not psutil.Process(parent.popen.pid).children() and time.monotonic() < deadline:
        time.sleep(0.05)
    child = psutil.Process(parent.popen.pid).children()[0]
    stack.stop()
    assert parent.popen.poll() is not None
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE


def test_a_process_that_ignores_sigterm_is_killed(tmp_path: Path) -> None:
    stack = Stack(Settings(_env_file=None, data_dir=tmp_path), quiet_console())
    stubborn = spawn_tree(
        stack,
        "stubborn",
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(600)\n",
    )
    time.sleep(0.3)
    started = time.monotonic()
    stubborn.stop(timeout=1)
    assert stubborn.popen.returncode == -9
    assert time.monotonic() - started < 10


def test_watch_reports_a_dead_child(tmp_path: Path) -> None:
    stack = Stack(Settings(_env_file=None, data_dir=tmp_path), quiet_console())
    spawn_tree(stack, "crasher", "raise SystemExit(3)")
    assert stack.watch() == 3
    stack.stop()


def test_wait_until_serving_names_a_child_that_died(tmp_path: Path) -> None:
    stack = Stack(Settings(_env_file=None, data_dir=tmp_path, port=1), quiet_console())
    spawn_tree(stack, "app", "raise SystemExit(4)")
    with pytest.raises(StartupError, match="app exited with code 4"):
        stack.wait_until_serving(health_url(stack.settings, dev=False), timeout=10)
    stack.stop()


def test_wait_until_serving_gives_up(tmp_path: Path) -> None:
    stack = Stack(Settings(_env_file=None, data_dir=tmp_path, port=1), quiet_console())
    with pytest.raises(StartupError, match="did not answer"):
        stack.wait_until_serving(health_url(stack.settings, dev=False), timeout=0.5)


def test_embedded_services_start_and_stop_with_the_stack(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="", redis_url="")
    stack = Stack(settings, quiet_console())
    stack.start_services()
    try:
        assert stack.database_url.startswith("postgresql://postgres@/voice_platform")
        assert stack.redis_url.startswith("redis://127.0.0.1:")
        assert stack.redis is not None
        redis_process = stack.redis.process
    finally:
        stack.stop()
    assert redis_process is not None
    assert redis_process.poll() is not None
    assert stack.postgres is None


def test_configured_services_are_used_as_they_are(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        database_url="postgresql://x@db/y",
        redis_url="redis://r:1/0",
    )
    stack = Stack(settings, quiet_console())
    stack.start_services()
    assert (stack.database_url, stack.redis_url) == ("postgresql://x@db/y", "redis://r:1/0")
    assert stack.postgres is None
    assert stack.redis is None


SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def stand_in_children(monkeypatch: pytest.MonkeyPatch, app: list[str]) -> None:
    """Run small programs in place of the Reflex app and the worker."""
    monkeypatch.setattr(supervisor, "reflex_command", lambda settings, dev: app)
    monkeypatch.setattr(supervisor, "worker_command", lambda: SLEEPER)


def test_up_reports_a_failed_start_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An app that dies at once: `up` must say so, exit 1 and leave nothing running.
    stand_in_children(monkeypatch, [sys.executable, "-c", "raise SystemExit(7)"])
    output = tmp_path / "out.txt"
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path / "data",
        port=1,
        database_url="",
        redis_url="",
        seed_demo_calls=0,
    )
    with output.open("w") as sink:
        code = run_up(settings, Console(file=sink, width=200))
    text = output.read_text()
    assert code == 1
    assert "Could not start: app exited with code 7" in text
    assert "Database migrations applied" in text
    assert "Stopped; data kept" in text
    leftovers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(tmp_path) in " ".join(p.info["cmdline"] or [])
    ]
    assert leftovers == []


def test_up_stops_cleanly_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in_children(monkeypatch, SLEEPER)
    monkeypatch.setattr(Stack, "wait_until_serving", lambda self, url, timeout: None)

    def interrupt_soon() -> None:
        time.sleep(2)
        import _thread

        _thread.interrupt_main()

    threading.Thread(target=interrupt_soon, daemon=True).start()
    output = tmp_path / "out.txt"
    with output.open("w") as sink:
        code = run_up(
            # No demo history: writing it could outlast the two seconds before the interrupt.
            Settings(_env_file=None, data_dir=tmp_path / "data", seed_demo_calls=0),
            Console(file=sink, width=200),
        )
    assert code == 0
    text = output.read_text()
    assert "is running at" in text
    assert "Stopping" in text


def test_json_logs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import structlog

    from voice_platform.config import get_settings
    from voice_platform.logs import configure_logging

    monkeypatch.setenv("LOG_JSON", "true")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    get_settings.cache_clear()
    try:
        configure_logging()
        structlog.get_logger("probe").info("hello", tenant="t1")
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        configure_logging()
    assert line["event"] == "hello"
    assert line["tenant"] == "t1"
    assert line["level"] == "info"
