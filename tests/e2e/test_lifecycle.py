"""`voice-platform up` as a user runs it: start, Ctrl-C, start again on the same data."""

from __future__ import annotations

import httpx
import psycopg

from tests.conftest import RESULTS_DIR
from tests.e2e.conftest import processes_using, start_app


def embedded_database_url(data_dir) -> str:  # type: ignore[no-untyped-def]
    return f"postgresql://postgres@/voice_platform?host={data_dir / 'postgres'}"


def test_ctrl_c_stops_everything_and_data_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    first = start_app(data_dir, RESULTS_DIR / "lifecycle-first.log")
    try:
        assert httpx.get(f"{first.url}/api/health").json()["status"] == "ok"
        with psycopg.connect(embedded_database_url(data_dir), autocommit=True) as conn:
            conn.execute(
                "INSERT INTO tenants (id, slug, name) VALUES (gen_random_uuid(), 'kept', 'Kept')"
            )
    finally:
        assert first.stop() == 0
    assert processes_using(data_dir) == []
    first_log = first.log.read_text()
    assert "Stopped; data kept" in first_log
    assert "as owner@demo.example (owner) or staff@demo.example (staff)" in first_log

    second = start_app(data_dir, RESULTS_DIR / "lifecycle-second.log")
    try:
        with psycopg.connect(embedded_database_url(data_dir)) as conn:
            names = conn.execute("SELECT name FROM tenants").fetchall()
        assert sorted(names) == [("Bright Smile Dental (demo)",), ("Kept",)]
        assert "Demo tenant created" not in second.log.read_text()
        print(f"first start {first.started_in:.1f} s, second start {second.started_in:.1f} s")
    finally:
        assert second.stop() == 0
    assert processes_using(data_dir) == []
