"""The task queue's broker on the bridge's own database (the embedded default).

django-q2's ORM broker, except that a task queued inside a transaction (a webhook's,
journaling its operation) is written with one prepared INSERT instead of a queryset,
which costs more than the insert itself on the webhook's hot path. Outside a
transaction the broker's own enqueue runs (it also closes stale connections)."""

import logging

from django.db import transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.brokers.redis_broker import Redis
from django_q.conf import Conf
from django_q.models import OrmQ

from .lean_rows import row_insert
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
    def enqueue(self, task):
        if transaction.get_autocommit(using=Conf.ORM):
            return super().enqueue(task)
        key = self.list_key or Conf.CLUSTER_NAME
        return row_insert(OrmQ(key=key, payload=task, lock=timezone.now())).pk
