"""The quality bar of #5: each corpus site, served on loopback and read offline by
`voice-platform kb build`, scored by the shared scorer. Required per site: recall 0.85,
in-category 0.75, no decoy leaked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.test_crawler import serve
from tests.shared import SHARED
from voice_platform.cli import app

SITES = (
    "bright-smile-dental",
    "fade-and-fringe-salon",
    "nonna-rosa-pizzeria",
    "rapid-rooter-plumbing",
)
SUMMARY = re.compile(
    r"recall (?P<recall>[\d.]+) .*in-category (?P<in_category>[\d.]+), "
    r"decoys leaked (?P<leaked>\d+)"
)


@pytest.mark.parametrize("site", SITES)
def test_the_offline_kb_meets_the_bar(site: str, tmp_path: Path) -> None:
    out = tmp_path / "kb.json"
    for url, _ in serve(site, tmp_path):
        result = CliRunner().invoke(
            app, ["kb", "build", url, "--out", str(out), "--allow-private-networks", "--offline"]
        )
        assert result.exit_code == 0, result.output
    scored = subprocess.run(
        [
            sys.executable,
            str(SHARED / "tools" / "score.py"),
            "kb",
            str(SHARED / "sites" / site),
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = SUMMARY.search(scored.strip().splitlines()[-1])
    assert found, scored
    assert float(found["recall"]) >= 0.85, scored
    assert float(found["in_category"]) >= 0.75, scored
    assert found["leaked"] == "0", scored
