"""A real `qcluster` process on the test database, and a way to wait for its work."""

import time
from pathlib import Path

import pytest

from devtools.qcluster_process import QclusterProcess


class Worker(QclusterProcess):
    """A cluster on the test database with a fast poll."""

    def __init__(self, log_path: Path, **env: str):
        fast = {"Q_POLL": "0.05", "Q_GUARD_CYCLE": "0.1"}
        super().__init__(
            log_path, DJANGO_SETTINGS_MODULE="kaziwhmcs_site.settings_test", **{**fast, **env}
        )


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A qcluster worker process for one test (its own log in the test's tmp dir)."""
    started = Worker(tmp_path / "qcluster.log")
    yield started
    started.stop()


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.05, message: str = ""):
    """Poll a real process's effect until it shows (a deadline, not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message or predicate}")
        time.sleep(interval)
