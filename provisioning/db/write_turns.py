"""On SQLite, webhooks take turns for the database's single write lock on an OS file lock.

Every write transaction holds SQLite's one write lock (BEGIN IMMEDIATE). A connection
that finds it taken sleeps in SQLite's busy handler (1, 2, 5, 10 … up to 100 ms) before
trying again, so with a few gunicorn processes a webhook waited up to half a second for
a lock that was free after a millisecond, and the cores idled meanwhile. Waiting on an
flock instead, a webhook wakes the moment the previous one has committed. Only webhook
transactions take the turn, and none waits for anything else while holding it, so a
turn cannot deadlock; other writers (workers, the broker's pusher, admin) still meet
SQLite's busy handler (turns for every write transaction were measured slower). The
webhook view calls the intake through `turn_taken`; no rule module names it."""

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from functools import wraps

from django.db import DEFAULT_DB_ALIAS, connections
from django.views.decorators.debug import sensitive_variables

from .sqlite_files import sqlite_side_file


def _lock_path(connection) -> str | None:
    return sqlite_side_file(connection, ".write-turn")


@contextlib.contextmanager
def write_turn(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Hold this process's turn to write (SQLite file databases); elsewhere, nothing."""
    connection = connections[using]
    path = None if connection.in_atomic_block else _lock_path(connection)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def turn_taken(func: Callable) -> Callable:
    """`func`, called holding this process's turn to write (`write_turn`). Its arguments
    stay out of error reports (a webhook's request holds passwords)."""

    @wraps(func)
    @sensitive_variables()
    def taking(*args, **kwargs):
        with write_turn():
            return func(*args, **kwargs)

    return taking
