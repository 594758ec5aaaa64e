"""A `manage.py qcluster` child process on this process's database (soak runs, tests)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection


def database_url() -> str:
    """DATABASE_URL of the database this process uses (the test database under tests)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}{port}/{db['NAME']}"


class QclusterProcess:
    """One cluster in its own process group, its output appended to `log_path`."""

    def __init__(self, log_path: Path, **env: str):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env={**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1", **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10) -> None:
        """Send `sig` (the cluster stops its workers on SIGTERM), then reap the group."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self.log.close()

    def workers_kill(self) -> int:
        """SIGKILL the processes the cluster's sentinel runs (workers, pusher, monitor), as
        an out-of-memory kill would: the sentinel starts new ones, and whatever a worker
        held is left unfinished. Returns how many were killed."""
        children = _children_by_parent()
        killed = 0
        for sentinel in children.get(self.process.pid, []):
            for pid in children.get(sentinel, []):
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
        return killed

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        ppid = int(text.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(text.partition(" ")[0]))
    return children
