"""The task queue's broker on the bridge's own database (the embedded default).

django-q2's ORM broker, except that a task queued inside a transaction (a webhook's,
journaling its operation) is written with one prepared INSERT instead of a queryset,
which costs more than the insert itself on the webhook's hot path (outside a
transaction the broker's own enqueue runs: it also closes stale connections), and that
the pusher waiting for tasks is woken by the queue bell when one is queued."""

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ

from .lean_rows import row_insert
from .queue_bell import QueueBell, queue_bell_ring
from .worker_heartbeat import heartbeat_from_stat

logger = logging.getLogger(__name__)


class HeartbeatMixin:
    """The guard's status, also written where /healthz reads it (worker_heartbeat.py)."""

    def set_stat(self, key: str, value: str, timeout: int):
        result = super().set_stat(key, value, timeout)
        try:
            heartbeat_from_stat(value)
        except Exception:  # the guard must keep guarding whatever the database says
            logger.exception("worker heartbeat not recorded")
        return result


class RedisBroker(HeartbeatMixin, Redis):
    """django-q2's Redis broker, with the heartbeat."""


class DatabaseBroker(HeartbeatMixin, ORM):
    _bell: QueueBell | None = None

    def enqueue(self, task):
        if transaction.get_autocommit(using=Conf.ORM):
            task_id = super().enqueue(task)
            queue_bell_ring(Conf.ORM)
            return task_id
        key = self.list_key or Conf.CLUSTER_NAME
        task_id = row_insert(OrmQ(key=key, payload=task, lock=timezone.now())).pk
        transaction.on_commit(partial(queue_bell_ring, Conf.ORM), using=Conf.ORM)
        return task_id

    def dequeue(self):
        """The ORM broker's, except that an empty queue waits for the bell (queue_bell.py)
        instead of sleeping `poll` seconds whatever comes meanwhile."""
        connection = self.get_connection()
        tasks = list(connection.filter(key=self.list_key, lock__lt=timezone.now())[: Conf.BULK])
        if not tasks:
            if self._bell is None:
                self._bell = QueueBell(Conf.ORM)
            self._bell.wait(Conf.POLL)
            return None
        return [
            (task.pk, task.payload)
            for task in tasks
            # Another cluster may have taken it meanwhile: only the one whose update
            # moved the lock has it.
            if connection.filter(id=task.id, lock=task.lock).update(lock=self.timeout(task))
        ]
