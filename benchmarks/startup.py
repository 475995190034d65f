"""How long `voice-platform up` takes to serve, on a fresh data folder and again on the same.

Run: `make bench` (or `.venv/bin/python -m benchmarks.startup`). Prints each figure with the
bound it is held to, and exits non-zero when a bound is missed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from voice_platform.config import PROJECT_ROOT
from voice_platform.runtime.embedded import free_port

WARM_START_BOUND_SECONDS = 30.0
STOP_BOUND_SECONDS = 15.0


def start_and_stop(data_dir: Path) -> tuple[float, float]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DATA_DIR=str(data_dir), PORT=str(port))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "voice_platform.cli", "up"],
        cwd=PROJECT_ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    while True:
        if process.poll() is not None:
            raise SystemExit(f"`voice-platform up` exited with code {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    ready = time.perf_counter() - started
    stopping = time.perf_counter()
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=120)
    return ready, time.perf_counter() - stopping


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vp-bench-") as folder:
        data_dir = Path(folder) / "data"
        first_ready, first_stop = start_and_stop(data_dir)
        warm_ready, warm_stop = start_and_stop(data_dir)
    rows = [
        ("start on a fresh data folder", first_ready, None),
        ("start again on the same data", warm_ready, WARM_START_BOUND_SECONDS),
        ("stop (Ctrl-C) after the first start", first_stop, STOP_BOUND_SECONDS),
        ("stop (Ctrl-C) after the second start", warm_stop, STOP_BOUND_SECONDS),
    ]
    missed = False
    for label, seconds, bound in rows:
        verdict = (
            ""
            if bound is None
            else (f"  (bound {bound:.0f} s: " + ("ok)" if seconds <= bound else "MISSED)"))
        )
        missed |= bound is not None and seconds > bound
        print(f"{label:<40} {seconds:6.1f} s{verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
