"""The task queue's broker on the bridge's own database (the embedded default).

django-q2's ORM broker, except that a task queued inside a transaction (a webhook's,
journaling its operation) is written in that transaction (the broker's own enqueue
closes stale connections first, which would end it; outside a transaction it runs), and
that the pusher waiting for tasks is woken by the queue bell when one is queued.

Both brokers pass the guard's status on (`handoffs.cluster_status`): monitoring records
the heartbeat from it."""

import logging
import os
from functools import partial

from django.db import transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ

from ..handoffs import cluster_status
from .queue_bell import QueueBell, queue_bell_ring

logger = logging.getLogger(__name__)

_brokers: dict[int, object] = {}


def broker():
    """This process's broker. django-q2 builds a new one for every task otherwise, and a
    new Redis broker is a new connection pool: one TCP connection per task. Keyed by
    process id, so that a forked worker builds its own instead of sharing sockets."""
    from django_q.brokers import get_broker

    found = _brokers.get(os.getpid())
    if found is None:
        _brokers.clear()
        found = _brokers[os.getpid()] = get_broker()
    return found


def task_send(func: str, *args, **options) -> None:
    """Queue a task on this process's broker (django-q2's `async_task` otherwise builds a
    broker per task)."""
    from django_q.tasks import async_task

    async_task(func, *args, broker=broker(), **options)


class HeartbeatMixin:
    """The guard's status, also passed on to be written where /healthz reads it."""

    def set_stat(self, key: str, value: str, timeout: int):
        result = super().set_stat(key, value, timeout)
        try:
            cluster_status.send(sender=type(self), packed=value)
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
        task_id = OrmQ.objects.using(Conf.ORM).create(key=key, payload=task, lock=timezone.now()).pk
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
