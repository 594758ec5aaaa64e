"""Waking the database broker's pusher when a task is queued (SQLite, the embedded default).

django-q2's database broker looks for new tasks every `Q_POLL` seconds: 0.1 s of delay on
average before every operation starts, most of what a WHMCS call waited for the bridge.
Polling faster costs CPU while the bridge has no work. Instead, a process that queued a
task rings a bell once it commits: one byte into a named pipe next to the database file,
which the pusher waits on (for `Q_POLL` seconds at most, so a lost ring only delays).
The pipe holds no data worth keeping; with no pusher listening, a ring is dropped.

Only for SQLite file databases: their processes share a host, hence the pipe. Elsewhere
(PostgreSQL with the database broker) the pusher polls as before."""

import contextlib
import os
import select
import stat
import time

from django.db import DEFAULT_DB_ALIAS, connections


def _bell_path(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """`<database file>.queue-bell` for a SQLite file database (the processes sharing it
    share a host), else None."""
    connection = connections[using]
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name.startswith("file:") or ":memory:" in name:
        return None
    return f"{name}.queue-bell"


def queue_bell_ring(using: str = DEFAULT_DB_ALIAS) -> None:
    """Wake a pusher waiting for tasks (call once the task is committed)."""
    path = _bell_path(using)
    if path is None:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # no pipe yet, or no pusher listening (ENXIO): it will look when it starts
    try:
        os.write(fd, b"\0")
    except BlockingIOError:
        pass  # the pipe is full of unread rings: the pusher is woken already
    finally:
        os.close(fd)


class QueueBell:
    """The pusher's side: wait for a ring, or for `timeout` seconds."""

    def __init__(self, using: str = DEFAULT_DB_ALIAS):
        self.fd: int | None = None
        path = _bell_path(using)
        if path is None:
            return
        with contextlib.suppress(FileExistsError):
            os.mkfifo(path, 0o600)
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            return  # something else has that name: poll instead
        # Read and write: the pipe never reports end-of-file when the last ringer closes.
        self.fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)

    def wait(self, timeout: float) -> None:
        if self.fd is None:
            time.sleep(timeout)
            return
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            with contextlib.suppress(BlockingIOError):
                while os.read(self.fd, 4096):
                    pass

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
