"""`manage.py soak` itself: it runs on a throwaway database, never the configured one,
and a soak that fails exits non-zero."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e]


def test_it_leaves_the_configured_database_alone_and_exits_non_zero_when_it_fails(tmp_path):
    configured = tmp_path / "configured.sqlite3"
    with sqlite3.connect(configured) as db:
        db.execute("CREATE TABLE kept (note TEXT)")
        db.execute("INSERT INTO kept VALUES ('the operator''s data')")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="kaziwhmcs_site.settings_test",
        DATABASE_URL=f"sqlite:///{configured}",
    )
    # No time to wait for the operations at the end: some are unfinished, the soak fails.
    command = [sys.executable, "manage.py", "soak", "--services", "2", "--workers", "2"]
    done = subprocess.run(
        [*command, "--timeout", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stdout
    assert "unfinished" in done.stdout
    assert "soak failed: duplicates, mismatches or unfinished operations" in done.stderr
    with sqlite3.connect(configured) as db:
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        rows = db.execute("SELECT note FROM kept").fetchall()
    assert (tables, rows) == ([("kept",)], [("the operator's data",)])


def test_bad_arguments_are_refused_before_any_database_is_made(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="kaziwhmcs_site.settings_test",
        DATABASE_URL=f"sqlite:///{tmp_path / 'configured.sqlite3'}",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "soak", "--services", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "--services and --workers must be positive" in done.stderr
