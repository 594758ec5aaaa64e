"""Start-up configuration: secrets are required outside DEBUG, and said so clearly."""

import os
import subprocess
import sys
from pathlib import Path

from kaziwhmcs_site.envfile import envfile_ensure

ROOT = Path(__file__).resolve().parent.parent
SECRETS = ("SECRET_KEY", "WEBHOOK_SECRET", "FIELD_ENCRYPTION_KEYS")


def manage(*args: str, cwd: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("DJANGO")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_without_secrets_and_debug_off_start_up_fails_naming_them(tmp_path):
    # No .env next to the settings is read from tmp_path; the checkout's own .env may exist,
    # so point the settings at an empty one through the documented *_FILE variables.
    empty = tmp_path / "empty"
    empty.write_text("")
    result = manage(
        "check",
        DEBUG="false",
        SECRET_KEY_FILE=str(empty),
        WEBHOOK_SECRET_FILE=str(empty),
        FIELD_ENCRYPTION_KEYS_FILE=str(empty),
    )
    assert result.returncode != 0
    assert (
        "Missing secret setting(s): SECRET_KEY, WEBHOOK_SECRET, FIELD_ENCRYPTION_KEYS"
        in result.stderr
    )


def test_secrets_can_come_from_files(tmp_path):
    values = {
        "SECRET_KEY": "k" * 50,
        "WEBHOOK_SECRET": "hook",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy0wMDA=",
    }
    env = {}
    for name, value in values.items():
        path = tmp_path / name
        path.write_text(value + "\n")
        env[f"{name}_FILE"] = str(path)
    result = manage("check", DEBUG="false", **env)
    assert result.returncode == 0, result.stderr


def test_a_boolean_typo_is_refused(tmp_path):
    result = manage("check", DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_the_first_run_writes_a_private_env_file_once(tmp_path):
    path = tmp_path / ".env"
    assert envfile_ensure(path) is True
    first = path.read_text()
    assert {line.split("=")[0] for line in first.splitlines() if "=" in line} == set(SECRETS)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert envfile_ensure(path) is False
    assert path.read_text() == first
