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

    def connection_owner_kill(self, local_port: int) -> bool:
        """SIGKILL the cluster's process holding the TCP connection from `local_port` (a
        worker in the middle of a panel call), as an out-of-memory kill would: the sentinel
        starts a new worker, and the attempt it held is left unfinished. Only a busy worker
        may be killed so: an idle one waits on the task queue holding the queue's lock,
        which its death would leave taken for the cluster's other workers."""
        sockets = _socket_links(local_port)
        for pid in _descendants(self.process.pid):
            try:
                links = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
            except OSError:
                continue  # gone meanwhile
            if links & sockets:
                os.kill(pid, signal.SIGKILL)
                return True
        return False

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # gone meanwhile
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        ppid = int(text.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(text.partition(" ")[0]))
    found, todo = [], list(children.get(pid, []))
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def _socket_links(local_port: int) -> set[str]:
    """The /proc/<pid>/fd link names of the TCP sockets bound to `local_port`."""
    links = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if int(fields[1].rpartition(":")[2], 16) == local_port:
                links.add(f"socket:[{fields[9]}]")
    return links
