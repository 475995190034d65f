"""The running app (`voice-platform up` on throwaway data) and headless Debian Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import RESULTS_DIR
from voice_platform.config import PROJECT_ROOT
from voice_platform.runtime.embedded import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
START_TIMEOUT_SECONDS = 900


@dataclass
class RunningApp:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    log: Path
    started_in: float

    def stop(self) -> int:
        """Ctrl-C, as a person in a terminal would: SIGINT to the whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=120)


def start_app(data_dir: Path, log: Path) -> RunningApp:
    log.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATA_DIR=str(data_dir), PORT=str(port), HOST="127.0.0.1")
    # The corpus sites the creation tests read are served on loopback.
    env.update(CRAWL_ALLOW_PRIVATE_NETWORKS="true")
    # The tests start from an empty demo business (its made-up call history and demo agent are
    # tested in tests/integration/test_demo_calls.py; the dashboard test seeds its own).
    env.update(SEED_DEMO_CALLS="0")
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "voice_platform.cli", "up"],
        cwd=PROJECT_ROOT, env=env, start_new_session=True,
        stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"`voice-platform up` exited early:\n{log.read_text()[-3000:]}")
        try:
            healthy = httpx.get(f"{url}/api/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            healthy = False
        if healthy and "Press Ctrl-C to stop" in log.read_text():
            return RunningApp(url, data_dir, process, log, time.perf_counter() - started)
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError(f"the app never became healthy:\n{log.read_text()[-3000:]}")


def processes_using(data_dir: Path) -> list[str]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info.get("cmdline") or [])
        if str(data_dir) in cmdline:
            found.append(cmdline)
    return found


@pytest.fixture(scope="session")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    app = start_app(tmp_path_factory.mktemp("app-data"), RESULTS_DIR / "app.log")
    yield app
    if app.process.poll() is None:
        app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


def open_page(browser: Browser, viewport: dict[str, int], errors: list[str]) -> Page:
    page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


@pytest.fixture
def desktop(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    page = open_page(browser, DESKTOP, console_errors)
    yield page
    page.close()


@pytest.fixture
def phone(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    page = open_page(browser, PHONE, console_errors)
    yield page
    page.close()


@pytest.fixture
def second_desktop(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    """Another person (or another tab) at the same time."""
    page = open_page(browser, DESKTOP, console_errors)
    yield page
    page.close()


@pytest.fixture
def third_desktop(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    page = open_page(browser, DESKTOP, console_errors)
    yield page
    page.close()


def screenshot(page: Page, name: str) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
