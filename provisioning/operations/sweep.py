"""The sweep (every minute): sends what is due, ends attempts whose worker is gone, and
sends again the tasks that were lost, without flooding a queue that is merely behind."""

from datetime import datetime, timedelta

from django.db.models import F, Q
from django.utils import timezone

from ..db.task_broker import broker
from ..models import Operation
from .queueing import earlier_unfinished, operation_enqueue
from .worker import attempt_stale_before, operation_worker_lost

State = Operation.State

# A QUEUED or due RETRYING operation enqueued this long ago and still not taken: its task
# may be lost (a broker that does not redeliver, a killed cluster's prefetched tasks).
REQUEUE_AFTER = timedelta(minutes=2)
SWEEP_BATCH = 1000


def operations_sweep(now: datetime | None = None, requeue_after: timedelta = REQUEUE_AFTER) -> int:
    """Enqueue retries whose time came, end the attempts of lost workers, and send again
    what was left behind. Returns how many operations it enqueued or ended.

    Each row is touched (updated_at) when enqueued, so a due retry is sent once and a row
    sent again waits another `requeue_after`. Operations waiting behind an earlier one of
    their service are left alone: the finisher of that one enqueues them."""
    now = now or timezone.now()
    # A paused server's operations wait for its pause to end (provisioning/panels/access.py).
    first_of_service = (
        Operation.objects.exclude(earlier_unfinished())
        .exclude(server__paused_until__gt=now)
        .order_by("id")
    )
    ended = 0
    stale = Operation.objects.filter(state=State.RUNNING, updated_at__lt=attempt_stale_before(now))
    for op in stale.order_by("id")[:SWEEP_BATCH]:
        ended += operation_worker_lost(op, now) is not None
    # Retries, and operations a paused server sent away, whose time came.
    due = first_of_service.filter(
        state__in=(State.QUEUED, State.RETRYING),
        next_attempt_at__lte=now,
        updated_at__lt=F("next_attempt_at"),
    )
    sent = _send(list(due.values_list("id", "state")[:SWEEP_BATCH]), now)
    left = first_of_service.filter(
        Q(state=State.QUEUED, next_attempt_at=None)
        | Q(state__in=(State.QUEUED, State.RETRYING), next_attempt_at__lte=now),
        updated_at__lt=now - requeue_after,
    )
    # Behind a backlog, a task waits longer than `requeue_after` without being lost: only
    # as many as the broker lacks are sent again, the longest waiting first.
    missing = left.count() - _broker_backlog()
    if missing > 0:
        sent += _send(list(left.values_list("id", "state")[: min(missing, SWEEP_BATCH)]), now)
    return ended + sent


def _send(rows: list[tuple[int, str]], now: datetime) -> int:
    for operation_id, state in rows:
        Operation.objects.filter(pk=operation_id, state=state).update(updated_at=now)
        operation_enqueue(operation_id)
    return len(rows)


def _broker_backlog() -> int:
    """Tasks the broker still holds: waiting, and (database broker) taken by a worker and
    not acknowledged yet, which it delivers again if that worker dies."""
    found = broker()
    return (found.queue_size() or 0) + (found.lock_size() or 0)
