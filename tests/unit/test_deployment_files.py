"""The files that describe a deployment agree with the code and parse."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from voice_platform.config import PROJECT_ROOT, Settings


def settings_variables() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def test_env_example_lists_every_setting_with_its_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = (PROJECT_ROOT / ".env.example").read_text()
    listed = {
        line.split("=", 1)[0] for line in example.splitlines() if line and not line.startswith("#")
    }
    assert listed == settings_variables()
    shutil.copy(PROJECT_ROOT / ".env.example", tmp_path / ".env")
    monkeypatch.chdir(tmp_path)
    assert Settings() == Settings(_env_file=None)


def test_readme_documents_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    missing = [name for name in sorted(settings_variables()) if f"`{name}`" not in readme]
    assert missing == []


def test_compose_describes_the_deployment() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "app", "worker"} <= set(services)
    assert "pgvector" in services["postgres"]["image"]
    for name in ("postgres", "redis", "app", "worker"):
        assert "healthcheck" in services[name], name
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])
    for name in ("app", "worker", "migrate"):
        env = services[name]["environment"]
        assert set(env) <= settings_variables(), name
    assert services["app"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_ci_workflow_runs_lint_types_and_tests() -> None:
    workflow = yaml.safe_load((PROJECT_ROOT / ".github/workflows/ci.yml").read_text())
    steps = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert {"make lint", "make typecheck", "make test"} <= set(steps)


def test_local_ci_runs_the_readme_test_command() -> None:
    script = (PROJECT_ROOT / ".ci" / "run").read_text()
    assert script.strip().splitlines()[-1] == "make test"
    assert "make test" in (PROJECT_ROOT / "README.md").read_text()


def test_dockerfile_passes_hadolint() -> None:
    hadolint = str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [hadolint, str(PROJECT_ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stdout
