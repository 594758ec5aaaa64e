"""`manage.py check --deploy` is clean with production settings from the environment."""

import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def deploy_check(tmp_path, **extra: str | None) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "kaziwhmcs_site.settings",
        "DEBUG": "false",
        "SECRET_KEY": "pR0d-" + Fernet.generate_key().decode() + "-s3cret-key",
        "WEBHOOK_SECRET": Fernet.generate_key().decode(),
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_COOKIES": "true",
        "TRUST_X_FORWARDED_PROTO": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "ALLOWED_HOSTS": "bridge.example.net",
        "CSRF_TRUSTED_ORIGINS": "https://bridge.example.net",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.update(extra)
    env = {name: value for name, value in env.items() if value is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_hsts_defaults_to_a_year_once_cookies_are_secure(tmp_path):
    result = deploy_check(tmp_path, SECURE_HSTS_SECONDS=None)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_notices_an_insecure_setup(tmp_path):
    result = deploy_check(tmp_path, SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W012" in result.stderr + result.stdout
    assert "security.W004" in result.stderr + result.stdout
