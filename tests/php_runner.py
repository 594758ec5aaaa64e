"""Running the kaziwhmcs PHP module's scenarios (tests/php/) against a live bridge."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser_fixtures import system_requirement

ROOT = Path(__file__).resolve().parent.parent
MODULE_DIR = ROOT / "whmcs" / "modules" / "servers" / "kaziwhmcs"
RUNNER = ROOT / "tests" / "php" / "run_module_tests.php"
SERVER_ID = "1"


@pytest.fixture
def php():
    system_requirement("php-cli", shutil.which("php") is not None)
    return shutil.which("php")


def run_scenario(php, tmp_path, scenario, panel, bridge_url, worker=None, **env) -> dict:
    report = tmp_path / "report.json"
    completed = subprocess.run(
        [php, str(RUNNER), scenario],
        env={
            "PATH": "/usr/bin:/bin",
            "KAZI_BRIDGE_URL": bridge_url,
            "KAZI_WEBHOOK_SECRET": settings.WEBHOOK_SECRET,
            "KAZI_PANEL_URL": panel.url,
            "KAZI_SERVER_ID": SERVER_ID,
            "KAZI_REPORT": str(report),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    if completed.returncode != 0:
        print(worker.output() if worker else "")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.strip().endswith(f"ok {scenario}")
    return json.loads(report.read_text())
