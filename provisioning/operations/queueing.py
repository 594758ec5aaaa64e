"""Putting an operation's task on the queue: at once, or exactly when the transaction
that journals it commits."""

from datetime import datetime

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Exists, OuterRef, Q
from django_q.conf import Conf

from ..db.task_broker import task_send
from ..models import Operation


def operation_enqueue(operation_id: int) -> None:
    task_send(
        "provisioning.tasks.operation_run",
        operation_id,
        task_name=f"operation-{operation_id}",
        group="operations",
    )


def broker_in_database() -> bool:
    """Whether a task queued now is a row of the bridge's own database (written in the
    caller's transaction)."""
    # Synchronous mode runs the task at enqueue time: only after the commit.
    return Conf.ORM == DEFAULT_DB_ALIAS and not Conf.SYNC


def operation_enqueue_on_commit(operation_id: int) -> None:
    """Queue the operation's task so that it exists exactly when the transaction commits.

    With the ORM broker on the bridge's own database, the task row is written in the
    transaction itself: queued and journaled commit (or roll back) together, and SQLite
    takes its single write lock once instead of twice. A broker outside the database
    (Redis) is written after the commit, so that no worker can pick the task up before
    the operation is visible; a task lost between the two is re-sent by the sweep."""
    if broker_in_database():
        operation_enqueue(operation_id)
    else:
        transaction.on_commit(lambda: operation_enqueue(operation_id))


def earlier_unfinished() -> Exists:
    """An unfinished operation of the same service accepted before: this one waits for it
    (a service's operations run in the order they were accepted)."""
    return Exists(
        Operation.objects.filter(
            service_id=OuterRef("service_id"),
            state__in=Operation.UNFINISHED,
            id__lt=OuterRef("id"),
        )
    )


def slot_freed_enqueue(sender, operation_id: int, **kwargs) -> None:
    """`handoffs.slot_freed`: a slot of its server is free for the operation that a full
    server turned away."""
    operation_enqueue_on_commit(operation_id)


def server_released_enqueue(
    sender, server_id: int, until: datetime | None, now: datetime, **kwargs
) -> None:
    """`handoffs.server_released`: the server's operations sent away until `until` (None:
    any time) are due now and queued at once, first of their service each (in the
    sender's transaction)."""
    sent_away = Q(next_attempt_at__gt=now)
    if until is not None:
        sent_away &= Q(next_attempt_at__lte=until)
    else:
        # Also those a full server turned away: no slot is freed while a server is held.
        sent_away |= Q(awaits_slot=True)
    waiting = Operation.objects.filter(
        sent_away,
        server_id=server_id,
        state__in=(Operation.State.QUEUED, Operation.State.RETRYING),
    ).exclude(earlier_unfinished())
    # The sender holds the server's row; a worker claiming one of these holds the
    # operation's row and then asks for the server's: skip what is locked (it is being
    # run) rather than wait for it (a deadlock on PostgreSQL).
    ids = list(
        waiting.select_for_update(skip_locked=True).order_by("id").values_list("id", flat=True)
    )
    Operation.objects.filter(pk__in=ids).update(next_attempt_at=now, awaits_slot=False)
    for operation_id in ids:
        operation_enqueue_on_commit(operation_id)
