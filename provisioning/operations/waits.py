"""A status request that waits for its operation's outcome (the WHMCS module's long poll).

WHMCS's cron suspends overdue services one after another, each call waiting for the
module: the sooner a status request learns the outcome, the sooner the next call starts.
A worker that moves an operation out of RUNNING tells the waiters at once on PostgreSQL
(`NOTIFY` on the operation's channel, delivered when its transaction commits); on SQLite a
waiter reads the row again every few milliseconds. Either way the row is what decides:
a notification only says "look again".

At most `STATUS_WAIT_SLOTS` requests of one web process wait at once; the others answer
at once (the module then asks again after a short sleep), so that many waiting calls
never take every thread of the web server from webhooks and pages."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from ..models import Operation

# The longest a status request waits (the module asks again for longer waits).
MAX_WAIT_SECONDS = 10.0
# SQLite has no notification: a waiting request reads the row this often.
SQLITE_POLL_SECONDS = 0.01
# Changes that notify no one (an admin's action, a termination superseding the operation,
# a paused server deferring it) are seen within this on PostgreSQL too.
RECHECK_SECONDS = 1.0

# This process's waiting slots, by STATUS_WAIT_SLOTS (one entry outside tests).
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def operation_changed_notify(operation_id: int) -> None:
    """Tell the waiters of an operation to look at it again (when the caller's transaction
    commits; at once outside one). Nothing to do on SQLite, where waiters poll."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [_channel(operation_id)])


def waiting_helps(op: Operation) -> bool:
    """Whether an outcome may come soon: a first attempt queued or running. A retrying
    operation waits for its backoff, a deferred one for its server's pause."""
    if op.state == Operation.State.RUNNING:
        return True
    return op.state == Operation.State.QUEUED and op.next_attempt_at is None


def operation_wait(op: Operation, seconds: float) -> Operation:
    """The operation as it is once waiting no longer helps, or after `seconds` (at once
    when every waiting slot of this process is taken)."""
    seconds = min(seconds, MAX_WAIT_SECONDS)
    slots = _slots_get()
    if seconds <= 0 or not waiting_helps(op) or not slots.acquire(blocking=False):
        return op
    try:
        deadline = time.monotonic() + seconds
        with _hints(op.pk) as hint_wait:
            while True:
                # Read after listening: a finish committed in between is not missed.
                op = Operation.objects.select_related("server").get(pk=op.pk)
                left = deadline - time.monotonic()
                if left <= 0 or not waiting_helps(op):
                    return op
                hint_wait(left)
    finally:
        slots.release()


def _slots_get() -> threading.BoundedSemaphore:
    size = settings.STATUS_WAIT_SLOTS
    with _slots_lock:
        if size not in _slots:
            _slots[size] = threading.BoundedSemaphore(size)
        return _slots[size]


def _channel(operation_id: int) -> str:
    return f"kaziwhmcs_operation_{operation_id}"


@contextmanager
def _hints(operation_id: int) -> Iterator[Callable[[float], None]]:
    """A function that returns when the operation may have changed (or after a while)."""
    if connection.vendor != "postgresql":
        yield lambda left: time.sleep(min(left, SQLITE_POLL_SECONDS))
        return
    connection.ensure_connection()
    raw, channel = connection.connection, connection.ops.quote_name(_channel(operation_id))
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {channel}")

    def hint_wait(left: float) -> None:
        for _notification in raw.notifies(timeout=min(left, RECHECK_SECONDS), stop_after=1):
            pass

    try:
        yield hint_wait
    finally:
        with connection.cursor() as cursor:
            # The connection outlives the request (CONN_MAX_AGE): leave it listening to
            # nothing. A notification already received is only a spurious "look again".
            cursor.execute(f"UNLISTEN {channel}")
